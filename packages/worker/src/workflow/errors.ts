import type { WorkflowRecord } from '@conveyor/core';
import { WorkerError } from '../errors.js';

// The errors a workflow step job can end with in the worker (docs/workflows.md §3–§4).
// Each is stored as the job's error (and, where the step's policy must apply, as the
// step's failure in the workflow), so its code is what operators match on. A step job whose
// workflow has no record ends with core's `WorkflowNotFoundError`, the class a workflow
// handle throws, so that one class holds `WORKFLOW_NOT_FOUND`.

/** Where a step is, for messages: `step "charge"` or `child 12 of step "charge"`. */
export function stepLabel(step: string, child?: number): string {
  return child === undefined
    ? `step ${JSON.stringify(step)}`
    : `child ${child} of step ${JSON.stringify(step)}`;
}

/**
 * How a step job's workflow stands when its claim answered `ended`, for messages: how it
 * ended (`timed out`, `cancelled`, …), or, while it runs, that the step is not to run now
 * (an earlier try's job of a retried step). `undefined`: not known (no record was read).
 */
export function endedHow(record: WorkflowRecord | null | undefined): string | undefined {
  if (record === null || record === undefined) return undefined;
  if (record.status === 'running') return undefined;
  if (record.status === 'failed' && record.failure?.error.code === 'WORKFLOW_TIMED_OUT') {
    return 'timed out';
  }
  return record.status;
}

/** The step's workflow has ended (cancelled, failed, finished) or the step is not to run: the job did nothing. */
export class WorkflowEndedError extends WorkerError {
  /** `how`: how the workflow ended ({@link endedHow}), when known. */
  constructor(workflowId: string, step: string, child?: number, how?: string) {
    const what =
      how === undefined
        ? `Workflow ${workflowId} has ended (or its ${stepLabel(step, child)} is not to run now)`
        : `Workflow ${workflowId} had already ended (${how})`;
    super(
      'WORKFLOW_ENDED',
      `${what}, so this step job ran nothing and ends cancelled. Nothing to do: see the workflow's status for how it ended.`,
    );
  }
}

/** A step job of a workflow this worker was not given: its input mapping is not here. */
export class UnknownWorkflowError extends WorkerError {
  readonly workflow: string;

  constructor(workflow: string, known: readonly string[], workflowId: string, step: string) {
    const list = known.length === 0 ? 'none given' : `known: ${[...known].sort().join(', ')}`;
    super(
      'UNKNOWN_WORKFLOW',
      `Unknown workflow ${JSON.stringify(workflow)} (${list}) for step ${JSON.stringify(step)} of workflow ${workflowId}: this worker runs the step's task but cannot resolve its input without the definition. Pass the workflow in createWorker({ workflows }) (or export it from the --tasks module) on every worker of the step's queue, then retry the workflow.`,
    );
    this.workflow = workflow;
  }
}

/**
 * The workflow started with a plan this worker's definition cannot run: `differences` says
 * what differs (`planDifferences`: a step's attempts and priority are not among them).
 */
export class WorkflowSkewError extends WorkerError {
  /** What differs, one phrase each: `step "email": task "a" in the run, "b" in this worker`. */
  readonly differences: readonly string[];

  constructor(
    workflow: string,
    stored: string,
    local: string,
    workflowId: string,
    differences: readonly string[],
  ) {
    super(
      'WORKFLOW_SKEW',
      `Workflow ${workflowId} (${JSON.stringify(workflow)}) started with plan ${stored}, but this worker's definition has plan ${local}, and they differ: ${differences.join('; ')}. The producer and the worker run different versions of the workflow. Deploy the same definition to producers and workers (regenerate the stubs), then start the workflow again (or put the run's definition back on the workers and retry it).`,
    );
    this.differences = differences;
  }
}

/** Which of a step's mappings: a step's or a compensation's `input`, or a map's `items`. */
export type StepMapping = 'step' | 'map' | 'compensation';

/**
 * A step's mapping threw. Mappings are pure (docs/workflows.md §1): run again on the same
 * stored results, it would throw again, so the step fails at once, not retried, and its task
 * does not run. The thrown value is the `cause`.
 */
export class WorkflowMappingError extends WorkerError {
  readonly step: string;
  readonly mapping: StepMapping;

  constructor(workflowId: string, step: string, mapping: StepMapping, thrown: unknown) {
    const label =
      mapping === 'map'
        ? `map step ${JSON.stringify(step)}'s items mapping`
        : `${mapping} ${JSON.stringify(step)}'s input mapping`;
    super(
      'WORKFLOW_MAPPING_FAILED',
      `Workflow ${workflowId}: ${label} threw: ${describeThrown(thrown)}. Mappings are pure, so it would throw again: the step failed at once, not retried, and its task did not run. Fix the mapping, deploy it to the workers (restart them), then retry the workflow (conveyor workflows retry ${workflowId}).`,
      { cause: thrown },
    );
    this.step = step;
    this.mapping = mapping;
  }
}

/** A thrown value for a message: an error's message (its name when it has none), else its JSON. */
function describeThrown(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message.replace(/\.+$/, '') || thrown.name;
  if (typeof thrown === 'string') return thrown;
  try {
    return JSON.stringify(thrown) ?? String(thrown);
  } catch {
    return String(thrown);
  }
}

/** A step's job ended without its outcome reaching the workflow: found by a sweeper. */
export class WorkflowStepLostError extends WorkerError {
  constructor(
    workflowId: string,
    step: string,
    child: number | undefined,
    jobId: string,
    state: string,
    detail?: string,
  ) {
    const why = detail === undefined ? '' : ` (its error: ${detail})`;
    super(
      'WORKFLOW_STEP_LOST',
      `The job ${JSON.stringify(jobId)} of ${stepLabel(step, child)} of workflow ${workflowId} ${state === 'gone' ? 'is gone' : `is ${state}`}${why}, and the step's outcome was never recorded; a sweeper recorded this failure so that the step's failure policy applies.`,
    );
  }
}
