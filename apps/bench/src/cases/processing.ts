import { type BenchCase, JOBS_PER_SEC, type Metric, REDIS_CPU, WORKER_CPU } from '../case-types.js';
import type { Sizes } from '../plan.js';
import { createWorkerPool, type WorkerPool } from '../worker-pool.js';
import { processingRun } from './processing-run.js';

const n = (value: number) => value.toLocaleString('en-US');
const PROCESSING_METRICS = [JOBS_PER_SEC, WORKER_CPU, REDIS_CPU];

const REDIS_CORES: Metric = {
  key: 'redisCpuCores',
  label: 'Redis busy',
  unit: 'cores',
  higherIsBetter: false,
};
const WORKER_CORES: Metric = {
  key: 'workerCpuCores',
  label: 'workers busy',
  unit: 'cores',
  higherIsBetter: false,
};

function processAt(concurrency: 1 | 50): BenchCase {
  const jobs = (s: Sizes) => (concurrency === 1 ? s.processC1 : s.processC50);
  return {
    id: `process-c${concurrency}`,
    group: 3,
    title: `Processing throughput, concurrency ${concurrency}`,
    describe: (s) =>
      `${n(jobs(s))} jobs queued first, then one worker process at concurrency ${concurrency}, trivial handler; timed until the last acknowledgement`,
    metrics: PROCESSING_METRICS,
    run: (system, context) =>
      processingRun(system, context, { queued: jobs(context.sizes), concurrency }),
  };
}

export const processC1 = processAt(1);
export const processC50 = processAt(50);

/** Case 6, shallow side: every job of a 10,000-deep queue. */
export const depthShallow: BenchCase = {
  id: 'depth-shallow',
  group: 6,
  title: 'Processing with a shallow queue',
  describe: (s) =>
    `${n(s.depthShallow)} jobs queued, all processed at concurrency 50 by one worker process`,
  metrics: PROCESSING_METRICS,
  runs: (s) => s.depthRuns,
  run: (system, context) =>
    processingRun(system, context, { queued: context.sizes.depthShallow, concurrency: 50 }),
};

/**
 * Case 6, deep side: the first jobs of a 1,000,000-deep queue. Each system's queue is filled
 * once and kept across runs, so run k starts with (1,000,000 - (k-1) x measured) jobs queued.
 */
export const depthDeep: BenchCase = {
  id: 'depth-deep',
  group: 6,
  title: 'Processing with a deep queue',
  describe: (s) =>
    `${n(s.depthDeep)} jobs queued (filled once per system, kept across runs); the next ${n(s.depthMeasured)} processed and timed at concurrency 50 by one worker process`,
  metrics: PROCESSING_METRICS,
  heavy: true,
  runs: (s) => s.depthRuns,
  reuseQueue: true,
  async run(system, context) {
    const queued = context.state.get(system.name) as number | undefined;
    const outcome = await processingRun(system, context, {
      queued: queued ?? context.sizes.depthDeep,
      fill: queued === undefined,
      measured: context.sizes.depthMeasured,
      concurrency: 50,
    });
    const done = outcome.values.completed ?? 0;
    context.state.set(system.name, (queued ?? context.sizes.depthDeep) - done);
    return outcome;
  },
};

/** Case 8: every job fails its first attempt and is retried at once. */
export const retryHeavy: BenchCase = {
  id: 'retry',
  group: 8,
  title: 'Retry-heavy workload (every job fails once)',
  describe: (s) =>
    `${n(s.retry)} jobs with 2 attempts and no back-off; the handler throws on attempt 1; concurrency 50, one worker process; jobs/s counts completed jobs`,
  metrics: PROCESSING_METRICS,
  heavy: true,
  run: (system, context) =>
    processingRun(system, context, { queued: context.sizes.retry, concurrency: 50, retry: true }),
};

/**
 * Case 9: the same queue drained by 1, 2 or 4 worker processes. Each scale case starts a pool
 * of its own, so that every process it times is as warm as the others: the shared pool's first
 * process has run every case before this one (over a million jobs in a full run) and, on 4 Dec,
 * used 5.8 µs of worker CPU per job against 14.5 for two processes that had run only this
 * case's warm-up; the ratio then measured JIT warmth, not scale-out (docs/benchmarks/history.md).
 * JIT warm-up is a fixed cost per process that a 30,000-job run cannot hide, so each system
 * first drains one untimed queue on the case's processes, as a long-running worker would have
 * done before any measurement: `processes` times the timed size, so that each process has run
 * about as many jobs as one process does in a timed run (with a warm-up of the timed size
 * alone, each of 4 processes had run 7,500 jobs, and their compiler threads still cost 17 µs a
 * job against 6 µs for one process; profile-scale.ts).
 */
export function scaleOut(processes: number): BenchCase {
  return {
    id: `scale-${processes}`,
    group: 9,
    title: `Scale-out, ${processes} worker process${processes === 1 ? '' : 'es'}`,
    describe: (s) =>
      `${n(s.scaleOut)} jobs queued, then ${processes} worker process${processes === 1 ? '' : 'es'} at concurrency 50 each, started for this case; per system, one untimed run of ${processes === 1 ? 'the same size' : `${processes} × that size`} on the same processes first (warm-up)`,
    metrics: [...PROCESSING_METRICS, REDIS_CORES, WORKER_CORES],
    heavy: true,
    async run(system, context) {
      let pool = context.state.get(POOL) as WorkerPool | undefined;
      if (!pool) {
        pool = createWorkerPool(processes);
        context.state.set(POOL, pool);
      }
      const own = { ...context, pool };
      const plan = { queued: context.sizes.scaleOut, concurrency: 50, processes };
      const warmed = `warmed:${system.name}`;
      if (!context.state.has(warmed)) {
        const warmUp = await processingRun(system, own, {
          ...plan,
          queued: plan.queued * processes,
        });
        if (warmUp.invalid) return warmUp;
        context.state.set(warmed, true);
      }
      return processingRun(system, own, plan);
    },
    async finish(state) {
      await (state.get(POOL) as WorkerPool | undefined)?.close();
    },
  };
}

const POOL = 'pool';
