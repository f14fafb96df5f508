import type { KnownKeys } from '@conveyor/core/transport';
import type { MetricsServerOptions, SandboxOptions, WorkerOptions } from './options.js';

/**
 * The keys createWorker's options objects may have (see options.ts): a misspelt one is
 * refused, not ignored. `satisfies` keeps each list equal to its interface.
 */

export const WORKER_OPTION_KEYS = {
  transport: true,
  tasks: true,
  queues: true,
  partitions: true,
  concurrency: true,
  prefetch: true,
  maxWaitingForLimits: true,
  leaseMs: true,
  heartbeatMs: true,
  shutdownGraceMs: true,
  defaultTimeout: true,
  reserveWaitMs: true,
  settleBatchSize: true,
  maxPayloadBytes: true,
  maxResultBytes: true,
  removeOnComplete: true,
  logger: true,
  clock: true,
  id: true,
  random: true,
  metrics: true,
  metricsFlushMs: true,
  sandbox: true,
  schedules: true,
  schedulesRefreshMs: true,
  workflows: true,
  workflowSweepMs: true,
  maxWorkflowChildren: true,
} as const satisfies KnownKeys<WorkerOptions>;

export const SANDBOX_OPTION_KEYS = {
  module: true,
  tasks: true,
  execArgv: true,
  startTimeoutMs: true,
} as const satisfies KnownKeys<SandboxOptions>;

export const METRICS_OPTION_KEYS = {
  port: true,
  host: true,
} as const satisfies KnownKeys<MetricsServerOptions>;
