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

/**
 * Cases 2 and 3: one worker process draining a filled queue. Each timed run follows an untimed
 * one of the same size on the same process, for every system alike: the runs interleave the
 * systems, so without it each timed run started on a process that had sat idle through the
 * other systems' runs, and such a process starts slow (the scale cases below, and
 * docs/benchmarks/history.md, 5 Dec: 32,732 jobs/s after 15 s idle against about 60,000 around
 * it). The case measures a worker that is running, as a deployed one is.
 */
function processAt(concurrency: 1 | 50): BenchCase {
  const jobs = (s: Sizes) => (concurrency === 1 ? s.processC1 : s.processC50);
  return {
    id: `process-c${concurrency}`,
    group: 3,
    title: `Processing throughput, concurrency ${concurrency}`,
    describe: (s) =>
      `${n(jobs(s))} jobs queued first, then one worker process at concurrency ${concurrency}, trivial handler; timed until the last acknowledgement; each timed run right after an untimed one of the same size on the same process (warm-up)`,
    metrics: PROCESSING_METRICS,
    async run(system, context) {
      const plan = { queued: jobs(context.sizes), concurrency };
      const warmUp = await processingRun(system, context, plan);
      if (warmUp.invalid) return warmUp;
      return processingRun(system, context, plan);
    },
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
 * Case 9: the same queue drained by 1, 2 or 4 worker processes, started for the case (not the
 * shared pool's, whose first process has run every case before: on 4 Dec it used 5.8 µs of
 * worker CPU per job against 14.5 for two processes that had run only this case).
 *
 * What makes the ratio between process counts fair (docs/benchmarks/history.md, 5 Dec):
 * - **A warm-up before every timed run.** Each timed run follows an untimed one of
 *   `processes` × its size on the same processes (three before a system's first), so that each
 *   process has just run about as many jobs as the one process of the 1-process case does in
 *   a timed run. A worker process keeps getting faster over its first consumers (each run makes
 *   a new one, and V8 deoptimizes code specialised to the last one's closures: 23 µs of worker
 *   CPU per job in the first of six 30,000-job runs, 7.5 µs in the fifth and sixth), and one
 *   that sat idle while the other cases ran was slow again (32,732 jobs/s, against
 *   59,000–62,000 in the rounds around it).
 * - **Interleaved** (`interleave`): round k runs the 1-, 2- and 4-process cases in turn, as
 *   every case interleaves the systems, so that the VM's speed drifting over minutes skews
 *   none of them against the others (BullMQ's 1-process figure moved 1.6× between two sittings
 *   of the same morning while its 2-process figure did not).
 * - **Five runs** (the preset's `runs`, not `heavyRuns`): two runs of one case differ by up
 *   to 2× on this VM.
 */
export function scaleOut(processes: number): BenchCase {
  return {
    id: `scale-${processes}`,
    group: 9,
    title: `Scale-out, ${processes} worker process${processes === 1 ? '' : 'es'}`,
    describe: (s) =>
      `${n(s.scaleOut)} jobs queued, then ${processes} worker process${processes === 1 ? '' : 'es'} at concurrency 50 each, started for this case; before each timed run, an untimed one of ${processes === 1 ? 'the same size' : `${processes} × that size`} on the same processes (three before the first: warm-up); the 1-, 2- and 4-process cases interleaved, round by round`,
    metrics: [...PROCESSING_METRICS, REDIS_CORES, WORKER_CORES],
    heavy: true,
    runs: (s) => s.runs,
    interleave: 'scale',
    async run(system, context) {
      let pool = context.state.get(POOL) as WorkerPool | undefined;
      if (!pool) {
        pool = createWorkerPool(processes);
        context.state.set(POOL, pool);
      }
      const own = { ...context, pool };
      const plan = { queued: context.sizes.scaleOut, concurrency: 50, processes };
      // Untimed, right before the timed run: `processes` × the timed size, so that each
      // process runs about as many jobs as the one process does in a timed run; three times
      // before a system's first timed run, one consumer after another, as the runs go.
      const warmed = `warmed:${system.name}`;
      const warmUps = context.state.has(warmed) ? 1 : FIRST_WARM_UPS;
      for (let round = 0; round < warmUps; round += 1) {
        const warmUp = await processingRun(system, own, {
          ...plan,
          queued: plan.queued * processes,
        });
        if (warmUp.invalid) return warmUp;
      }
      context.state.set(warmed, true);
      return processingRun(system, own, plan);
    },
    async finish(state) {
      await (state.get(POOL) as WorkerPool | undefined)?.close();
    },
  };
}

const POOL = 'pool';
/** Untimed runs before a system's first timed run of a scale case (one before each later one). */
const FIRST_WARM_UPS = 3;
