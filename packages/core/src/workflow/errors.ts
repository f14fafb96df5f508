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
 * or `compensated` (a step failed and its compensation ran).
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
    const step =
      failure === undefined
        ? ''
        : `step ${JSON.stringify(failure.step)}${failure.child === undefined ? '' : ` (child ${failure.child})`}`;
    // A deadline fails the run, not its open step, which ends cancelled.
    const where =
      failure === undefined
        ? ''
        : failure.error.code === 'WORKFLOW_TIMED_OUT'
          ? `: it timed out while ${step} was open (WORKFLOW_TIMED_OUT): ${failure.error.message.replace(/\.+$/, '')}`
          : `: ${step} failed with ${failure.error.code ?? failure.error.name}: ${failure.error.message.replace(/\.+$/, '')}`;
    // A skew (workers with another definition than the run's) fails a retry the same way
    // until every worker runs the definition the run started with.
    const next =
      status !== 'failed'
        ? ''
        : failure?.error.code === 'WORKFLOW_SKEW'
          ? ' A retry runs only on workers whose definition has the plan the run started with: roll them back to it first, or start the workflow again.'
          : ' Fix the cause, then handle.retry() runs it again from the failed step.';
    // The rollback failing too is what leaves things half done: said, not only the step.
    const undo =
      compensation === undefined
        ? ''
        : ` Its compensation ${JSON.stringify(compensation.step)} failed too, with ${compensation.error.code ?? compensation.error.name}: ${compensation.error.message.replace(/\.+$/, '')}: what the failed step did may be half undone.`;
    super(
      'WORKFLOW_NOT_COMPLETED',
      `Workflow ${JSON.stringify(workflowId)} ended ${status} and has no result${where}.${undo}${next}`,
    );
    this.workflowId = workflowId;
    this.status = status;
    this.failure = failure;
    this.compensation = compensation;
  }
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
