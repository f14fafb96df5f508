import type { Sizes } from './plan.js';
import type { RedisProbe } from './redis-probe.js';
import type { SystemAdapter, SystemName } from './systems/types.js';
import type { WorkerPool } from './worker-pool.js';

/** One figure a case reports. The first metric of a case is its headline. */
export interface Metric {
  key: string;
  label: string;
  unit: string;
  higherIsBetter: boolean;
  /** A bound the figure should stay under (or above, when higher is better); the report says whether it did. */
  target?: number;
  /** Conveyor ÷ peer is reported for this figure too (the headline's always is). */
  ratio?: boolean;
}

export interface CaseContext {
  url: string;
  probe: RedisProbe;
  pool: WorkerPool;
  sizes: Sizes;
  /** A queue name no earlier run has used (the same for every run of a `reuseQueue` case). */
  queue: string;
  /** Lives as long as the case: what a `reuseQueue` case carries from one run to the next. */
  state: Map<string, unknown>;
}

export interface RunOutcome {
  values: Record<string, number>;
  /** Why this run does not count (jobs missing, …). Its values are never reported. */
  invalid?: string;
  /** Checks that could not be made, e.g. a system offers no queue count. */
  notes?: string[];
}

export interface BenchCase {
  id: string;
  /** The case's number in the issue (1–9; 10 and up for later issues' cases). */
  group: number;
  title: string;
  /** What one run does, with its sizes, for the report. */
  describe(sizes: Sizes): string;
  metrics: readonly Metric[];
  heavy?: boolean;
  /** Runs per system, when neither `runs` nor `heavyRuns` of the preset fits the case. */
  runs?: (sizes: Sizes) => number;
  /**
   * Redis is flushed before the case, not before each run, and each system keeps its queue
   * across runs (the deep-queue case fills 1,000,000 jobs once per system, not per run).
   */
  reuseQueue?: boolean;
  /**
   * Cases with the same key that run one after another are run together, round by round: run
   * 1 of each case (every system in turn), then run 2 of each, and so on. The scale-out cases
   * share one, so that the VM's speed drifting over minutes skews none of 1, 2 and 4 processes
   * against the others, as interleaving the systems keeps it from skewing one system. Not for
   * `reuseQueue` cases (each run of the others flushes Redis).
   */
  interleave?: string;
  /** Only these systems run it (a case about something only Conveyor has, such as its dashboard). */
  systems?: readonly SystemName[];
  /** Worker processes a run uses at most (default 1); the pool is started with enough. */
  processes?: (sizes: Sizes) => number;
  run(system: SystemAdapter, context: CaseContext): Promise<RunOutcome>;
  /** Runs once after the case's last run, also after a failed one (stops what `run` started). */
  finish?(state: CaseContext['state']): Promise<void>;
}

export const JOBS_PER_SEC: Metric = {
  key: 'jobsPerSec',
  label: 'jobs/s',
  unit: 'jobs/s',
  higherIsBetter: true,
};
export const WORKER_CPU: Metric = {
  key: 'workerCpuMsPer1k',
  label: 'worker CPU',
  unit: 'ms/1k jobs',
  higherIsBetter: false,
};
export const REDIS_CPU: Metric = {
  key: 'redisCpuMsPer1k',
  label: 'Redis CPU',
  unit: 'ms/1k jobs',
  higherIsBetter: false,
};
