import { createRequire } from 'node:module';
import { createClient, defineTask, silentLogger } from '@conveyor/core';
import { partitionNames } from '@conveyor/core/transport';
import { type RedisTransport, redisTransport } from '@conveyor/redis';
import { createWorker } from '@conveyor/worker';
import { Cluster } from 'ioredis';
import { type BenchPayload, benchPayloadSchema as input } from '../payload.js';
import { conveyorFlowConsumer, conveyorFlows } from './conveyor-flows.js';
import { conveyorScheduleConsumer, conveyorSchedules } from './conveyor-schedules.js';
import type { ConsumerHooks, ConsumerOptions, ProducerOptions, SystemAdapter } from './types.js';

/**
 * The input-schema fingerprint the bench's jobs carry, in the form `conveyor generate` writes
 * (16 hex digits): a producer using generated stubs stamps one on every job, and the worker's
 * generated registry gives its tasks the same one, so the bench measures that path (the
 * fingerprint travels in the stored job and the worker compares it on every delivery).
 */
const BENCH_SCHEMA_FINGERPRINT = '5ca1ab1e0b5e55ed';

/** Both tasks do nothing; `flaky` fails its first attempt and is retried at once. */
export function benchTasks(hooks?: ConsumerHooks) {
  const noop = defineTask({
    name: 'bench.noop',
    input,
    retry: { attempts: 1 },
    // As the peers are set up: BullMQ's removeOnComplete, Bee-Queue's removeOnSuccess.
    removeOnComplete: true,
    run(job: BenchPayload) {
      hooks?.onStart?.(job);
      return null;
    },
  });
  const flaky = defineTask({
    name: 'bench.flaky',
    input,
    retry: { attempts: 2, backoff: { type: 'fixed', delay: 0, jitter: false } },
    removeOnComplete: true,
    run(job: BenchPayload, ctx) {
      hooks?.onStart?.(job);
      if (ctx.attempt === 1) throw new Error('first attempt fails');
      return null;
    },
  });
  // As codegen's registry does: a frozen copy of each definition with its fingerprint.
  return {
    noop: Object.freeze({ ...noop, fingerprint: BENCH_SCHEMA_FINGERPRINT }),
    flaky: Object.freeze({ ...flaky, fingerprint: BENCH_SCHEMA_FINGERPRINT }),
  };
}

function prefetchFor(concurrency: number): number {
  // Reserving ahead lets one reserve call fetch a batch; more than one batch buys nothing.
  return Math.min(Math.max(concurrency, 16), 100);
}

/**
 * A transport on `url`, or on the cluster (through an ioredis `Cluster` the transport is
 * given, as Conveyor's Redis README shows); `close` closes both.
 */
function connect(options: { url: string; cluster?: ProducerOptions['cluster'] }): {
  transport: RedisTransport;
  close(): Promise<void>;
} {
  if (!options.cluster) {
    const transport = redisTransport({ url: options.url, logger: silentLogger });
    return { transport, close: () => transport.close() };
  }
  const client = new Cluster([...options.cluster], { lazyConnect: true });
  const transport = redisTransport({ client, logger: silentLogger });
  return {
    transport,
    async close() {
      await transport.close();
      client.disconnect();
    },
  };
}

/** `{ [queue]: n }` for a partitioned queue (client and worker must agree), else nothing. */
function partitionsOf(options: { queue: string; partitions?: number }) {
  return options.partitions === undefined
    ? {}
    : { partitions: { [options.queue]: options.partitions } };
}

/** Conveyor through its public API: `createClient` + `redisTransport`, and `createWorker`. */
export const conveyorSystem: SystemAdapter = {
  name: 'conveyor',
  label: 'Conveyor',
  version: (createRequire(import.meta.url)('@conveyor/redis/package.json') as { version: string })
    .version,
  settings: [
    'producer: createClient({ transport: redisTransport({ url }) }); enqueue() per job, enqueueMany() for bulk (one round trip per 1,000)',
    'task input validated with a zod schema at enqueue and again in the worker (Conveyor always validates)',
    'tasks carry an input-schema fingerprint, as generated stubs and registries give them; every job stores it and the worker compares it',
    `worker: createWorker({ concurrency, prefetch: clamp(concurrency, 16, 100), logger: silentLogger }), other options default`,
    'retention: both tasks are defineTask({ removeOnComplete: true }), as the peers remove completed jobs (BullMQ removeOnComplete, Bee-Queue removeOnSuccess); a failed record would be kept 24 h, at most 10,000 per queue (the peers remove failed ones too; the bench fails none)',
    'retry case: retry { attempts: 2, backoff fixed 0 ms }',
    "flow case: defineWorkflow with a map stage of the children (items from the workflow's input) and a fan-in step that receives their results in order (from the workflow's record); the children's task sets removeOnComplete, as BullMQ's children are removed, and the fan-in's task keeps its result, as BullMQ's parent is kept; started with client.workflows.start(workflow, input); the worker is createWorker({ workflows }) with the same definition, other options as above",
    'cluster cases: redisTransport({ client: new Cluster(startupNodes) }) for the producer and each worker; the partitioned queue is declared as createClient({ partitions: { [queue]: 3 } }) and createWorker({ partitions: { [queue]: 3 } }), so enqueueMany spreads the jobs over its 3 partitions by job id',
    "schedules case: the harness upserts the specs (scheduleSpec(def, 'code')) through transport.schedules, 1,000 per call; each worker is createWorker({ schedules }) with the same definitions, other options default",
  ],

  async createProducer(options: ProducerOptions) {
    const connection = connect(options);
    const { transport } = connection;
    const client = createClient({ transport, ...partitionsOf(options) });
    const { noop, flaky } = benchTasks();
    const task = options.retry ? flaky : noop;
    const queue = options.queue;
    const stored = partitionNames(queue, options.partitions);
    return {
      async add(job, dueAt) {
        await client.enqueue(task, job, dueAt === undefined ? { queue } : { queue, eta: dueAt });
      },
      async addBulk(jobs, dueAt) {
        await client.enqueueMany(
          task,
          jobs,
          dueAt === undefined ? { queue } : { queue, eta: dueAt },
        );
      },
      async pending() {
        // The Redis transport always has the admin capability (RedisTransport says so).
        const rows = await transport.admin.queueCounts(stored);
        if (rows.length !== stored.length) return undefined;
        return rows.reduce(
          (sum, counts) => sum + counts.waiting + counts.delayed + counts.active,
          0,
        );
      },
      async close() {
        await client.close();
        await connection.close();
      },
    };
  },

  createSchedules: conveyorSchedules,
  createFlows: conveyorFlows,

  async createConsumer(options: ConsumerOptions, hooks: ConsumerHooks) {
    const prefetch = prefetchFor(options.concurrency);
    if (options.flow) {
      return conveyorFlowConsumer(
        { url: options.url, concurrency: options.concurrency, prefetch },
        options.flow,
        hooks,
      );
    }
    if (options.schedules) {
      return conveyorScheduleConsumer(
        { url: options.url, concurrency: options.concurrency, prefetch },
        options.schedules,
        hooks,
      );
    }
    const connection = connect(options);
    const { transport } = connection;
    // One read opens the connection, so that start-up is not timed.
    await transport.getJob(`${options.queue}:warmup`);
    const { noop, flaky } = benchTasks(hooks);
    const worker = createWorker({
      transport,
      tasks: [noop, flaky],
      queues: [options.queue],
      ...partitionsOf(options),
      concurrency: options.concurrency,
      prefetch,
      logger: silentLogger,
    });
    worker.on((event) => {
      if (event.type === 'completed') hooks.onCompleted();
      else if (event.type === 'retried') hooks.onRetried();
    });
    let running: Promise<void> | undefined;
    return {
      async start() {
        running = worker.start();
      },
      async stop() {
        if (running) {
          await worker.stop();
          await running;
        }
        await connection.close();
      },
    };
  },
};
