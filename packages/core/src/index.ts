/**
 * @conveyor/core: typed tasks, the producer client, the job envelope, the transport
 * interface and the in-memory transport.
 */

export { type Client, type ClientOptions, createClient, type EnqueueOptions } from './client.js';
export { type Clock, systemClock, type TimerHandle } from './clock.js';
export type { TaskContext } from './context.js';
export {
  assertQueueName,
  checkEnvelope,
  ENVELOPE_VERSION,
  isQueueName,
  type JobEnvelope,
  parseEnvelope,
  QUEUE_NAME_RULE,
  serializeEnvelope,
} from './envelope.js';
export {
  CapabilityMissingError,
  ConveyorError,
  type ConveyorErrorCode,
  formatIssues,
  IdempotencyConflictError,
  InvalidEnvelopeError,
  InvalidOptionError,
  JobCancelledError,
  JobFailedError,
  JobNotFoundError,
  NonRetryableError,
  NotJsonError,
  PayloadTooLargeError,
  ResultTimeoutError,
  ResultTooLargeError,
  RetryRequest,
  TimeLimitError,
  TransportClosedError,
  TransportError,
  UnknownTaskError,
  ValidationError,
} from './errors.js';
export type { IdempotencyMode } from './idempotency.js';
export { newJobId, newLeaseToken, queueOfJobId } from './ids.js';
export { JOB_ERROR_LIMITS, type JobError, toJobError } from './job-error.js';
export { createJobHandle, type JobHandle } from './job-handle.js';
export { assertJsonValue, type JsonValue, MAX_JSON_DEPTH } from './json.js';
export type { Jsonify, JsonProblem } from './json-types.js';
export { consoleLogger, type LogFn, type Logger, silentLogger, withFields } from './logger.js';
export { type MemoryTransportOptions, memoryTransport } from './memory/index.js';
export {
  assertByteLimit,
  assertEnqueueSize,
  DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_MAX_RESULT_BYTES,
  inputJsonOf,
} from './payload-size.js';
export { createTaskRegistry, type TaskRegistry } from './registry.js';
export {
  type BackoffOptions,
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  type RetryOptions,
  type RetryPolicy,
  resolveRetryPolicy,
} from './retry-policy.js';
export { type JobOutcome, type RunJobOptions, runJob } from './run-job.js';
export {
  type InferSchemaInput,
  type InferSchemaOutput,
  isSchema,
  type Schema,
  validateWith,
} from './schema.js';
export { bindTask, type TaskStub } from './stub.js';
export {
  type AnyTaskContract,
  type AnyTaskDefinition,
  assertPriority,
  DEFAULT_PRIORITY,
  DEFAULT_QUEUE,
  defineTask,
  MAX_PRIORITY,
  MIN_PRIORITY,
  type RateLimitOptions,
  resolveTimeLimits,
  type TaskContract,
  type TaskDefinition,
  type TaskInput,
  type TaskResult,
  type TaskRunOptions,
  type TimeLimitOptions,
  taskContract,
} from './task.js';
export {
  type CancelResult,
  type EnqueueRequest,
  type EnqueueResult,
  FINAL_STATES,
  type JobRecord,
  type JobState,
  type LeaseRef,
  type LeaseRenewal,
  type LeaseStatus,
  type Reservation,
  type ReserveRequest,
  type Settlement,
  type SettleStatus,
  type Transport,
} from './transport.js';
export type {
  DeadLetterPage,
  QueueCounts,
  TransportAdmin,
  WorkerJobInfo,
  WorkerRecord,
} from './transport-admin.js';
export {
  hasCapability,
  requireCapability,
  type TransportCapabilities,
  type TransportCapability,
  type TransportWith,
} from './transport-capabilities.js';
export type { LimitAnswer, TransportLimits } from './transport-limits.js';
