import type { HeldJob } from './held-job.js';
import type { WorkerCounters, WorkerEvent } from './stats.js';

export type WorkerState = 'idle' | 'running' | 'stopping' | 'stopped';

export interface HeldJobInfo {
  id: string;
  task: string;
  attempt: number;
  phase: HeldJob['phase'];
  /** How long it has run, on the worker's clock; absent while buffered. */
  runningMs?: number;
}

export interface WorkerStats extends WorkerCounters {
  id: string;
  state: WorkerState;
  concurrency: number;
  /** Jobs running now (at most `concurrency`). */
  running: number;
  /** Jobs reserved ahead, waiting for a slot. */
  buffered: number;
  /** Jobs held until their task's rate limit or concurrency cap lets them start. */
  waitingForLimits: number;
  /** Every job this worker holds a lease on: running, buffered or being settled. */
  inFlight: number;
  jobs: HeldJobInfo[];
}

export interface StopOptions {
  /** Overrides `shutdownGraceMs` for this stop; 0 releases running jobs at once. */
  graceMs?: number;
}

export interface Worker {
  readonly id: string;
  /** Starts consuming; resolves once the worker has stopped. Calling it again returns the same promise. */
  start(): Promise<void>;
  /**
   * Stops reserving, lets running jobs finish within the grace period, then aborts the
   * rest and releases them to their queues in one settle call. A second call stops at once.
   * Resolves once everything held is settled.
   */
  stop(options?: StopOptions): Promise<void>;
  stats(): WorkerStats;
  /** Calls `listener` for every counted event (job outcomes, stale settles, time limits, …). */
  on(listener: (event: WorkerEvent) => void): () => void;
  /** Prometheus exposition of this worker's metrics. */
  metrics(): Promise<{ contentType: string; body: string }>;
  /** Base URL of the metrics endpoint while it is up (with `metrics` set). */
  metricsUrl(): string | undefined;
}
