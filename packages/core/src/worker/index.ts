/**
 * @conveyor/core/worker: the job runner a worker is built on. `runJob` takes a reservation
 * and returns the settlement to make; it never throws. Also the retry and time-limit
 * resolution it uses, and `withFields` for per-job log lines.
 */

export { withFields } from '../logger.js';
export {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  type RetryPolicy,
  resolveRetryPolicy,
} from '../retry-policy.js';
export { type JobOutcome, type RunJobOptions, runJob } from '../run-job.js';
export { resolveTimeLimits } from '../task.js';
