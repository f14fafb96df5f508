import { workflowJobId } from '../ids.js';
import type { JobError } from '../job-error.js';
import type { JsonValue } from '../json.js';
import type {
  DispatchEntry,
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
  /** A map step's items, once expanded. */
  readonly items: Map<string, JsonValue[]>;
  /** Per stage: its units not done yet, once the stage started. */
  readonly remaining: number[];
  outbox: DispatchEntry[];
  readonly idempotencyKey?: string;
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
  const run: Run = {
    record,
    units: new Map(),
    items: new Map(),
    remaining: plan.stages.map(() => 0),
    outbox: [],
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

/** Puts a unit's job in the outbox: `ready`, with the job id of its retry. */
function ready(
  run: Run,
  unit: Unit,
  now: number,
  fx: Effects,
  kind: DispatchEntry['kind'] = 'run',
): void {
  const { rec, def } = unit;
  rec.state = 'ready';
  rec.jobId = workflowJobId(def.queue, run.record.id, def.name, rec.child, rec.retries);
  const child = rec.child === undefined ? {} : { child: rec.child };
  const input =
    rec.child === undefined
      ? {}
      : { input: structuredClone(run.items.get(def.name)?.[rec.child] ?? null) };
  const entry: DispatchEntry = {
    step: def.name,
    ...child,
    kind,
    jobId: rec.jobId,
    task: def.task,
    queue: def.queue,
    maxAttempts: def.maxAttempts,
    priority: def.priority,
    ...input,
    at: now,
  };
  run.outbox.push(entry);
  fx.dispatch.push(entry);
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
    const items = run.items.get(unit.def.name);
    if (items === undefined) ready(run, unit, now, fx, 'expand');
    else startChildren(run, unit, items.length, now, fx);
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

/** Stores a map step's items: its children, pending, after it in the record [W7]. */
export function expandRun(run: Run, unit: Unit, items: JsonValue[], now: number, fx: Effects) {
  run.items.set(unit.def.name, items);
  const children: WorkflowStepRecord[] = items.map((_, child) => ({
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
  startChildren(run, unit, items.length, now, fx);
}

/** A map stage with its items: its open children ready; done at once when none is open. */
function startChildren(run: Run, unit: Unit, count: number, now: number, fx: Effects): void {
  unit.rec.state = 'running';
  let remaining = 0;
  for (let child = 0; child < count; child++) {
    const childUnit = run.units.get(unitKey(unit.def.name, child)) as Unit;
    if (DONE.has(childUnit.rec.state)) continue;
    remaining += 1;
    if (childUnit.rec.state === 'pending') ready(run, childUnit, now, fx);
  }
  run.remaining[unit.stage] = remaining;
  if (remaining === 0) {
    unit.rec.state = 'completed';
    activate(run, unit.stage + 1, now, fx);
  }
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
  if (unit.kind === 'child') (run.units.get(unit.def.name) as Unit).rec.state = 'completed';
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
  const policy = unit.def.onFailure;
  if (policy === 'continue') {
    rec.state = 'skipped';
    unitDone(run, unit, now, fx);
    return;
  }
  run.record.failure = { ...failure, error };
  endOpen(run, fx);
  if (policy === 'fail') {
    finish(run, 'failed', now);
    return;
  }
  const compensation = run.units.get(policy.compensate) as Unit;
  ready(run, compensation, now, fx);
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
    const expanded = unit.kind === 'map' && run.items.has(unit.def.name);
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
  const step = open ?? { step: record.plan.stages[0]?.steps[0]?.name ?? '' };
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
 * had a job with their next retry number), from the first stage with an open unit.
 */
export function retryRun(run: Run, now: number, fx: Effects): void {
  const { record } = run;
  for (const unit of run.units.values()) {
    const { rec } = unit;
    if (rec.state !== 'failed' && rec.state !== 'cancelled') continue;
    const expanded = unit.kind === 'map' && run.items.has(unit.def.name);
    if (rec.jobId !== undefined && !expanded) {
      rec.retries += 1;
      delete rec.jobId;
    }
    delete rec.error;
    rec.state = 'pending';
  }
  record.status = 'running';
  delete record.failure;
  delete record.finishedAt;
  delete record.deadline;
  let first = record.plan.stages.length;
  for (const unit of run.units.values()) {
    if (unit.stage >= 0 && !DONE.has(unit.rec.state)) first = Math.min(first, unit.stage);
  }
  activate(run, first, now, fx);
}
