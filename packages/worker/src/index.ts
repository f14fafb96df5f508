/**
 * @conveyor/worker: runs Conveyor jobs from a transport with batched reserve, renew and
 * settle, time limits, cancellation, graceful shutdown and Prometheus metrics.
 */

/** Core's class, the one `client.workflows` handles throw too: `instanceof` holds for both. */
export { WorkflowNotFoundError } from '@conveyor/core';
export {
  JobCancelRequestedError,
  LeaseLostError,
  SandboxCrashedError,
  SandboxStartError,
  SandboxUnavailableError,
  TaskModuleError,
  WorkerError,
  type WorkerErrorCode,
  WorkerShutdownError,
  WorkerStoppedError,
} from './errors.js';
export { createWorkerLogger, type WorkerLoggerOptions } from './logger.js';
export { type MetricsServer, type MetricsSource, serveMetrics } from './metrics-server.js';
export type { MetricsServerOptions, SandboxOptions, WorkerOptions } from './options.js';
export { installSignalHandlers, type SignalHandlerOptions, type SignalSource } from './signals.js';
export type {
  CounterName,
  DurationSummary,
  TaskCounters,
  WorkerCounters,
  WorkerEvent,
} from './stats.js';
export { type LoadTaskModuleOptions, loadTaskModule, workflowsIn } from './task-module.js';
export { createWorker } from './worker.js';
export type { HeldJobInfo, StopOptions, Worker, WorkerState, WorkerStats } from './worker-api.js';
export {
  UnknownWorkflowError,
  WorkflowEndedError,
  WorkflowMappingError,
  WorkflowSkewError,
  WorkflowStepLostError,
} from './workflow/errors.js';
