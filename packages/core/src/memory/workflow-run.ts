import { workflowJobId } from '../ids.js';
import type { JobError } from '../job-error.js';
import type { JsonValue } from '../json.js';
import type {
  DispatchEntry,
  MapChildren,
  StepAddress,
  WorkflowRecord,
  WorkflowStartRequest,
  WorkflowStatus,
  WorkflowStepRecord,
} from '../transport-workflows.js';
import type { WorkflowPlanStep } from '../workflow/plan.js';

// One workflow's record in the memory transport and the moves on it [W1–W12]. Each
// function is one synchronous step of an operation: nothing can interleave with it.

/** A step, a map child or a compensation, with what the record does not show. */
export interface Unit {
  readonly rec: WorkflowStepRecord;
  readonly def: WorkflowPlanStep;
  /** Index into `plan.stages`; -1 for a compensation. */
  readonly stage: number;
  readonly kind: 'step' | 'map' | 'child' | 'compensation';
  result?: JsonValue;
}

export interface Run {
  readonly record: WorkflowRecord;
  /** By {@link unitKey}. */
  readonly units: Map<string, Unit>;
  /** A map step's child count, once expanded. */
  readonly counts: Map<string, number>;
  /** Per stage: its units not done yet, once the stage started. */
  readonly remaining: number[];
  outbox: DispatchEntry[];
  readonly idempotencyKey?: string;
  /** When it began to run: its start, or the retry that made it run again [W15a]. */
  runningSince: number;
}

/** What an operation hands back: entries to enqueue, jobs to cancel. */
export interface Effects {
  dispatch: DispatchEntry[];
  cancel: string[];
}

export const noEffects = (): Effects => ({ dispatch: [], cancel: [] });

export const unitKey = (step: string, child?: number): string =>
  child === undefined ? step : `${step}#${child}`;

const DONE = new Set(['completed', 'skipped']);
const OPEN = new Set(['pending', 'ready', 'running']);

/** A new run: every step pending, the first stage ready. */
export function createRun(request: WorkflowStartRequest, now: number, fx: Effects): Run {
  const { plan } = request;
  const record: WorkflowRecord = {
    id: request.id,
    plan: structuredClone(plan),
    input: request.input,
    status: 'running',
    stage: 0,
    steps: [],
    createdAt: now,
    updatedAt: now,
  };
  if (request.deadline !== undefined) record.deadline = request.deadline;
  if (request.inputSchema !== undefined) record.inputSchema = request.inputSchema;
  const run: Run = {
    record,
    units: new Map(),
    counts: new Map(),
    remaining: plan.stages.map(() => 0),
    outbox: [],
    runningSince: now,
  };
  if (request.idempotencyKey !== undefined) {
    (run as { idempotencyKey?: string }).idempotencyKey = request.idempotencyKey;
  }
  const add = (def: WorkflowPlanStep, stage: number, kind: Unit['kind']) => {
    const rec: WorkflowStepRecord = { step: def.name, state: 'pending', retries: 0 };
    record.steps.push(rec);
    run.units.set(def.name, { rec, def, stage, kind });
  };
  record.plan.stages.forEach((stage, index) => {
    for (const def of stage.steps) add(def, index, stage.kind === 'map' ? 'map' : 'step');
  });
  for (const def of record.plan.compensations) add(def, -1, 'compensation');
  activate(run, 0, now, fx);
  return run;
}

/** An outbox entry's key, which `dispatched` takes: its job id, or a map's children key. */
export const outboxKey = (entry: DispatchEntry): string =>
  entry.children === undefined ? entry.jobId : `${entry.jobId}#children`;

/** Whether a map step's children entry is in the outbox: its children are not all enqueued. */
export const childrenPending = (run: Run, step: string): boolean =>
  run.outbox.some((entry) => entry.step === step && entry.children !== undefined);

/** A unit `ready`, with the job id of its retry. */
function markReady(run: Run, unit: Unit): void {
  const { rec, def } = unit;
  rec.state = 'ready';
  rec.jobId = workflowJobId(def.queue, run.record.id, def.name, rec.child, rec.retries);
}

/**
 * Puts a unit's job in the outbox: `ready`, with the job id of its retry. `children`: a map
 * step's children entry (its count); `quiet`: not in the call's answer (a fresh expand, whose
 * caller enqueues the children it answers).
 */
function ready(
  run: Run,
  unit: Unit,
  now: number,
  fx: Effects,
  kind: DispatchEntry['kind'] = 'run',
  children?: { count: number; quiet: boolean },
): void {
  const { rec, def } = unit;
  markReady(run, unit);
  const entry: DispatchEntry = {
    step: def.name,
    ...(rec.child === undefined ? {} : { child: rec.child }),
    kind,
    jobId: rec.jobId as string,
    task: def.task,
    queue: def.queue,
    maxAttempts: def.maxAttempts,
    priority: def.priority,
    ...(children === undefined ? {} : { children: children.count }),
    at: now,
  };
  const key = outboxKey(entry);
  run.outbox = run.outbox.filter((other) => outboxKey(other) !== key);
  run.outbox.push(entry);
  if (!children?.quiet) fx.dispatch.push(entry);
}

/** Takes a map step's children entry out of the outbox (its stage ended or moved on). */
function clearChildren(run: Run, step: string): void {
  run.outbox = run.outbox.filter((entry) => entry.step !== step || entry.children === undefined);
}

/** A map step's children to enqueue: the open ones, with their retry numbers [W7]. */
export function openChildren(run: Run, unit: Unit): MapChildren {
  const count = run.counts.get(unit.def.name) ?? 0;
  const open: MapChildren['open'] = [];
  for (let child = 0; child < count; child++) {
    const { rec } = run.units.get(unitKey(unit.def.name, child)) as Unit;
    if (rec.state === 'ready' || rec.state === 'running')
      open.push({ child, retries: rec.retries });
  }
  return { key: `${unit.rec.jobId}#children`, open };
}

/** Starts stage `index` (or finishes the workflow after its last): its open units become ready. */
export function activate(run: Run, index: number, now: number, fx: Effects): void {
  const { record } = run;
  const { stages } = record.plan;
  record.stage = index;
  if (index >= stages.length) {
    finish(run, 'completed', now);
    return;
  }
  const stage = stages[index] as (typeof stages)[number];
  if (stage.kind === 'map') {
    const unit = run.units.get((stage.steps[0] as WorkflowPlanStep).name) as Unit;
    const count = run.counts.get(unit.def.name);
    if (count === undefined) ready(run, unit, now, fx, 'expand');
    else startChildren(run, unit, count, now, fx, false);
    return;
  }
  let remaining = 0;
  for (const def of stage.steps) {
    const unit = run.units.get(def.name) as Unit;
    if (DONE.has(unit.rec.state)) continue;
    remaining += 1;
    if (unit.rec.state === 'pending') ready(run, unit, now, fx);
  }
  run.remaining[index] = remaining;
  if (remaining === 0) activate(run, index + 1, now, fx);
}

/**
 * Stores a map step's child count: its children, after it in the record, `ready` (their
 * jobs are the caller's to enqueue), and one children entry in the outbox [W7].
 */
export function expandRun(run: Run, unit: Unit, count: number, now: number, fx: Effects) {
  run.counts.set(unit.def.name, count);
  const children: WorkflowStepRecord[] = Array.from({ length: count }, (_, child) => ({
    step: unit.def.name,
    child,
    state: 'pending',
    retries: 0,
  }));
  for (const rec of children) {
    run.units.set(unitKey(rec.step, rec.child), {
      rec,
      def: unit.def,
      stage: unit.stage,
      kind: 'child',
    });
  }
  const at = run.record.steps.indexOf(unit.rec) + 1;
  run.record.steps.splice(at, 0, ...children);
  startChildren(run, unit, count, now, fx, true);
}

/**
 * A map stage with its count: its open children ready, done at once when none is open, else
 * its children entry in the outbox. `fresh`: the expand job itself is running (its step stays
 * `running`, the entry is not in the answer); else a retry: the step's new expand job is
 * dispatched with the entry.
 */
function startChildren(
  run: Run,
  unit: Unit,
  count: number,
  now: number,
  fx: Effects,
  fresh: boolean,
): void {
  let remaining = 0;
  for (let child = 0; child < count; child++) {
    const childUnit = run.units.get(unitKey(unit.def.name, child)) as Unit;
    if (DONE.has(childUnit.rec.state)) continue;
    remaining += 1;
    if (childUnit.rec.state === 'pending') markReady(run, childUnit);
  }
  run.remaining[unit.stage] = remaining;
  if (remaining === 0) {
    unit.rec.state = 'completed';
    activate(run, unit.stage + 1, now, fx);
    return;
  }
  ready(run, unit, now, fx, 'expand', { count, quiet: fresh });
  if (fresh) unit.rec.state = 'running';
}

/** A unit became `completed` or `skipped`: its stage's counter moves [W3]. */
export function unitDone(run: Run, unit: Unit, now: number, fx: Effects): void {
  if (unit.kind === 'compensation') {
    finish(run, 'compensated', now);
    return;
  }
  if (unit.kind === 'map') {
    activate(run, unit.stage + 1, now, fx);
    return;
  }
  const left = (run.remaining[unit.stage] as number) - 1;
  run.remaining[unit.stage] = left;
  if (left > 0) return;
  if (unit.kind === 'child') {
    (run.units.get(unit.def.name) as Unit).rec.state = 'completed';
    clearChildren(run, unit.def.name);
  }
  activate(run, unit.stage + 1, now, fx);
}

/** A unit's final failure: its step's policy applies [W4–W6]. */
export function unitFailed(run: Run, unit: Unit, error: JobError, now: number, fx: Effects) {
  const { rec } = unit;
  rec.state = 'failed';
  rec.error = error;
  const failure = { step: rec.step, ...(rec.child === undefined ? {} : { child: rec.child }) };
  if (unit.kind === 'compensation') {
    endOpen(run, fx);
    finish(run, 'failed', now);
    return;
  }
  if (unit.kind === 'map' && run.counts.has(unit.def.name)) cancelChildren(run, unit, fx);
  const policy = unit.def.onFailure;
  if (policy === 'continue') {
    rec.state = 'skipped';
    unitDone(run, unit, now, fx);
    return;
  }
  run.record.failure = { ...failure, error };
  endOpen(run, fx);
  // A child's failure is its map step's: failed, not cancelled as the steps after it are.
  if (unit.kind === 'child') (run.units.get(unit.def.name) as Unit).rec.state = 'failed';
  if (policy === 'fail') {
    finish(run, 'failed', now);
    return;
  }
  const compensation = run.units.get(policy.compensate) as Unit;
  ready(run, compensation, now, fx);
}

/** A map step that failed after it expanded: its open children cancelled, its entry cleared. */
function cancelChildren(run: Run, unit: Unit, fx: Effects): void {
  const count = run.counts.get(unit.def.name) ?? 0;
  for (let child = 0; child < count; child++) {
    const { rec } = run.units.get(unitKey(unit.def.name, child)) as Unit;
    if (!OPEN.has(rec.state)) continue;
    if (rec.state !== 'pending' && rec.jobId !== undefined) fx.cancel.push(rec.jobId);
    rec.state = 'cancelled';
  }
  clearChildren(run, unit.def.name);
}

/**
 * Cancels every open unit (not an untriggered compensation); the jobs of ready and running
 * ones go to `fx.cancel` (not an expanded map step's: its job is done), and leave the outbox.
 */
export function endOpen(run: Run, fx: Effects): void {
  for (const unit of run.units.values()) {
    const { rec } = unit;
    if (!OPEN.has(rec.state)) continue;
    if (unit.kind === 'compensation' && rec.state === 'pending') continue;
    const expanded = unit.kind === 'map' && run.counts.has(unit.def.name);
    if (rec.state !== 'pending' && rec.jobId !== undefined && !expanded) fx.cancel.push(rec.jobId);
    rec.state = 'cancelled';
  }
  const cancelled = new Set(fx.cancel);
  fx.dispatch = fx.dispatch.filter((entry) => !cancelled.has(entry.jobId));
  run.outbox = [];
}

/** The workflow ends: no outbox, its finish time set (its retention counts from it) [W9]. */
export function finish(run: Run, status: WorkflowStatus, now: number): void {
  run.record.status = status;
  run.record.finishedAt = now;
  run.outbox = [];
}

/** A running workflow past its deadline fails with `WORKFLOW_TIMED_OUT`. */
export function timeOut(run: Run, now: number, fx: Effects): void {
  const { record } = run;
  const open = record.steps.find((rec) => rec.state === 'ready' || rec.state === 'running');
  const error: JobError = {
    name: 'WorkflowTimedOutError',
    code: 'WORKFLOW_TIMED_OUT',
    message: `Workflow ${record.id} (${record.plan.workflow}) was still running at its deadline, ${new Date(record.deadline ?? now).toISOString()}; raise the deadline or look at its running steps.`,
  };
  // Between a step's end and the next one's start: the stage it is at (or the last).
  const stages = record.plan.stages;
  const at = stages[Math.min(record.stage, stages.length - 1)];
  const step = open ?? { step: at?.steps[0]?.name ?? '' };
  record.failure = {
    step: step.step,
    ...(open?.child === undefined ? {} : { child: open.child }),
    error,
  };
  endOpen(run, fx);
  finish(run, 'failed', now);
}

/** The unit an address names, or undefined. */
export function unitAt(run: Run, address: StepAddress): Unit | undefined {
  return run.units.get(unitKey(address.step, address.child));
}

/**
 * A failed workflow runs again [W12]: failed and cancelled units pending again (those that
 * had a job with their next retry number: an expanded map step too, whose new expand job
 * enqueues its open children), from the first stage with an open unit.
 */
export function retryRun(run: Run, now: number, fx: Effects): void {
  const { record } = run;
  for (const unit of run.units.values()) {
    const { rec } = unit;
    if (rec.state !== 'failed' && rec.state !== 'cancelled') continue;
    if (rec.jobId !== undefined) {
      rec.retries += 1;
      delete rec.jobId;
    }
    delete rec.error;
    rec.state = 'pending';
  }
  record.status = 'running';
  run.runningSince = now;
  delete record.failure;
  delete record.finishedAt;
  delete record.deadline;
  let first = record.plan.stages.length;
  for (const unit of run.units.values()) {
    if (unit.stage >= 0 && !DONE.has(unit.rec.state)) first = Math.min(first, unit.stage);
  }
  activate(run, first, now, fx);
}
