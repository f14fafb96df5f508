/**
 * Workflows at the broker (docs/workflows.md §3–§7, §11). The transport keeps each
 * workflow's record: its plan, input, status, every step's state and outcome, and an
 * outbox of step jobs to enqueue. Each call is one atomic step on that record (one Lua
 * script in the workflow's own hash slot on Redis); step jobs live on their tasks' queues,
 * which the caller enqueues from the outbox. Mappings never reach the transport: it stores
 * JSON and counts.
 */
import type { JobError } from './job-error.js';
import type { JsonValue } from './json.js';
import type { WorkflowPlan } from './workflow/plan.js';

/** A workflow's status. `compensated`: a step failed and its compensation completed. */
export type WorkflowStatus = 'running' | 'completed' | 'failed' | 'compensated' | 'cancelled';

/** The statuses a workflow ends with: every {@link WorkflowStatus} but `running`. */
export type EndedWorkflowStatus = Exclude<WorkflowStatus, 'running'>;

/** The statuses a workflow ends with, in the order lists show them. */
export const ENDED_WORKFLOW_STATUSES: readonly EndedWorkflowStatus[] = [
  'failed',
  'compensated',
  'cancelled',
  'completed',
];

/**
 * A step's (or a map child's) state. `pending`: its stage has not started; `ready`: its job
 * is (to be) enqueued; `running`: claimed by a worker; `skipped`: failed with
 * `onFailure: 'continue'`; `cancelled`: the workflow ended before it ran.
 */
export type WorkflowStepState =
  | 'pending'
  | 'ready'
  | 'running'
  | 'completed'
  | 'failed'
  | 'skipped'
  | 'cancelled';

/** A step of a workflow, or (with `child`, 0-based) one child of a `map` stage. */
export interface StepAddress {
  step: string;
  child?: number;
  /**
   * The id of the job that claims, or that an outcome comes from: a unit retried since that
   * job was enqueued answers its claim `ended` and records nothing from it, so a job of an
   * earlier try (still running when its workflow failed and was retried, or enqueued late)
   * neither runs the new try's step nor ends it with its outcome [W2, W3].
   */
  job?: string;
}

/**
 * A step job the caller must enqueue, from the workflow's outbox. Its id is fixed (the same
 * in every process, for one step, child and retry), so enqueueing it twice adds one job.
 */
export interface DispatchEntry extends StepAddress {
  /**
   * `run`: the step's (or child's, or compensation's) job. `expand`: a map stage's job that
   * computes its items and calls `expand`, then enqueues the children it answers.
   */
  kind: 'run' | 'expand';
  jobId: string;
  /** The task, queue, attempts and priority of the step, from the plan. */
  task: string;
  queue: string;
  maxAttempts: number;
  priority: number;
  /**
   * A map child's item: the child job's input, set by the worker that enqueues the children
   * (the transport never stores items). Absent otherwise: the worker resolves the input from
   * stored results when it runs the step.
   */
  input?: JsonValue;
  /**
   * On a map step's `expand` entry once the stage expanded: its child count. The entry then
   * stands for "the children are not all enqueued yet" [W7]: enqueueing it (the sweeper, a
   * redelivery) enqueues the expand job again (its fixed id: a live one is not doubled), and
   * `dispatched` with this entry's job id leaves it; only `dispatched` with the key that
   * `expand` answers (`children.key`) clears it, once the children are enqueued.
   */
  children?: number;
  /** Transport clock when it was written to the outbox. */
  at: number;
}

export interface WorkflowStartRequest {
  /** `newWorkflowId()`: unique, `wf_` and URL-safe characters. */
  id: string;
  plan: WorkflowPlan;
  /** The workflow's input, as validated by the producer. */
  input: JsonValue;
  /**
   * Another start of the same workflow (`plan.workflow`) with the key, while the first
   * run's record exists, answers that run; another workflow's key is its own [W1].
   */
  idempotencyKey?: string;
  /**
   * The input's fingerprint (the client's: 16 hex digits of the SHA-256 of its JSON), stored
   * with the run and answered to a later start with its key, for the client to compare
   * [W1]. Read only with `idempotencyKey`; 1–64 characters without whitespace.
   */
  inputFingerprint?: string;
  /** ms since the epoch: a workflow still running then is failed (`WORKFLOW_TIMED_OUT`). */
  deadline?: number;
  /**
   * Fingerprint of the input schema the producer validated with (codegen's, as a job
   * envelope's `schema`): stored with the record, so that a worker whose definition has
   * another one can say so.
   */
  inputSchema?: string;
}

export interface WorkflowStartResult {
  /** The workflow's id; the earlier one's for a duplicate. */
  id: string;
  duplicate: boolean;
  /** The first stage's entries (none for a duplicate). */
  dispatch: DispatchEntry[];
  /**
   * On a duplicate by idempotency key: the `inputFingerprint` the earlier run was started
   * with; absent when it had none, and on a duplicate by id [W1].
   */
  inputFingerprint?: string;
}

/**
 * A step's final outcome: its result, or the error its job died with. A completion without
 * `result` (its task returned nothing) completes the step with no result: `results` answers
 * `undefined` for it, as a job's record has no result then [W10].
 */
export type StepOutcome = { ok: true; result?: JsonValue } | { ok: false; error: JobError };

export interface RecordResult {
  /** False when the outcome was recorded before, or the workflow had ended: nothing changed. */
  recorded: boolean;
  /** The workflow's status after the call; `unknown` when there is no such workflow or step. */
  status: WorkflowStatus | 'unknown';
  /** The steps that became ready, to enqueue now. */
  dispatch: DispatchEntry[];
  /** Jobs of steps the outcome ended (the workflow failed): to cancel, so running ones stop. */
  cancel: string[];
}

/**
 * - `claimed`: the step was `ready` and is now `running` (or was `running` already: its job
 *   is redelivered after its worker stopped): run it. A map step that expanded is claimed
 *   again while its children entry stands (its expand job enqueues them again) [W7].
 * - `done`: its outcome is recorded (a redelivery): acknowledge the job, run nothing.
 * - `ended`: the workflow has ended (cancelled, failed, …), or the step was cancelled or is
 *   not started (`pending`): cancel the job, run nothing.
 * - `unknown`: no such workflow or step (expired, or never started): fail the job.
 */
export type ClaimOutcome = 'claimed' | 'done' | 'ended' | 'unknown';

/** One item of {@link TransportWorkflows.recordMany}: a step's final outcome. */
export interface StepOutcomeItem {
  address: StepAddress;
  outcome: StepOutcome;
}

/**
 * What {@link TransportWorkflows.recordMany} answers: as the same `record` calls one by one,
 * merged. `recorded[i]` is item i's `recorded`; `status` the workflow's after the last item
 * (`unknown` when there is no such workflow);
 * `dispatch` the entries the items put in the outbox that are still there (an entry a later
 * item cancelled is in `cancel` instead); `cancel` every item's jobs to cancel.
 */
export interface RecordManyResult {
  recorded: boolean[];
  status: WorkflowStatus | 'unknown';
  dispatch: DispatchEntry[];
  cancel: string[];
}

/**
 * The children a map stage's expand job enqueues [W7]: the open ones, by index, each with its
 * retry number (its job id is `workflowJobId(queue, workflowId, step, child, retries)`, its
 * input the item at its index). Then `dispatched(workflowId, [key])` clears the stage's
 * children entry.
 */
export interface MapChildren {
  /** The outbox key of the stage's children entry, for `dispatched`. */
  key: string;
  open: Array<{ child: number; retries: number }>;
}

/** What {@link TransportWorkflows.expand} answers. */
export interface ExpandResult extends RecordResult {
  /** Present while the stage's children entry is in the outbox: the children to enqueue. */
  children?: MapChildren;
}

/** What `workflows.get` reads [W9]. */
export interface WorkflowGetOptions {
  /** False: a map step's children are left out of `steps`. Default true. */
  children?: boolean;
}

/** A workflow `idle` answers, and where a next `idle` call goes on from [W15]. */
export interface IdleWorkflow {
  id: string;
  /** Its `updatedAt` as `idle` read it. */
  at: number;
}

/** Most items in one `claimMany` or `recordMany` call [W16]. */
export const MAX_WORKFLOW_BATCH = 1_000;

export interface WorkflowStepRecord extends StepAddress {
  state: WorkflowStepState;
  /** 0 before its first job; one more at each `retry` of it. */
  retries: number;
  jobId?: string;
  /** Its result is read with `results`; its error is here. */
  error?: JobError;
  /**
   * A map step that expanded: how many children it has, also when the record was read with
   * `{ children: false }` (they follow it in `steps` otherwise).
   */
  children?: number;
}

export interface WorkflowRecord {
  id: string;
  plan: WorkflowPlan;
  input: JsonValue;
  status: WorkflowStatus;
  /** The stage running now (index into `plan.stages`); `plan.stages.length` when done. */
  stage: number;
  /** Steps of the plan and its compensations in plan order; a map stage's children after its step, by index. */
  steps: WorkflowStepRecord[];
  /** The failure that started a compensation or failed the workflow. */
  failure?: { step: string; child?: number; error: JobError };
  /** Transport clock, ms since the epoch. */
  createdAt: number;
  /** Transport clock at the record's last change (a start, claim, record, expand, cancel, retry or time-out) [W15]. */
  updatedAt: number;
  finishedAt?: number;
  deadline?: number;
  /** The start request's `inputSchema`, when it had one. */
  inputSchema?: string;
}

/**
 * The `workflows` capability: optional on a {@link Transport}; workers that run workflow
 * steps, producers that start workflows, the CLI and the dashboard need it. Arguments are
 * checked by `createTransport` [W13]; a running workflow past its deadline fails with
 * `WORKFLOW_TIMED_OUT` [W14] (docs/transport.md).
 */
export interface TransportWorkflows {
  /** Stores the record and puts the first stage in the outbox [W1]. */
  start(request: WorkflowStartRequest): Promise<WorkflowStartResult>;
  /** `ready` → `running`, before a worker runs a step's job [W2]. */
  claim(workflowId: string, address: StepAddress): Promise<ClaimOutcome>;
  /**
   * Claims of several steps (or map children) of one workflow in one atomic step, answered
   * in order: exactly as the same `claim` calls one after the other, a repeated address
   * included [W16]. 1 to {@link MAX_WORKFLOW_BATCH} addresses.
   */
  claimMany(workflowId: string, addresses: readonly StepAddress[]): Promise<ClaimOutcome[]>;
  /**
   * Records a step's final outcome by first write, moves its stage on, applies the step's
   * failure policy, and puts what became ready in the outbox, in one step [W3–W6].
   */
  record(workflowId: string, address: StepAddress, outcome: StepOutcome): Promise<RecordResult>;
  /**
   * Outcomes of several steps (or map children) of one workflow in one atomic step: exactly
   * as the same `record` calls one after the other, in order (the first outcome of a unit
   * wins, a repeated address included; after an item ends the workflow the later ones record
   * nothing), their answers merged [W16]. 1 to {@link MAX_WORKFLOW_BATCH} items.
   */
  recordMany(workflowId: string, items: readonly StepOutcomeItem[]): Promise<RecordManyResult>;
  /**
   * A map stage's items (its children's inputs, in order), checked and counted: the count is
   * stored once, the children are `ready` (no per-child write), and one children entry goes
   * in the outbox; the answer's `children` are the jobs for the caller to enqueue [W7]. The
   * items themselves are not stored: mappings are pure, so a redelivered expand job computes
   * them again (the same count, else the step fails with `WORKFLOW_MAP_CHANGED`). More than
   * `maxChildren` fails the step (`WORKFLOW_TOO_LARGE`, its policy applies).
   */
  expand(
    workflowId: string,
    step: string,
    items: readonly JsonValue[],
    maxChildren: number,
  ): Promise<ExpandResult>;
  /** Clears outbox entries whose jobs are enqueued, by job id (or a map's children key) [W8]. */
  dispatched(workflowId: string, jobIds: readonly string[]): Promise<void>;
  /** Ids of workflows whose outbox has entries written before `before` (transport clock), at most `limit` [W8]. */
  stale(before: number, limit: number): Promise<string[]>;
  /**
   * Ids of running workflows whose record has not changed since `before` (transport clock),
   * least recently changed first (then by id), at most `limit` [W15]: for sweepers, which
   * check that each of their ready and running steps still has a live job (a step job that
   * ended by another path, such as a lease that ran out on its last attempt, is recorded as
   * failed). With `after`, only workflows that come after it in that order (by `at`, then
   * id): a sweeper passes the last one of its previous page, so that it walks through all idle workflows across
   * sweeps, not the first `limit` again and again.
   */
  idle(before: number, limit: number, after?: IdleWorkflow): Promise<IdleWorkflow[]>;
  /**
   * Running workflows in the order they began to run (their start, or the retry that made an
   * ended one run again), then by id, at most `limit`, with `at` that time [W15a]: for lists
   * that page through them (the dashboard, `conveyor workflows list`), at a cost of about the
   * page, whatever the number running. With `after`, only workflows after it in that order:
   * the last one of the previous page.
   */
  running(limit: number, after?: IdleWorkflow): Promise<IdleWorkflow[]>;
  /**
   * Workflows that ended with `status`, the most recently ended first (by `finishedAt`, then
   * by id, descending), at most `limit`, with `at` their `finishedAt` [W15b]: for lists of
   * failed (or cancelled, compensated, completed) runs, a page at a time. A run retried since
   * is running again and left out; one whose record expired (the result TTL after it ended)
   * is never answered. With `after`, only workflows after it in that order: the last one of
   * the previous page.
   */
  ended(status: EndedWorkflowStatus, limit: number, after?: IdleWorkflow): Promise<IdleWorkflow[]>;
  /** A workflow's outbox entries, oldest first [W8]. */
  outbox(workflowId: string): Promise<DispatchEntry[]>;
  /**
   * The record, or null when there is none (never started, or expired after it ended) [W9].
   * With `{ children: false }`, `steps` leaves out a map step's children (the step itself
   * stays): a read that costs the same for a map of 10,000 children as for one of ten, for
   * lists that show where a workflow stands.
   */
  get(workflowId: string, options?: WorkflowGetOptions): Promise<WorkflowRecord | null>;
  /**
   * Stored results of a step, in order: one for a step; for a map stage, children `from` to
   * `from + count - 1` (absent for a skipped child) [W10].
   */
  results(
    workflowId: string,
    step: string,
    range?: { from: number; count: number },
  ): Promise<Array<JsonValue | undefined>>;
  /**
   * A running workflow becomes `cancelled`: steps not yet done are cancelled; answers the
   * jobs to cancel (ready and running steps') [W11].
   */
  cancel(workflowId: string): Promise<{ cancelled: boolean; cancel: string[] }>;
  /**
   * A `failed` workflow runs again from its failed steps: they (with a new retry number and
   * job id) become ready, steps cancelled by the failure pending again [W12].
   */
  retry(workflowId: string): Promise<{ retried: boolean; dispatch: DispatchEntry[] }>;
}
