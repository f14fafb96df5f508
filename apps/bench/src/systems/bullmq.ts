import { Queue, Worker } from 'bullmq';
import { Cluster, Redis } from 'ioredis';
import { type BenchPayload, payload } from '../payload.js';
import { bullmqFlowConsumer, bullmqFlows } from './bullmq-flows.js';
import { installedVersion } from './package-version.js';
import type {
  ConsumerHooks,
  ConsumerOptions,
  ProducerOptions,
  ScheduleSet,
  Schedules,
  SystemAdapter,
} from './types.js';

const JOB_NAME = 'noop';
/** `upsertJobScheduler` calls in flight while declaring (it has no bulk form). */
const UPSERTS_IN_FLIGHT = 100;

function jobOptions(retry: boolean | undefined, dueAt: number | undefined) {
  return {
    removeOnComplete: true,
    removeOnFail: true,
    ...(retry && { attempts: 2 }),
    ...(dueAt !== undefined && { delay: Math.max(0, dueAt - Date.now()) }),
  };
}

/**
 * On a Cluster, BullMQ's docs ask for a hash-tag prefix so that all of a queue's keys share
 * one slot (https://docs.bullmq.io/patterns/redis-cluster): one queue is
 * one slot, on one master.
 */
export const BULLMQ_CLUSTER_PREFIX = '{bull}';

/** A connection to `url`, or to the cluster; blocking workers want `maxRetriesPerRequest: null`. */
function connect(
  options: Pick<ProducerOptions, 'url' | 'cluster'>,
  worker: boolean,
): Redis | Cluster {
  const redisOptions = worker ? { maxRetriesPerRequest: null } : {};
  return options.cluster
    ? new Cluster([...options.cluster], { redisOptions })
    : new Redis(options.url, redisOptions);
}

function prefixOf(options: Pick<ProducerOptions, 'cluster'>): { prefix?: string } {
  return options.cluster ? { prefix: BULLMQ_CLUSTER_PREFIX } : {};
}

/** BullMQ with the settings its docs recommend for throughput. */
export const bullmqSystem: SystemAdapter = {
  name: 'bullmq',
  label: 'BullMQ',
  version: installedVersion('bullmq'),
  settings: [
    'producer: new Queue(name, { connection: new IORedis(url) }); add() per job, addBulk() for bulk',
    'jobs: { removeOnComplete: true, removeOnFail: true }; delayed jobs use opts.delay',
    'worker: new Worker(name, processor, { connection: new IORedis(url, { maxRetriesPerRequest: null }), concurrency, autorun: false })',
    'retry case: { attempts: 2 } with no backoff (immediate retry)',
    `cluster case: the Queue and the Worker connect with new IORedis.Cluster(startupNodes) and prefix '${BULLMQ_CLUSTER_PREFIX}', the hash tag BullMQ's docs ask for on a Cluster (one queue, one slot)`,
    'flow case: new FlowProducer({ connection }).add({ name, queueName, data, opts: { jobId }, children }) with the children at { removeOnComplete: true, removeOnFail: true }; the parent reads job.getChildrenValues(); the worker is the Worker above',
    "schedules case: queue.upsertJobScheduler(id, { pattern, tz: 'UTC' }, { name, data, opts: { removeOnComplete: true, removeOnFail: true } }) from the harness, 100 calls in flight; the workers are the Worker above",
  ],

  async createProducer(options: ProducerOptions) {
    if (options.partitions !== undefined) {
      throw new Error('[bench] BullMQ has no partitioned queues; run it without partitions');
    }
    const connection = connect(options, false);
    const queue = new Queue(options.queue, { connection, ...prefixOf(options) });
    await queue.waitUntilReady();
    return {
      async add(job, dueAt) {
        await queue.add(JOB_NAME, job, jobOptions(options.retry, dueAt));
      },
      async addBulk(jobs, dueAt) {
        await queue.addBulk(
          jobs.map((data) => ({ name: JOB_NAME, data, opts: jobOptions(options.retry, dueAt) })),
        );
      },
      async pending() {
        const counts = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized');
        return Object.values(counts).reduce((sum, count) => sum + count, 0);
      },
      async close() {
        await queue.close();
        connection.disconnect();
      },
    };
  },

  createSchedules: bullmqSchedules,
  createFlows: bullmqFlows,

  async createConsumer(options: ConsumerOptions, hooks: ConsumerHooks) {
    if (options.flow) return bullmqFlowConsumer(options, options.flow, hooks);
    const connection = connect(options, true);
    const worker = new Worker<BenchPayload>(
      options.queue,
      async (job) => {
        hooks.onStart?.(job.data);
        if (options.retry && job.attemptsMade === 0) throw new Error('first attempt fails');
        return null;
      },
      { connection, concurrency: options.concurrency, autorun: false, ...prefixOf(options) },
    );
    worker.on('completed', () => hooks.onCompleted());
    worker.on('failed', (job) => {
      if (job && job.attemptsMade < (job.opts.attempts ?? 1)) hooks.onRetried();
    });
    worker.on('error', () => {
      // Connection errors surface as missing jobs, and the run is reported invalid.
    });
    await worker.waitUntilReady();
    let running: Promise<void> | undefined;
    return {
      async start() {
        running = worker.run();
      },
      async stop() {
        await worker.close();
        await running;
        connection.disconnect();
      },
    };
  },
};

/** Job schedulers (`upsertJobScheduler`), one `Queue` per set's queue. */
async function bullmqSchedules({ url }: { url: string }): Promise<Schedules> {
  const connection = new Redis(url);
  const queues = new Map<string, Queue>();
  const queueOf = async (set: ScheduleSet) => {
    let queue = queues.get(set.queue);
    if (!queue) {
      queue = new Queue(set.queue, { connection });
      queues.set(set.queue, queue);
      await queue.waitUntilReady();
    }
    return queue;
  };
  return {
    async declare(set) {
      const queue = await queueOf(set);
      let next = 0;
      const lane = async () => {
        while (next < set.count) {
          const i = next;
          next += 1;
          await queue.upsertJobScheduler(
            `bench-${i}`,
            { pattern: set.cron, tz: 'UTC' },
            { name: JOB_NAME, data: payload(i), opts: jobOptions(false, undefined) },
          );
        }
      };
      await Promise.all(Array.from({ length: UPSERTS_IN_FLIGHT }, lane));
    },
    async stored(set) {
      return (await queueOf(set)).getJobSchedulersCount();
    },
    async unfinished(set) {
      const counts = await (await queueOf(set)).getJobCounts('wait', 'active', 'prioritized');
      return Object.values(counts).reduce((sum, count) => sum + count, 0);
    },
    async close() {
      for (const queue of queues.values()) await queue.close();
      connection.disconnect();
    },
  };
}
