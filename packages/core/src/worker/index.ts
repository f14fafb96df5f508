/**
 * @conveyor/core/worker: the job runner a worker is built on. `runJob` takes a reservation
 * and returns the settlement to make; it never throws. Also the retry and time-limit
 * resolution it uses, `withFields` for per-job log lines, `escapeJsonControls` for log lines
 * a terminal shows, and what a workflow step's input needs (`validateNow`, `revived`,
 * `resultDecoder`, `readStageResults`: stored results decoded as a result reader decodes
 * them). And what a worker drives workflows and
 * schedules with: a step's input and its stage's output (`runStepInput`, `mapItems`,
 * `stageOutput`, `stepFailure`, `findWorkflowStep`), the effects of a workflow call
 * (`applyWorkflowEffects`, `enqueueMapChildren`, `flushWorkflowOutbox`), whether a run's
 * stored plan is one the worker's definition can run (`planDifferences`) and a schedule's
 * due slots (`dueSlots`). Producers and task authors need none of these.
 */

export { revived } from '../json-boundary.js';
export {
  escapeJsonControls,
  hasTerminalControls,
  terminalText,
  withFields,
} from '../logger.js';
export { type ResultDecoder, resultDecoder } from '../result-codec.js';
export {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  type RetryPolicy,
  resolveRetryPolicy,
} from '../retry-policy.js';
export { failedOutcome, type JobOutcome, type RunJobOptions, runJob } from '../run-job.js';
export { dueSlots } from '../schedule/slots.js';
export { type ValidationOutcome, validateNow } from '../schema.js';
export { resolveTimeLimits } from '../task-run-options.js';
export {
  applyWorkflowEffects,
  enqueueMapChildren,
  flushWorkflowOutbox,
} from '../workflow/dispatch.js';
export { planDifferences } from '../workflow/plan-match.js';
export { readStageResults, type StageToRead } from '../workflow/stage-results.js';
export {
  findWorkflowStep,
  mapItems,
  runStepInput,
  stageOutput,
  stepFailure,
} from '../workflow/step-input.js';
