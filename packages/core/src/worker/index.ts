/**
 * @conveyor/core/worker: the job runner a worker is built on. `runJob` takes a reservation
 * and returns the settlement to make; it never throws. Also the retry and time-limit
 * resolution it uses, `withFields` for per-job log lines, and what a workflow step's
 * input needs (`validateNow`, `revived`, `resultDecoder`, `readStageResults`: stored results
 * decoded as a result reader decodes them).
 */

export { revived } from '../json-boundary.js';
export { withFields } from '../logger.js';
export { type ResultDecoder, resultDecoder } from '../result-codec.js';
export {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  type RetryPolicy,
  resolveRetryPolicy,
} from '../retry-policy.js';
export { failedOutcome, type JobOutcome, type RunJobOptions, runJob } from '../run-job.js';
export { type ValidationOutcome, validateNow } from '../schema.js';
export { resolveTimeLimits } from '../task.js';
export { readStageResults, type StageToRead } from '../workflow/stage-results.js';
