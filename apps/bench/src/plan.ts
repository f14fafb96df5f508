/** How big each case is. Three presets: full (for the docs), quick (< 60 s) and tiny (the smoke test). */
export interface Sizes {
  preset: 'full' | 'quick' | 'tiny';
  /** Runs per system for the light cases, interleaved A B C A B C … */
  runs: number;
  /** Runs per system for the heavy cases (memory, depth-deep, delayed, retry, scale-out). */
  heavyRuns: number;
  enqueueSingle: number;
  /** Concurrent callers issuing single enqueues. */
  singleCallers: number;
  enqueueBulk: number;
  /** Jobs per bulk call. */
  bulkBatch: number;
  processC1: number;
  processC50: number;
  latencySamples: number;
  memoryJobs: number;
  depthShallow: number;
  depthDeep: number;
  /** Jobs processed (and timed) out of the deep queue. */
  depthMeasured: number;
  /**
   * Runs per system for both depth cases. Their runs are short (10,000 jobs take about 0.1 s),
   * so one garbage collection moves a run by a third: more of them make the medians comparable.
   */
  depthRuns: number;
  delayed: number;
  retry: number;
  scaleOut: number;
  scaleProcesses: readonly number[];
  /** Jobs queued on one queue under the dashboard's reads. */
  dashboardJobs: number;
  /** Timed requests per dashboard endpoint, one at a time. */
  dashboardRequests: number;
  /** Schedules due at the same instant (issue 17). */
  schedules: number;
  /** Worker processes that tick and fire them: the same number for each system. */
  scheduleProcesses: number;
  /** Children of the flow case's one parent (issue 18). */
  flowChildren: number;
  /** Concurrency of the flow case's one worker process, the same for each system. */
  flowConcurrency: number;
  /** Jobs queued, then processed, per run of the cluster cases (issue 19). */
  cluster: number;
  /** Worker processes (concurrency 50 each) that drain the cluster cases' queue. */
  clusterProcesses: number;
}

export const FULL: Sizes = {
  preset: 'full',
  runs: 5,
  heavyRuns: 3,
  enqueueSingle: 20_000,
  singleCallers: 100,
  enqueueBulk: 100_000,
  bulkBatch: 1_000,
  processC1: 5_000,
  processC50: 50_000,
  latencySamples: 1_000,
  memoryJobs: 100_000,
  depthShallow: 10_000,
  depthDeep: 1_000_000,
  depthMeasured: 10_000,
  depthRuns: 9,
  delayed: 100_000,
  retry: 20_000,
  scaleOut: 30_000,
  scaleProcesses: [1, 2, 4],
  dashboardJobs: 1_000_000,
  dashboardRequests: 50,
  schedules: 10_000,
  scheduleProcesses: 2,
  flowChildren: 10_000,
  flowConcurrency: 50,
  cluster: 20_000,
  clusterProcesses: 2,
};

export const QUICK: Sizes = {
  preset: 'quick',
  runs: 2,
  heavyRuns: 1,
  enqueueSingle: 2_000,
  singleCallers: 100,
  enqueueBulk: 10_000,
  bulkBatch: 1_000,
  processC1: 500,
  processC50: 3_000,
  latencySamples: 150,
  memoryJobs: 10_000,
  depthShallow: 2_000,
  depthDeep: 20_000,
  depthMeasured: 2_000,
  depthRuns: 2,
  delayed: 2_000,
  retry: 1_000,
  scaleOut: 3_000,
  scaleProcesses: [1, 2],
  dashboardJobs: 20_000,
  dashboardRequests: 20,
  schedules: 1_000,
  scheduleProcesses: 2,
  flowChildren: 2_000,
  flowConcurrency: 50,
  cluster: 5_000,
  clusterProcesses: 2,
};

export const TINY: Sizes = {
  preset: 'tiny',
  runs: 1,
  heavyRuns: 1,
  enqueueSingle: 100,
  singleCallers: 20,
  enqueueBulk: 300,
  bulkBatch: 100,
  processC1: 30,
  processC50: 200,
  latencySamples: 10,
  memoryJobs: 300,
  depthShallow: 100,
  depthDeep: 500,
  depthMeasured: 100,
  depthRuns: 1,
  delayed: 100,
  retry: 100,
  scaleOut: 200,
  scaleProcesses: [1, 2],
  dashboardJobs: 300,
  dashboardRequests: 5,
  schedules: 50,
  scheduleProcesses: 2,
  flowChildren: 100,
  flowConcurrency: 50,
  cluster: 300,
  clusterProcesses: 2,
};
