/**
 * `client.queues`: pause, resume and read a queue from code, what BullMQ users do with
 * `queue.pause()` and `queue.getJobCounts()`. The same actions as `conveyor pause|resume` and
 * the dashboard's Pause button, over `transport.admin`: a partitioned queue is paused in
 * every partition, including partitions that have not held a job yet.
 */
import { isStoredQueueName, storedQueueNameRule } from './envelope.js';
import { InvalidOptionError } from './errors.js';
import { checkedOptions, type KnownKeys } from './known-keys.js';
import type { PartitionCounts } from './partition-routing.js';
import { assertPartitions, parsePartitionName } from './partitions.js';
import { pauseTargets, queuesSeen, sumQueueCounts } from './queue-groups.js';
import type { Transport } from './transport.js';
import type { QueueCounts, TransportAdmin } from './transport-admin.js';
import { requireCapability } from './transport-capabilities.js';

/** Options of `client.queues.pause` and `resume`. */
export interface QueuePauseOptions {
  /**
   * The queue's partition count, when neither the client's `partitions` option nor the broker
   * knows it yet (a queue paused before its first job): every one of its partitions is
   * paused. Not needed once the queue has held a job or a worker consumes it.
   */
  partitions?: number;
}

const PAUSE_OPTION_KEYS = { partitions: true } as const satisfies KnownKeys<QueuePauseOptions>;

/** What `pause` or `resume` did. */
export interface QueuePauseOutcome {
  /** The queue as asked. */
  queue: string;
  /** The stored queues acted on: the queue itself, or each of its partitions. */
  targets: string[];
  /** Those of `targets` this call paused (or resumed); the others were so already. */
  changed: string[];
}

/** A queue's counts: for a partitioned queue the sum, with each partition's own row. */
export interface QueueSummary extends QueueCounts {
  /** Each partition's counts, in order; absent on a queue that is not partitioned. */
  partitions?: QueueCounts[];
}

export interface ClientQueues {
  /**
   * Pauses a queue: from now on no worker leases its jobs, until `resume`. Running jobs
   * finish; enqueues, due delayed jobs and retries go on, and their jobs wait. The pause is
   * stored at the broker, so every worker sees it, and it outlasts restarts and deploys.
   * Needs `transport.admin`.
   *
   * @example
   * await client.queues.pause('warehouse'); // the warehouse's API is down for maintenance
   */
  pause(queue: string, options?: QueuePauseOptions): Promise<QueuePauseOutcome>;
  /** Resumes a paused queue: workers blocked waiting on it take its jobs at once. */
  resume(queue: string, options?: QueuePauseOptions): Promise<QueuePauseOutcome>;
  /** True when the queue (every partition of a partitioned queue) is paused. */
  isPaused(queue: string): Promise<boolean>;
  /**
   * How many jobs the queue holds in each state, and whether it is paused. A partition's
   * name (`emails~3of8`) reads that partition alone.
   */
  counts(queue: string): Promise<QueueSummary>;
}

export function createClientQueues(
  transport: Transport,
  partitions: PartitionCounts,
): ClientQueues {
  const admin = (operation: string): TransportAdmin =>
    requireCapability(transport, 'admin', `client.queues.${operation}`);

  /** The stored queues `queue` means, with the partition count the caller or client knows. */
  async function targetsOf(
    operation: string,
    queue: string,
    options: QueuePauseOptions | undefined,
  ): Promise<{ admin: TransportAdmin; targets: string[]; seen: string[] }> {
    if (!isStoredQueueName(queue)) {
      throw new InvalidOptionError(
        `queue of client.queues.${operation}`,
        queue,
        storedQueueNameRule(queue),
      );
    }
    checkedOptions(options, PAUSE_OPTION_KEYS, `client.queues.${operation}`, '{ partitions: 8 }');
    const count = options?.partitions ?? partitions[queue];
    if (options?.partitions !== undefined) {
      assertPartitions(options.partitions, `partitions of client.queues.${operation}`);
    }
    const found = admin(operation);
    const seen = await queuesSeen(found);
    return { admin: found, targets: pauseTargets(queue, seen, count), seen };
  }

  async function setPaused(
    operation: 'pause' | 'resume',
    queue: string,
    options: QueuePauseOptions | undefined,
  ): Promise<QueuePauseOutcome> {
    const { admin, targets } = await targetsOf(operation, queue, options);
    const changed: string[] = [];
    for (const name of targets) {
      const did =
        operation === 'pause' ? await admin.pauseQueue(name) : await admin.resumeQueue(name);
      if (did) changed.push(name);
    }
    return { queue, targets, changed };
  }

  async function counts(operation: string, queue: string): Promise<QueueSummary> {
    const { admin, targets, seen } = await targetsOf(operation, queue, undefined);
    const rows = await admin.queueCounts(targets);
    if (parsePartitionName(queue) || (targets.length === 1 && targets[0] === queue)) {
      return rows[0] ?? sumQueueCounts(queue, []);
    }
    // Paused only when the plain name is too (workers read it), but listed only once stored.
    const summary = sumQueueCounts(queue, rows);
    const listed = seen.includes(queue) ? rows : rows.filter((row) => row.queue !== queue);
    return { ...summary, partitions: listed };
  }

  return {
    pause: (queue, options) => setPaused('pause', queue, options),
    resume: (queue, options) => setPaused('resume', queue, options),
    isPaused: async (queue) => (await counts('isPaused', queue)).paused === true,
    counts: (queue) => counts('counts', queue),
  };
}
