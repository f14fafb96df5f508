import { ConveyorError } from '../errors.js';
import type { JobError } from '../job-error.js';
import type { WorkflowStatus } from '../transport-workflows.js';

// The errors a workflow handle raises; the codes are in `ConveyorErrorCode` (errors.ts).

/** How a workflow that did not complete ended: the step that failed and its error. */
export interface WorkflowFailure {
  step: string;
  child?: number;
  error: JobError;
}

/**
 * `handle.result()` on a workflow that ended without completing: `failed` (a step failed,
 * or the deadline passed: `failure.error.code` is then `WORKFLOW_TIMED_OUT`), `cancelled`,
 * or `compensated` (a step failed and its compensation ran). The message says how it ended,
 * quotes the step's error (and a failed compensation's) whole, and gives one piece of
 * advice: the quoted error's own when it has one, else how to run it again.
 */
export class WorkflowNotCompletedError extends ConveyorError {
  declare readonly code: 'WORKFLOW_NOT_COMPLETED';
  readonly workflowId: string;
  readonly status: Exclude<WorkflowStatus, 'running' | 'completed'>;
  /** The failure that ended it; absent for a cancel. */
  readonly failure: WorkflowFailure | undefined;

  /** A compensation that failed after the failure: what the step did may be half undone. */
  readonly compensation: { step: string; error: WorkflowFailure['error'] } | undefined;

  constructor(
    workflowId: string,
    status: Exclude<WorkflowStatus, 'running' | 'completed'>,
    failure: WorkflowFailure | undefined,
    compensation?: { step: string; error: WorkflowFailure['error'] },
  ) {
    super('WORKFLOW_NOT_COMPLETED', notCompleted(workflowId, status, failure, compensation));
    this.workflowId = workflowId;
    this.status = status;
    this.failure = failure;
    this.compensation = compensation;
  }
}

/**
 * Codes of errors whose messages end in their own advice on the run (fix a mapping or a
 * deploy then retry, start again, split the work, raise the deadline): quoted, they are the
 * advice, and none is added after them.
 */
const ADVISED: ReadonlySet<string> = new Set([
  'UNKNOWN_WORKFLOW',
  'WORKFLOW_MAP_CHANGED',
  'WORKFLOW_MAPPING_FAILED',
  'WORKFLOW_SKEW',
  'WORKFLOW_TIMED_OUT',
  'WORKFLOW_TOO_LARGE',
]);

/** `CODE: message.`: an error quoted whole, as the last words of its sentence. */
function quoted(error: JobError): string {
  const message = error.message.trimEnd() || '(no message)';
  return `${error.code ?? error.name}: ${/[.!?]$/.test(message) ? message : `${message}.`}`;
}

function notCompleted(
  workflowId: string,
  status: Exclude<WorkflowStatus, 'running' | 'completed'>,
  failure: WorkflowFailure | undefined,
  compensation: { step: string; error: JobError } | undefined,
): string {
  const parts = [`Workflow ${JSON.stringify(workflowId)} ended ${status} and has no result.`];
  if (failure !== undefined) {
    const child = failure.child === undefined ? '' : ` (child ${failure.child})`;
    const step = `step ${JSON.stringify(failure.step)}${child}`;
    // A deadline fails the run, not its open step, which ends cancelled.
    parts.push(
      failure.error.code === 'WORKFLOW_TIMED_OUT'
        ? `It timed out while ${step} was open, with ${quoted(failure.error)}`
        : `Its ${step} failed with ${quoted(failure.error)}`,
    );
    // The rollback failing too is what leaves things half done: said before its error.
    if (compensation !== undefined) {
      parts.push(
        `What ${step} did may be half undone: its compensation ${JSON.stringify(compensation.step)} failed too, with ${quoted(compensation.error)}`,
      );
    }
  }
  // A step input's validation error says to retry the workflow too (core's stepInputHint).
  // A message cut short (`… [truncated …]`, past 4,096 characters) lost its advice.
  const advised = [failure?.error, compensation?.error].some(
    (error) =>
      error !== undefined &&
      !/… \[truncated[^\]]*\]$/.test(error.message) &&
      ((error.code !== undefined && ADVISED.has(error.code)) ||
        error.message.includes('conveyor workflows retry')),
  );
  // Only a failed run is retried; a compensated or cancelled one is started again.
  if (status === 'failed' && !advised) {
    parts.push('Fix the cause, then handle.retry() runs it again from the failed step.');
  }
  return parts.join(' ');
}

/** A run of another workflow than the typed handle's: `runOf` is the run's workflow. */
export interface WorkflowMismatch {
  /** The workflow the handle was made for. */
  workflow: string;
  /** The workflow the run with that id belongs to. */
  runOf: string;
}

/**
 * No workflow with that id (never started, or its record expired after it ended): from a
 * handle's `result()`, and, with the step, as the error of a worker's step job whose
 * workflow or step has no record. `@conveyor/worker` exports this same class. With
 * `mismatch`: no run of the typed handle's workflow has that id, it is another workflow's
 * run, which every operation of the handle refuses (`.mismatch` names both workflows).
 */
export class WorkflowNotFoundError extends ConveyorError {
  declare readonly code: 'WORKFLOW_NOT_FOUND';
  readonly workflowId: string;
  /** Set when the id names a run of another workflow than the handle's. */
  readonly mismatch: WorkflowMismatch | undefined;

  constructor(
    workflowId: string,
    at?: { step: string; child?: number | undefined },
    mismatch?: WorkflowMismatch,
  ) {
    super(
      'WORKFLOW_NOT_FOUND',
      mismatch !== undefined
        ? otherWorkflow(workflowId, mismatch)
        : at === undefined
          ? noRun(workflowId)
          : noStep(workflowId, at),
    );
    this.workflowId = workflowId;
    this.mismatch = mismatch;
  }
}

function otherWorkflow(workflowId: string, { workflow, runOf }: WorkflowMismatch): string {
  return `Workflow run ${JSON.stringify(workflowId)} is a run of ${JSON.stringify(runOf)}, not of ${JSON.stringify(workflow)}, the workflow this handle was made for: the handle reads and changes nothing. Use client.workflows.handle(<workflow ${JSON.stringify(runOf)}>, ${JSON.stringify(workflowId)}) for that run, or check the id.`;
}

function noRun(workflowId: string): string {
  return `No workflow ${JSON.stringify(workflowId)}: it never started, or it ended and its record expired (kept as long as job results).`;
}

function noStep(workflowId: string, at: { step: string; child?: number | undefined }): string {
  const step = `step ${JSON.stringify(at.step)}`;
  const label = at.child === undefined ? step : `child ${at.child} of ${step}`;
  return `Workflow ${workflowId} has no record of its ${label}: the record may have expired (a finished workflow is kept for the result TTL), or the job was not made by the workflow. The step job ran nothing and is not retried.`;
}

/** `handle.result({ timeout })` gave up waiting (code `RESULT_TIMEOUT`); the workflow goes on. */
export class WorkflowResultTimeoutError extends ConveyorError {
  declare readonly code: 'RESULT_TIMEOUT';
  readonly workflowId: string;

  constructor(workflowId: string, timeoutMs: number, stage: string) {
    super(
      'RESULT_TIMEOUT',
      `Workflow ${JSON.stringify(workflowId)} did not finish within ${timeoutMs} ms (running ${stage}). Wait longer, or check that workers consume its steps' queues.`,
    );
    this.workflowId = workflowId;
  }
}
