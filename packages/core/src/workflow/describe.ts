import type { JsonValue } from '../json.js';
import type {
  WorkflowRecord,
  WorkflowStatus,
  WorkflowStepRecord,
  WorkflowStepState,
} from '../transport-workflows.js';
import type { OnFailure } from './flow-types.js';
import type { WorkflowPlanStage, WorkflowPlanStep } from './plan.js';

// The operator's view of a workflow (docs/workflows.md §8): what `conveyor inspect <wf id>`
// prints and the dashboard's /workflows/<id> draws, from the record alone. A map stage's
// children are summarised (counts by state), with only a few listed: a 10,000-child fan-out
// must not become 10,000 lines unless asked for.

/** A step's error as the view shows it: the message and the code, no stack. */
export interface WorkflowErrorView {
  message: string;
  code?: string;
}

/** What a step's job says of its attempts, when the caller looked the job up. */
export interface StepJobAttempts {
  attempts: number;
  maxAttempts: number;
}

/** One map child. */
export interface WorkflowChildView {
  child: number;
  state: WorkflowStepState;
  retries: number;
  jobId?: string;
  attempts?: StepJobAttempts;
  error?: WorkflowErrorView;
  /** The child's stored result, once it completed, when read with `addStepResults`. */
  result?: JsonValue;
}

/** A map step's children: how many in each state, and which are listed. */
export interface WorkflowChildrenView {
  /** Children expanded so far (0 before the stage computed its items). */
  total: number;
  /** Every state, 0 included, so a reader can draw a progress bar without guessing keys. */
  counts: Record<WorkflowStepState, number>;
  /** The first ones, then failed ones past them, in index order. */
  shown: WorkflowChildView[];
  /** Children not in `shown`. */
  hidden: number;
}

export interface WorkflowStepView {
  name: string;
  task: string;
  queue: string;
  onFailure: OnFailure;
  state: WorkflowStepState;
  /** Times the step was run again by a workflow retry (0 before any). */
  retries: number;
  /** The step's job (for a map step, the job that computed its items). */
  jobId?: string;
  attempts?: StepJobAttempts;
  error?: WorkflowErrorView;
  /** Map steps only. */
  children?: WorkflowChildrenView;
  /**
   * The step's stored result, once it completed, when read with `addStepResults` (a map
   * step's are its children's).
   */
  result?: JsonValue;
}

export interface WorkflowStageView {
  index: number;
  kind: WorkflowPlanStage['kind'];
  /** True for the stage the workflow is at while it runs. */
  current: boolean;
  steps: WorkflowStepView[];
}

export interface WorkflowView {
  id: string;
  name: string;
  status: WorkflowStatus;
  fingerprint: string;
  /** The fingerprint of the input schema the run was started with, when the producer sent one. */
  inputSchema?: string;
  input: JsonValue;
  /** The failure that started a compensation or failed the workflow. */
  failure?: { step: string; child?: number; error: WorkflowErrorView };
  createdAt: number;
  updatedAt: number;
  finishedAt?: number;
  deadline?: number;
  stages: WorkflowStageView[];
  compensations: WorkflowStepView[];
}

export interface DescribeWorkflowOptions {
  /** Map children listed first, in index order (default 10); `'all'` lists every child. */
  children?: number | 'all';
  /** Failed children listed past the first ones (default 50). */
  failedChildren?: number;
  /** Attempts of step jobs, by job id, for those the caller looked up. */
  jobs?: ReadonlyMap<string, StepJobAttempts>;
}

export const DEFAULT_LISTED_CHILDREN = 10;
export const DEFAULT_LISTED_FAILED_CHILDREN = 50;

const STATES: readonly WorkflowStepState[] = [
  'pending',
  'ready',
  'running',
  'completed',
  'failed',
  'skipped',
  'cancelled',
];

function errorView(error: { message?: unknown; code?: unknown }): WorkflowErrorView {
  const view: WorkflowErrorView = { message: String(error.message ?? '') };
  if (typeof error.code === 'string') view.code = error.code;
  return view;
}

function unitView(
  rec: WorkflowStepRecord,
  jobs: DescribeWorkflowOptions['jobs'],
): Pick<WorkflowStepView, 'state' | 'retries' | 'jobId' | 'attempts' | 'error'> {
  const view: Pick<WorkflowStepView, 'state' | 'retries' | 'jobId' | 'attempts' | 'error'> = {
    state: rec.state,
    retries: rec.retries,
  };
  if (rec.jobId !== undefined) {
    view.jobId = rec.jobId;
    const attempts = jobs?.get(rec.jobId);
    if (attempts) view.attempts = { ...attempts };
  }
  if (rec.error) view.error = errorView(rec.error);
  return view;
}

function childrenView(
  children: readonly WorkflowStepRecord[],
  options: DescribeWorkflowOptions,
): WorkflowChildrenView {
  const counts = Object.fromEntries(STATES.map((state) => [state, 0])) as Record<
    WorkflowStepState,
    number
  >;
  for (const rec of children) counts[rec.state] += 1;
  const first =
    options.children === 'all' ? children.length : (options.children ?? DEFAULT_LISTED_CHILDREN);
  let failedLeft = options.failedChildren ?? DEFAULT_LISTED_FAILED_CHILDREN;
  const shown: WorkflowChildView[] = [];
  children.forEach((rec, index) => {
    const listed = index < first || (rec.state === 'failed' && failedLeft-- > 0);
    if (listed) shown.push({ child: rec.child ?? index, ...unitView(rec, options.jobs) });
  });
  return { total: children.length, counts, shown, hidden: children.length - shown.length };
}

function stepView(
  def: WorkflowPlanStep,
  rec: WorkflowStepRecord | undefined,
  children: readonly WorkflowStepRecord[] | undefined,
  options: DescribeWorkflowOptions,
): WorkflowStepView {
  const view: WorkflowStepView = {
    name: def.name,
    task: def.task,
    queue: def.queue,
    onFailure: typeof def.onFailure === 'object' ? { ...def.onFailure } : def.onFailure,
    // A record always holds every step of its plan; `pending` covers one that does not.
    ...(rec ? unitView(rec, options.jobs) : { state: 'pending', retries: 0 }),
  };
  if (children) view.children = childrenView(children, options);
  return view;
}

/**
 * The tree of a workflow for operators: its stages in plan order, each step's state,
 * retries, job id and error, a map step's children counted by state (the first
 * `options.children` listed, and failed ones), and the compensations. Pure: attempts come
 * from `options.jobs` when the caller looked the step jobs up.
 *
 * @example
 * const record = await transport.workflows.get(id);
 * if (record) console.log(describeWorkflow(record).stages.map((stage) => stage.kind));
 */
export function describeWorkflow(
  record: WorkflowRecord,
  options: DescribeWorkflowOptions = {},
): WorkflowView {
  const steps = new Map<string, WorkflowStepRecord>();
  const children = new Map<string, WorkflowStepRecord[]>();
  for (const rec of record.steps) {
    if (rec.child === undefined) {
      steps.set(rec.step, rec);
    } else {
      const list = children.get(rec.step) ?? [];
      list.push(rec);
      children.set(rec.step, list);
    }
  }
  for (const list of children.values()) list.sort((a, b) => (a.child ?? 0) - (b.child ?? 0));
  const { plan } = record;
  const view: WorkflowView = {
    id: record.id,
    name: plan.workflow,
    status: record.status,
    fingerprint: plan.fingerprint,
    ...(record.inputSchema !== undefined && { inputSchema: record.inputSchema }),
    input: record.input,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    stages: plan.stages.map((stage, index) => ({
      index,
      kind: stage.kind,
      current: record.status === 'running' && record.stage === index,
      steps: stage.steps.map((def) =>
        stepView(
          def,
          steps.get(def.name),
          stage.kind === 'map' ? (children.get(def.name) ?? []) : undefined,
          options,
        ),
      ),
    })),
    compensations: plan.compensations.map((def) => {
      const step = stepView(def, steps.get(def.name), undefined, options);
      // A compensation still pending when the run has ended never runs: it read as one to
      // come ("pending, no job yet") on a failed or cancelled run.
      if (record.status !== 'running' && step.state === 'pending') step.state = 'skipped';
      return step;
    }),
  };
  if (record.failure) {
    const { step, child, error } = record.failure;
    view.failure = {
      step,
      ...(child === undefined ? {} : { child }),
      error: errorView(error),
    };
  }
  if (record.finishedAt !== undefined) view.finishedAt = record.finishedAt;
  if (record.deadline !== undefined) view.deadline = record.deadline;
  return view;
}

/**
 * The job ids a view lists (steps, listed children, compensations): the jobs a caller looks
 * up for their attempts before describing the workflow again with `options.jobs`.
 */
export function listedJobIds(view: WorkflowView): string[] {
  const ids: string[] = [];
  const add = (step: WorkflowStepView) => {
    if (step.jobId !== undefined) ids.push(step.jobId);
    for (const child of step.children?.shown ?? []) {
      if (child.jobId !== undefined) ids.push(child.jobId);
    }
  };
  for (const stage of view.stages) stage.steps.forEach(add);
  view.compensations.forEach(add);
  return ids;
}
