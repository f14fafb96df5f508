/**
 * @conveyor/core/transport: what a transport author needs. Write a {@link TransportDriver},
 * wrap it with {@link createTransport}, and run `runTransportConformance` from
 * `@conveyor/core/testing` on the result (docs/adding-a-transport.md). Also here: the
 * envelope and queue-name helpers, job ids and lease tokens, the size caps, and
 * `toJobError`, and `assertKnownKeys` for a transport's options. And reads over a transport an
 * admin tool shares: `delayedJobIds`, `pausedQueuesAmong`, `readChildResults` (a map step's
 * children's stored results, in chunks). And `createOutage`, for when a loop that keeps
 * failing writes to the log (first failure, changed error, reminders, recovery). The types
 * of the `Transport` interface are at the root.
 */

export { delayedJobIds, pausedQueuesAmong } from '../admin-reads.js';
export { MAX_TIMER_MS } from '../clock.js';
export {
  assertQueueName,
  checkEnvelope,
  ENVELOPE_VERSION,
  isQueueName,
  isStoredQueueName,
  parseEnvelope,
  QUEUE_NAME_RULE,
  STORED_QUEUE_NAME_RULE,
  serializeEnvelope,
  storedQueueNameRule,
} from '../envelope.js';
export { workflowKeyScope } from '../idempotency.js';
export {
  isJobIdOf,
  MAX_SLOT_AT,
  newJobId,
  newLeaseToken,
  queueOfJobId,
  scheduleJobId,
  workflowJobId,
} from '../ids.js';
export {
  ATTEMPT_MESSAGE_LIMIT,
  attemptError,
  JOB_ERROR_LIMITS,
  toJobError,
} from '../job-error.js';
export { objectShapeOf } from '../json-boundary.js';
export {
  assertKnownKeys,
  type KnownKeys,
  nearestName,
  type UnknownKey,
  unknownKeyError,
} from '../known-keys.js';
export {
  createOutage,
  OUTAGE_REMINDER_MS,
  type Outage,
  type OutageReport,
  type OutageSoFar,
  outageKind,
  outageLength,
} from '../outage.js';
export {
  assertPartitionBy,
  checkPartitionCounts,
  type PartitionChoice,
  type QueueRoute,
  routeOf,
  stepQueueOf,
  storedQueueOf,
} from '../partition-routing.js';
export {
  assertPartitions,
  baseQueueOf,
  isPartitionCount,
  MAX_PARTITIONS,
  parsePartitionName,
  partitionName,
  partitionNameProblem,
  partitionNames,
  partitionOfKey,
  type QueuePartition,
} from '../partitions.js';
export {
  assertByteLimit,
  assertEnqueueSize,
  DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_MAX_RESULT_BYTES,
  inputJsonOf,
} from '../payload-size.js';
export {
  compareStoredQueues,
  groupStoredQueues,
  isUnknownQueue,
  pauseTargets,
  queuesSeen,
  type StoredQueueGroup,
  storedPartitionCounts,
  storedQueuesOf,
  sumQueueCounts,
} from '../queue-groups.js';
export { type MergeQueuesOptions, mergeJobPages, mergeQueues } from '../queue-merge.js';
export {
  encodeMergeCursor,
  type MergeCursor,
  type MergeCursorEntry,
  parseMergeCursor,
} from '../queue-merge-cursor.js';
export {
  encodeScanCursor,
  parseScanCursor,
  type ScanCursor,
  scanQueues,
} from '../queue-scan.js';
export { MAX_DURATION_MS, MAX_EPOCH_MS } from '../retry-policy.js';
export { type ScheduleCarry, scheduleCarry, takesCarry } from '../schedule/copies.js';
export { keepsStoredSchema, restartsSlots } from '../schedule/spec.js';
export { FINAL_STATES, removedRecord } from '../transport.js';
export { SLOT_RETRY_MAX_MS } from '../transport-limits.js';
export { readChildResults } from '../workflow/stage-results.js';
export { createTransport, type TransportOf } from './create-transport.js';
export type { CreateTransportOptions, TransportAdminDriver, TransportDriver } from './driver.js';
export { MAX_WORKFLOW_CHILDREN } from './workflow-checks.js';
