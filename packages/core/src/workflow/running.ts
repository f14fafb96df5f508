import type { JobError } from '../job-error.js';
import type { TransportWith } from '../transport-capabilities.js';
import type {
  EndedWorkflowStatus,
  IdleWorkflow,
  WorkflowRecord,
  WorkflowStatus,
} from '../transport-workflows.js';

/** One running workflow as the dashboard's list and `conveyor workflows list` show it. */
export interface RunningWorkflow {
  id: string;
  /** The workflow's name (its definition's). */
  name: string;
  status: WorkflowStatus;
  /** The stage running now (0-based), and how many the plan has. */
  stage: number;
  stages: number;
  /** The steps of the stage running now with their states (a map's step once, not each child). */
  steps: Array<{ name: string; state: string }>;
  createdAt: number;
  updatedAt: number;
  deadline?: number;
}

/** A page of running workflows; `next` goes on from its last one. */
export interface RunningWorkflowsPage {
  workflows: RunningWorkflow[];
  next?: IdleWorkflow;
}

/** Where a record stands: its stage and that stage's steps. */
export function runningWorkflowOf(record: WorkflowRecord): RunningWorkflow {
  const stage = record.plan.stages[record.stage];
  const names = new Set(stage?.steps.map((step) => step.name) ?? []);
  const summary: RunningWorkflow = {
    id: record.id,
    name: record.plan.workflow,
    status: record.status,
    stage: record.stage,
    stages: record.plan.stages.length,
    steps: record.steps
      .filter((step) => step.child === undefined && names.has(step.step))
      .map((step) => ({ name: step.step, state: step.state })),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
  if (record.deadline !== undefined) summary.deadline = record.deadline;
  return summary;
}

/**
 * The running workflows in the order they began to run (started, or retried after they had
 * ended), `limit` at most, after `after` (the `next` of the page before): the transport's
 * `running` listing [W15a], each read for where it stands. A run that ends between the
 * listing and its read is left out, so a page can hold fewer than `limit` and still have a
 * `next`; `next` comes only when more run after the page. It costs about the page, however
 * many workflows run and however many children their maps have; a `limit` over the
 * transport's 1,000 per call is read in several calls.
 */
export async function listRunningWorkflows(
  transport: TransportWith<'workflows'>,
  options: { limit: number; after?: IdleWorkflow },
): Promise<RunningWorkflowsPage> {
  const { workflows } = transport;
  const { ids, next } = await listingPage(
    (limit, after) => workflows.running(limit, after),
    options.limit,
    options.after,
  );
  // Without map children: the list shows each stage's steps, and a map of 10,000 children
  // costs its read no more than a map of ten.
  const records = await Promise.all(ids.map(({ id }) => workflows.get(id, { children: false })));
  const page: RunningWorkflowsPage = {
    workflows: records
      .filter((record): record is WorkflowRecord => record?.status === 'running')
      .map(runningWorkflowOf),
  };
  if (next) page.next = next;
  return page;
}

/** Most entries one `running` or `ended` call answers (the transport's bound). */
const LISTING_CALL_MAX = 1_000;

/**
 * `limit` entries of a listing after `after`, in calls of at most {@link LISTING_CALL_MAX},
 * and one more to know whether any come after them: `next` (the last entry answered) only
 * then, so a list of exactly `limit` has none.
 */
async function listingPage(
  list: (limit: number, after?: IdleWorkflow) => Promise<IdleWorkflow[]>,
  limit: number,
  after: IdleWorkflow | undefined,
): Promise<{ ids: IdleWorkflow[]; next?: IdleWorkflow }> {
  const ids: IdleWorkflow[] = [];
  let cursor = after;
  while (ids.length <= limit) {
    const want = Math.min(LISTING_CALL_MAX, limit + 1 - ids.length);
    const chunk = await list(want, cursor);
    ids.push(...chunk);
    cursor = chunk.at(-1);
    if (chunk.length < want || cursor === undefined) break;
  }
  if (ids.length <= limit) return { ids };
  ids.length = limit;
  return { ids, next: ids.at(-1) as IdleWorkflow };
}

/** One ended workflow as the lists of failed (cancelled, compensated, completed) runs show it. */
export interface EndedWorkflow extends RunningWorkflow {
  status: EndedWorkflowStatus;
  finishedAt: number;
  /** The step whose failure failed (or compensated) it, and its error. */
  failure?: { step: string; child?: number; error: JobError };
  /** A compensation that failed after that failure: what the step did may be half undone. */
  compensation?: { step: string; error: JobError };
}

/** A page of ended workflows; `next` goes on from its last one. */
export interface EndedWorkflowsPage {
  workflows: EndedWorkflow[];
  next?: IdleWorkflow;
}

/**
 * The workflows that ended with `status`, the most recently ended first, `limit` at most,
 * after `after` (the `next` of the page before): the transport's `ended` listing [W15b], each
 * read for where it stopped and why (a failed compensation too). A run retried between the
 * listing and its read is left out, so a page can hold fewer than `limit` and still have a
 * `next`; `next` comes only when more ended after the page. A `limit` over the transport's
 * 1,000 per call is read in several calls.
 */
export async function listEndedWorkflows(
  transport: TransportWith<'workflows'>,
  options: { status: EndedWorkflowStatus; limit: number; after?: IdleWorkflow },
): Promise<EndedWorkflowsPage> {
  const { workflows } = transport;
  const { status } = options;
  const { ids, next } = await listingPage(
    (limit, after) => workflows.ended(status, limit, after),
    options.limit,
    options.after,
  );
  const records = await Promise.all(ids.map(({ id }) => workflows.get(id, { children: false })));
  const page: EndedWorkflowsPage = { workflows: [] };
  for (const record of records) {
    if (record?.status !== status || record.finishedAt === undefined) continue;
    const ended: EndedWorkflow = {
      ...runningWorkflowOf(record),
      status,
      finishedAt: record.finishedAt,
    };
    if (record.failure) ended.failure = record.failure;
    const compensation = failedCompensation(record);
    if (compensation) ended.compensation = compensation;
    page.workflows.push(ended);
  }
  if (next) page.next = next;
  return page;
}

/** The compensation of `record` that failed, if one did (docs/workflows.md §4). */
export function failedCompensation(
  record: WorkflowRecord,
): { step: string; error: JobError } | undefined {
  const names = new Set(record.plan.compensations.map((step) => step.name));
  const failed = record.steps.find(
    (step) => names.has(step.step) && step.state === 'failed' && step.error !== undefined,
  );
  return failed?.error === undefined ? undefined : { step: failed.step, error: failed.error };
}
