// `conveyor status`'s data: queue counts (a partitioned queue's summed over its partitions)
// and live workers, read in one go. status.ts draws it.
import type { QueueCounts, WorkerRecord } from '@conveyor/core';
import {
  groupStoredQueues,
  parsePartitionName,
  storedQueuesOf,
  sumQueueCounts,
} from '@conveyor/core/transport';
import { isClusterNodeDown } from '@conveyor/redis';
import type { AdminConnection } from '../connection.js';
import { CliError } from '../errors.js';
import { countQueues, type UnreadableQueue } from '../queue-counts.js';
import { isUnknownQueue, unknownQueueNote } from '../queue-names.js';
import { type OriginFields, originFields } from '../transport-origin.js';

/** A worker record as status shows it: when it was last seen, and whether it is stale. */
export interface WorkerStatus extends WorkerRecord {
  /** The record's last refresh (Redis clock, ms since the epoch), or null if unknown. */
  lastSeenAt: number | null;
  /** How long ago that was, in ms. */
  heartbeatAgeMs: number | null;
  /**
   * No refresh for longer than {@link staleAfterMs}: the worker was killed, froze or lost
   * Redis. Its record expires on its own; its jobs return when their leases run out.
   */
  stale: boolean;
}

/** With where it reads ({@link OriginFields}): `redis` and `prefix`, or `config` and `where`. */
export interface StatusSnapshot extends OriginFields {
  /** Local clock when taken, ms since the epoch. */
  at: number;
  /** The transport's name: `redis`, `memory`, … */
  transport: string;
  /**
   * One row per queue; a partitioned queue's counts are its partitions' totals, of those read
   * (a row with `unreadablePartitions` is partial).
   */
  queues: QueueStatus[];
  workers: WorkerStatus[];
  /**
   * Of the queues `--queues` named, those that never held a job and that no worker consumes
   * (their rows read all zeros, as a typo's would), each with a note; absent when none.
   */
  unknownQueues?: Array<{ queue: string; note: string }>;
  /** Queues left out: their counts could not be read (their error names the key). */
  unreadableQueues?: UnreadableQueue[];
  /**
   * Why the list of queues could not be read (on a Cluster, the master holding it is down):
   * the queues `--queues` named were read from the masters that are up, each with the
   * partitions the workers' records name. Absent when the list was read.
   */
  queuesUnlisted?: string;
  /**
   * Why the worker records could not be read (a Cluster master down holds their key): the
   * queues are shown all the same, with no workers. Absent when they were read.
   */
  workersUnreadable?: string;
}

/**
 * A queue's counts. A partitioned queue's are the sums over its stored queues, which
 * `partitions` lists (`emails~0of8`, …; first the plain `emails` when it holds jobs from
 * before it was partitioned). Absent for a plain queue and for a partition asked by name.
 */
export interface QueueStatus extends Omit<QueueCounts, 'paused'> {
  /** Always there, true or false: the transport's counts leave it out of a running queue. */
  paused: boolean;
  /** The stored queues that were read; an unreadable one is in `unreadablePartitions` instead. */
  partitions?: Array<Omit<QueueCounts, 'paused'> & { paused: boolean }>;
  /**
   * The stored queues of a partitioned queue whose counts could not be read (`emails~1of4`,
   * or the plain `emails`; each is in the snapshot's `unreadableQueues` with its error): the
   * row's counts are partial, the sums of the others only. Absent when every one was read; a
   * queue none of whose stored queues could be read has no row.
   */
  unreadablePartitions?: string[];
}

/** Counts with `paused` false rather than absent, for scripts reading `--json`. */
function withPaused(counts: QueueCounts): Omit<QueueCounts, 'paused'> & { paused: boolean } {
  return { ...counts, paused: counts.paused === true };
}

/** Refresh interval assumed for records without one: workers before it was stored refreshed with the 10 s lease heartbeat. */
const DEFAULT_HEARTBEAT_MS = 10_000;

/**
 * How long a worker may go without refreshing its record before status calls it stale:
 * one missed refresh, with at least a second's slack for a busy event loop or network.
 */
export function staleAfterMs(heartbeatMs: number | undefined): number {
  const interval = heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  return interval + Math.max(interval, 1_000);
}

/**
 * The stored queues behind each row: every queue (partitions grouped under theirs), or
 * those `only` names (a queue: with its partitions; a partition: itself alone).
 */
function queueRows(known: readonly string[], only: readonly string[] | undefined) {
  if (only === undefined) return groupStoredQueues(known);
  return only.map((name) => {
    const stored = storedQueuesOf(name, known);
    return { queue: name, stored, partitioned: stored.some((s) => s !== name) };
  });
}

/**
 * Whether a stored queue's row is listed under its partitioned `queue`: all but the plain
 * name when it holds no job (pausing the queue stores that name, which its workers read;
 * the totals still count its paused state).
 */
function shownUnder(queue: string) {
  return (row: QueueCounts): boolean =>
    row.queue !== queue ||
    row.waiting + row.delayed + row.active + row.dead + (row.finished ?? 0) > 0;
}

/**
 * Reads queue counts and live workers: one script call per stored queue plus two commands.
 * `now` is this machine's clock; worker ages are read on Redis' clock, which stamps them.
 */
export async function takeSnapshot(
  connection: AdminConnection,
  only: readonly string[] | undefined,
  now: () => number = Date.now,
): Promise<StatusSnapshot> {
  const { admin } = connection;
  const [listed, recorded] = await Promise.allSettled([admin.listQueues(), admin.listWorkers()]);
  // Without the workers, the queues are still worth showing (on a Cluster, a master down can
  // hold the records' key alone). Without the queue list, only the queues named are: the
  // others are unknown, and a master down need not hold theirs.
  if (listed.status === 'rejected' && only === undefined) throw unlistedQueues(listed.reason);
  const known = listed.status === 'fulfilled' ? listed.value : [];
  const workers = recorded.status === 'fulfilled' ? recorded.value : [];
  // Queues a worker consumes show up even before their first job; a worker naming a
  // partitioned queue (not one of its partitions) adds no empty row beside them.
  const partitioned = new Set(known.map((name) => parsePartitionName(name)?.queue));
  const consumed = workers.flatMap((w) => w.queues).filter((name) => !partitioned.has(name));
  const seen = [...new Set([...known, ...consumed])];
  const rows = queueRows(seen, only);
  // Without the list, a name cannot be told to be a typo.
  const unknownQueues = (listed.status === 'fulfilled' ? (only ?? []) : [])
    .filter((name) => isUnknownQueue(name, seen))
    .map((queue) => ({ queue, note: unknownQueueNote(queue, seen) }));
  const stored = [...new Set(rows.flatMap((row) => row.stored))];
  const read = await countQueues(admin, stored);
  const counts = new Map(read.counts.map((row) => [row.queue, row]));
  const countsOf = (name: string): QueueCounts => counts.get(name) ?? sumQueueCounts(name, []);
  const left = new Set(read.unreadable.map(({ queue }) => queue));
  const readable = rows.filter(
    (row) => !row.stored.every((name) => left.has(name)) || !row.stored.length,
  );
  const queues = readable.map(({ queue, stored: names, partitioned: many }): QueueStatus => {
    if (!many) return withPaused(countsOf(names[0] ?? queue));
    // An unreadable partition's zeros would read as counts: it is left out, and named.
    const unreadablePartitions = names.filter((name) => left.has(name));
    const rows = names.filter((name) => !left.has(name)).map(countsOf);
    return {
      ...withPaused(sumQueueCounts(queue, rows)),
      partitions: rows.filter(shownUnder(queue)).map(withPaused),
      ...(unreadablePartitions.length > 0 ? { unreadablePartitions } : {}),
    };
  });
  const at = now();
  const brokerNow = at + connection.clockOffsetMs;
  return {
    at,
    transport: connection.transport.name,
    ...originFields(connection),
    queues,
    workers: workers.map((worker): WorkerStatus => {
      const age =
        typeof worker.heartbeatAt === 'number' ? Math.max(0, brokerNow - worker.heartbeatAt) : null;
      return {
        ...worker,
        lastSeenAt: worker.heartbeatAt ?? null,
        heartbeatAgeMs: age,
        stale: age !== null && age > staleAfterMs(worker.heartbeatMs),
      };
    }),
    ...(unknownQueues.length > 0 ? { unknownQueues } : {}),
    ...(read.unreadable.length > 0 ? { unreadableQueues: read.unreadable } : {}),
    ...(listed.status === 'rejected' ? { queuesUnlisted: messageOf(listed.reason) } : {}),
    ...(recorded.status === 'rejected' ? { workersUnreadable: messageOf(recorded.reason) } : {}),
  };
}

/**
 * The list of queues unreadable with no `--queues`: a Cluster master down says so and that
 * the queues named can still be read (exit 3, as before); anything else fails as it is.
 */
function unlistedQueues(error: unknown): unknown {
  if (!isClusterNodeDown(error)) return error;
  return new CliError(
    'REDIS_UNREACHABLE',
    `${messageOf(error).replace(/\.*$/, '.')} The list of queues is on that node; meanwhile \`conveyor status --queues <queue>,…\` reads the queues it names from the masters that are up.`,
    { cause: error },
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
