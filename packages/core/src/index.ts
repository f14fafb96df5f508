/**
 * @conveyor/core: what a task author and a producer use: typed tasks, the client, errors,
 * the job and transport types, and the in-memory transport. A transport author's helpers
 * are in `@conveyor/core/transport`; the worker's job runner in `@conveyor/core/worker`.
 */

export type { EnqueueManyOptions, EnqueueOptions } from './call-options.js';
export { type Client, type ClientOptions, createClient } from './client.js';
export type {
  ClientQueues,
  QueuePauseOptions,
  QueuePauseOutcome,
  QueueSummary,
} from './client-queues.js';
export {
  type ClientSchedules,
  findSchedule,
  type ScheduleLookup,
} from './client-schedules.js';
export type { ClientWorkflows, StartWorkflowOptions } from './client-workflows.js';
export { type Clock, systemClock, type TimerHandle } from './clock.js';
export type { TaskContext } from './context.js';
export type { EnqueueManyProgress } from './enqueue-batches.js';
export type { JobEnvelope, JobWorkflowRef } from './envelope.js';
export {
  AmbiguousScheduleError,
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
  ResultNotKeptError,
  ResultTimeoutError,
  ResultTooLargeError,
  RetryRequest,
  ScheduleNotFoundError,
  TimeLimitError,
  TransportClosedError,
  TransportError,
  UnknownTaskError,
  ValidationError,
} from './errors.js';
export type { IdempotencyMode } from './idempotency.js';
export {
  isWorkflowId,
  newWorkflowId,
  type ScheduledSlot,
  scheduledSlotOf,
  WORKFLOW_ID_RULE,
} from './ids.js';
export type { JobError } from './job-error.js';
export { createJobHandle, type JobHandle, type ResultOptions } from './job-handle.js';
export { assertJsonValue, type JsonValue, MAX_JSON_DEPTH } from './json.js';
export type { Jsonify, JsonProblem } from './json-types.js';
export { type LogFn, type Logger, silentLogger } from './logger.js';
export { type MemoryTransportOptions, memoryTransport } from './memory/index.js';
export type { PartitionCounts, TaskQueueOptions } from './partition-routing.js';
export { createTaskRegistry, type TaskRegistry } from './registry.js';
export type { BackoffOptions, RetryOptions } from './retry-policy.js';
export { DEFAULT_RETRY_POLICY } from './retry-policy.js';
export {
  type AnySchedule,
  defineSchedule,
  isSchedule,
  type MisfirePolicy,
  type OverlapPolicy,
  type ScheduleConfig,
  type ScheduleDefinition,
  type ScheduleTiming,
} from './schedule/define-schedule.js';
export {
  type DescribeSchedulesOptions,
  describeSchedules,
  describeTiming,
  isWorkerStale,
  NEXT_FIRE_COUNT,
  type ScheduleRow,
} from './schedule/describe.js';
export { MIN_EVERY_MS } from './schedule/duration.js';
export { type ScheduledJob, scheduledJobOf } from './schedule/scheduled-job.js';
export {
  FIRE_GRACE_MS,
  nextSlots,
  type SlotPolicy,
  type SlotTiming,
  slotsBetween,
} from './schedule/slots.js';
export {
  type ScheduleJobOptions,
  scheduleJob,
  scheduleKey,
  scheduleSpec,
} from './schedule/spec.js';
export {
  type InferSchemaInput,
  type InferSchemaOutput,
  isSchema,
  type Schema,
  validateWith,
} from './schema.js';
export { isSecretFieldName, SECRET_FIELD_NAMES } from './secret-names.js';
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
  type TaskContract,
  type TaskDefinition,
  type TaskInput,
  type TaskResult,
  type TaskRunOptions,
  type TimeLimitOptions,
  taskContract,
} from './task.js';
export {
  ATTEMPT_HISTORY_LIMIT,
  type AttemptRecord,
  type CancelResult,
  type EnqueueRequest,
  type EnqueueResult,
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
  UNSTARTED_REFUND_LIMIT,
} from './transport.js';
export {
  AUDIT_LIMITS,
  type AuditEntry,
  type AuditEntryInput,
  type DeadLetterPage,
  type EndedListState,
  INDEX_LIMITS,
  type IndexEntry,
  type IndexedField,
  type IndexSearch,
  isEndedListState,
  JOB_LIST_STATES,
  type JobListState,
  type JobPage,
  type ListJobsOptions,
  type QueueCounts,
  type TransportAdmin,
  type WorkerJobInfo,
  type WorkerRecord,
} from './transport-admin.js';
export {
  hasCapability,
  requireCapability,
  type TransportCapabilities,
  type TransportCapability,
  type TransportWith,
} from './transport-capabilities.js';
export type { LimitAnswer, TransportLimits } from './transport-limits.js';
export {
  METRICS_RETENTION_MS,
  PICKUP_BUCKETS_MS,
  type TaskMinute,
  type TaskTotals,
  type TransportMetrics,
} from './transport-metrics.js';
export {
  type FireRefusal,
  type FireRequest,
  type FireResult,
  isScheduleId,
  SCHEDULE_ID_RULE,
  type ScheduleList,
  type ScheduleMark,
  type ScheduleMisfire,
  type ScheduleOverlap,
  type ScheduleSpec,
  type ScheduleState,
  type TransportSchedules,
  type UpsertOutcome,
} from './transport-schedules.js';
export type {
  ClaimOutcome,
  DispatchEntry,
  EndedWorkflowStatus,
  ExpandResult,
  IdleWorkflow,
  MapChildren,
  RecordManyResult,
  RecordResult,
  StepAddress,
  StepOutcome,
  StepOutcomeItem,
  TransportWorkflows,
  WorkflowGetOptions,
  WorkflowRecord,
  WorkflowStartRequest,
  WorkflowStartResult,
  WorkflowStatus,
  WorkflowStepRecord,
  WorkflowStepState,
} from './transport-workflows.js';
export { ENDED_WORKFLOW_STATUSES, MAX_WORKFLOW_BATCH } from './transport-workflows.js';
export {
  actOnWorkflow,
  type WorkflowAction,
  type WorkflowActionResult,
  workflowConflictMessage,
} from './workflow/actions.js';
export {
  type AnyWorkflowContract,
  type AnyWorkflowLike,
  bindWorkflow,
  isWorkflowContract,
  planOf,
  type WorkflowContract,
  type WorkflowInputOf,
  type WorkflowResultOf,
  type WorkflowStub,
  workflowContract,
} from './workflow/contract.js';
export {
  type AnyWorkflow,
  defineWorkflow,
  isWorkflow,
  type WorkflowConfig,
  type WorkflowDefinition,
  type WorkflowInput,
  type WorkflowResult,
} from './workflow/define-workflow.js';
export {
  DEFAULT_LISTED_CHILDREN,
  DEFAULT_LISTED_FAILED_CHILDREN,
  type DescribeWorkflowOptions,
  describeWorkflow,
  listedJobIds,
  type StepJobAttempts,
  type WorkflowChildrenView,
  type WorkflowChildView,
  type WorkflowErrorView,
  type WorkflowStageView,
  type WorkflowStepView,
  type WorkflowView,
} from './workflow/describe.js';
export { describeWorkflowWithJobs } from './workflow/describe-jobs.js';
export { cancelJobs, stepJobRequest, type WorkflowEffects } from './workflow/dispatch.js';
export {
  type WorkflowFailure,
  WorkflowNotCompletedError,
  WorkflowNotFoundError,
  WorkflowResultTimeoutError,
} from './workflow/errors.js';
export type {
  CompensationFlow,
  Flow,
  FlowResult,
  OnFailure,
  ParallelBranch,
  StepFailure,
  StepMapping,
} from './workflow/flow-types.js';
export {
  createWorkflowHandle,
  WORKFLOW_WAIT_ROUND_MS,
  type WorkflowHandle,
  type WorkflowStatusOptions,
} from './workflow/handle.js';
export {
  canonicalJson,
  planFingerprint,
  planForRun,
  type WorkflowPlan,
  type WorkflowPlanStage,
  type WorkflowPlanStep,
  workflowPlan,
} from './workflow/plan.js';
export {
  type EndedWorkflow,
  type EndedWorkflowsPage,
  listEndedWorkflows,
  listRunningWorkflows,
  type RunningWorkflow,
  type RunningWorkflowsPage,
  runningWorkflowOf,
} from './workflow/running.js';
export {
  isStepName,
  STEP_NAME_RULE,
  type WorkflowFunction,
  type WorkflowStage,
  type WorkflowStep,
} from './workflow/stages.js';
export type { StepLocation } from './workflow/step-input.js';
export { addStepResults } from './workflow/step-results.js';
