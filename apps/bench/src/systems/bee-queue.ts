import BeeQueue from 'bee-queue';
import type { BenchPayload } from '../payload.js';
import { installedVersion } from './package-version.js';
import type { ConsumerHooks, ConsumerOptions, ProducerOptions, SystemAdapter } from './types.js';

function redisOptions(url: string) {
  const { hostname, port } = new URL(url);
  return { host: hostname, port: Number(port) };
}

/** Bee-Queue with the settings its README recommends for speed. */
export const beeQueueSystem: SystemAdapter = {
  name: 'bee-queue',
  label: 'Bee-Queue',
  version: installedVersion('bee-queue'),
  settings: [
    'producer: new BeeQueue(name, { isWorker: false, getEvents: false, sendEvents: false, storeJobs: false }); createJob().save() per job, saveAll() for bulk',
    'worker: new BeeQueue(name, { removeOnSuccess: true, removeOnFailure: true, getEvents: false, sendEvents: false, storeJobs: false, activateDelayedJobs: only in the delayed case }); process(concurrency, handler)',
    'delayed jobs use job.delayUntil(); retry case: job.retries(1) with the default immediate backoff',
  ],

  async createProducer(options: ProducerOptions) {
    const queue = new BeeQueue<BenchPayload>(options.queue, {
      redis: redisOptions(options.url),
      isWorker: false,
      getEvents: false,
      sendEvents: false,
      storeJobs: false,
      activateDelayedJobs: false,
    });
    await queue.ready();
    const build = (data: BenchPayload, dueAt: number | undefined) => {
      const job = queue.createJob(data);
      if (options.retry) job.retries(1);
      if (dueAt !== undefined) job.delayUntil(dueAt);
      return job;
    };
    return {
      async add(data, dueAt) {
        await build(data, dueAt).save();
      },
      async addBulk(jobs, dueAt) {
        const errors = await queue.saveAll(jobs.map((data) => build(data, dueAt)));
        if (errors.size > 0) {
          const [first] = errors.values();
          throw first;
        }
      },
      async pending() {
        const health = await queue.checkHealth();
        return health.waiting + health.active + health.delayed;
      },
      async close() {
        await queue.close();
      },
    };
  },

  async createConsumer(options: ConsumerOptions, hooks: ConsumerHooks) {
    const queue = new BeeQueue<BenchPayload>(options.queue, {
      redis: redisOptions(options.url),
      isWorker: true,
      getEvents: false,
      sendEvents: false,
      storeJobs: false,
      removeOnSuccess: true,
      removeOnFailure: true,
      activateDelayedJobs: options.delayed === true,
    });
    queue.on('succeeded', () => hooks.onCompleted());
    queue.on('retrying', () => hooks.onRetried());
    queue.on('error', () => {
      // Connection errors surface as missing jobs, and the run is reported invalid.
    });
    await queue.ready();
    return {
      async start() {
        queue.process(options.concurrency, async (job) => {
          hooks.onStart?.(job.data);
          if (options.retry && job.options.retries > 0) throw new Error('first attempt fails');
          return null;
        });
      },
      async stop() {
        await queue.close(30_000);
      },
    };
  },
};
