import { isStoredQueueName, storedQueueNameRule } from '../envelope.js';
import { InvalidOptionError, PayloadTooLargeError } from '../errors.js';
import { isWorkflowId, WORKFLOW_ID_RULE } from '../ids.js';
import type { JobError } from '../job-error.js';
import { assertJsonValue, type JsonValue } from '../json.js';
import { utf8SizeOver } from '../payload-size.js';
import type { StepAddress, StepOutcome, WorkflowStartRequest } from '../transport-workflows.js';
import type { WorkflowPlan, WorkflowPlanStep } from '../workflow/plan.js';
import { isStepName, STEP_NAME_RULE } from '../workflow/stages.js';
import { assertInputFingerprint } from './checks.js';

// The argument checks of `transport.workflows` [W13]: one copy, so that every
// transport refuses the same call with the same coded error.

/** Most children a map stage may have: the ceiling of `maxChildren`. */
export const MAX_WORKFLOW_CHILDREN = 100_000;
/** Most results one `results` call reads. */
export const MAX_RESULTS_PAGE = 10_000;
/** Most workflow ids one `stale` call answers. */
export const MAX_STALE_LIMIT = 1_000;

const STAGE_KINDS = new Set(['step', 'parallel', 'map']);

export function assertWorkflowId(id: unknown): asserts id is string {
  if (!isWorkflowId(id)) throw new InvalidOptionError('workflow id', id, WORKFLOW_ID_RULE);
}

export function assertStepName(step: unknown): asserts step is string {
  if (!isStepName(step)) throw new InvalidOptionError('workflow step', step, STEP_NAME_RULE);
}

/** A step address: a step name, and a child index (an integer from 0) for a map child. */
export function checkAddress(address: unknown): StepAddress {
  if (typeof address !== 'object' || address === null) {
    throw new InvalidOptionError('step address', address, '{ step, child? }');
  }
  const { step, child, job } = address as Partial<Record<keyof StepAddress, unknown>>;
  assertStepName(step);
  if (job !== undefined && (typeof job !== 'string' || job === '')) {
    throw new InvalidOptionError(`job of step "${step}"`, job, 'a job id, or nothing');
  }
  const checked: StepAddress = { step };
  if (child !== undefined) {
    if (typeof child !== 'number' || !Number.isInteger(child) || child < 0) {
      throw new InvalidOptionError(
        `child of step "${step}"`,
        child,
        'an integer from 0, or nothing',
      );
    }
    checked.child = child;
  }
  if (job !== undefined) checked.job = job;
  return checked;
}

/** The value as its JSON round trip, within `maxBytes` (`NOT_JSON`, `PAYLOAD_TOO_LARGE`). */
export function jsonWithin(value: unknown, what: string, maxBytes: number): JsonValue {
  const primitive = primitiveWithin(value, what, maxBytes);
  if (primitive !== undefined) return primitive;
  return JSON.parse(checkedJson(value, what, maxBytes)) as JsonValue;
}

/** As {@link jsonWithin}, for a value no one keeps: checked, not copied. */
function assertJsonWithin(value: unknown, what: string, maxBytes: number): void {
  if (primitiveWithin(value, what, maxBytes) === undefined) checkedJson(value, what, maxBytes);
}

/**
 * A map step's items, each JSON within `maxBytes` (checked, not copied). The usual list is
 * checked whole, in one walk and one JSON text: when the whole is JSON within the cap, so is
 * each item. Item by item (whose error names the item) when the whole is not, or is over
 * the cap: 10,000 small items took 36 ms one by one in a fresh process, 9 ms whole.
 */
export function assertItemsWithin(items: readonly unknown[], step: string, maxBytes: number): void {
  if (wholeWithin(items, maxBytes)) return;
  // Not forEach: it skips a sparse list's holes, which JSON would turn into null.
  for (let index = 0; index < items.length; index++) {
    assertJsonWithin(items[index], `item ${index} of step "${step}"`, maxBytes);
  }
}

function wholeWithin(items: readonly unknown[], maxBytes: number): boolean {
  try {
    // Refuses an undefined item too (JSON would make it null), as the item check does.
    assertJsonValue(items);
  } catch {
    return false;
  }
  return utf8SizeOver(JSON.stringify(items), maxBytes) === undefined;
}

function primitiveWithin(value: unknown, what: string, maxBytes: number): JsonValue | undefined {
  if (value === undefined)
    throw new InvalidOptionError(what, value, 'a JSON value (null for none)');
  return withinAsPrimitive(value, maxBytes);
}

/** A value that is not a primitive surely within the cap: its JSON, checked. */
function checkedJson(value: unknown, what: string, maxBytes: number): string {
  assertJsonValue(value, what);
  const json = JSON.stringify(value);
  const bytes = utf8SizeOver(json, maxBytes);
  if (bytes !== undefined) {
    throw new PayloadTooLargeError(what, bytes, maxBytes, undefined, 'value');
  }
  return json;
}

/** Longest JSON of a finite number (`-1.7976931348623157e+308`, -Number.MAX_VALUE). */
const MAX_NUMBER_JSON = 24;

/**
 * A primitive's JSON round trip without the trip, when it is surely within `maxBytes` (a
 * step's result is often one): a finite number (-0 comes back as 0), a boolean, null, or a
 * string short enough that even escaped (6 bytes a code unit, `\u0000`) it fits. Anything
 * else (objects, a number that is not finite, a long string): undefined, for the full check.
 */
function withinAsPrimitive(value: unknown, maxBytes: number): JsonValue | undefined {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) && MAX_NUMBER_JSON <= maxBytes ? value + 0 : undefined;
    case 'boolean':
      return value;
    case 'string':
      return value.length * 6 + 2 <= maxBytes ? value : undefined;
    default:
      return value === null ? null : undefined;
  }
}

/** A step's outcome: `{ ok: true, result? }` (JSON within the cap, or none) or `{ ok: false, error }`. */
export function checkOutcome(outcome: unknown, maxBytes: number): StepOutcome {
  const o = outcome as { ok?: unknown; result?: unknown; error?: unknown } | null;
  if (typeof o !== 'object' || o === null || typeof o.ok !== 'boolean') {
    throw new InvalidOptionError(
      'step outcome',
      outcome,
      '{ ok: true, result } or { ok: false, error }',
    );
  }
  if (o.ok) {
    // No result (the task returned nothing) is not JSON, and is kept as none [W10].
    if (o.result === undefined) return { ok: true };
    return { ok: true, result: jsonWithin(o.result, 'step result', maxBytes) };
  }
  const error = o.error as { name?: unknown; message?: unknown } | null;
  if (
    typeof error !== 'object' ||
    error === null ||
    typeof error.name !== 'string' ||
    typeof error.message !== 'string'
  ) {
    throw new InvalidOptionError('step error', o.error, 'a JobError: { name, message, code? }');
  }
  return { ok: false, error: jsonWithin(error, 'step error', maxBytes) as unknown as JobError };
}

/** A start request: the id, the plan's shape, the input, the key and the deadline. */
export function checkStart(request: unknown, maxBytes: number): WorkflowStartRequest {
  if (typeof request !== 'object' || request === null) {
    throw new InvalidOptionError('workflow start', request, '{ id, plan, input, … }');
  }
  const r = request as Partial<Record<keyof WorkflowStartRequest, unknown>>;
  assertWorkflowId(r.id);
  const plan = checkPlan(r.plan);
  const checked: WorkflowStartRequest = {
    id: r.id,
    plan,
    input: jsonWithin(r.input, `input of workflow "${plan.workflow}"`, maxBytes),
  };
  if (r.idempotencyKey !== undefined) {
    const key = r.idempotencyKey;
    if (typeof key !== 'string' || key.length === 0 || key.length > 512) {
      throw new InvalidOptionError('idempotencyKey', key, 'a string of 1–512 characters');
    }
    checked.idempotencyKey = key;
  }
  if (r.inputFingerprint !== undefined) {
    assertInputFingerprint(r.inputFingerprint);
    checked.inputFingerprint = r.inputFingerprint;
  }
  if (r.deadline !== undefined) {
    const { deadline } = r;
    if (typeof deadline !== 'number' || !Number.isFinite(deadline)) {
      throw new InvalidOptionError('deadline', deadline, 'a time in ms since the epoch');
    }
    checked.deadline = deadline;
  }
  if (r.inputSchema !== undefined) {
    const schema = r.inputSchema;
    if (typeof schema !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(schema)) {
      throw new InvalidOptionError(
        'inputSchema',
        schema,
        'a schema fingerprint: 1–128 printable ASCII characters, no space (codegen writes 16 hex digits)',
      );
    }
    checked.inputSchema = schema;
  }
  return checked;
}

/** A plan as `workflowPlan(def)` makes it: stages, steps, failure policies, names unique. */
export function checkPlan(plan: unknown): WorkflowPlan {
  const p = plan as Partial<Record<keyof WorkflowPlan, unknown>> | null;
  if (typeof p !== 'object' || p === null) {
    throw new InvalidOptionError('workflow plan', plan, 'workflowPlan(definition)');
  }
  const bad = (field: string, value: unknown, expected: string): never => {
    throw new InvalidOptionError(`${field} of workflow plan`, value, expected);
  };
  if (typeof p.workflow !== 'string' || p.workflow === '') bad('workflow', p.workflow, 'a name');
  if (typeof p.fingerprint !== 'string' || p.fingerprint === '') {
    bad('fingerprint', p.fingerprint, 'the plan fingerprint');
  }
  if (!Array.isArray(p.stages) || p.stages.length === 0) {
    bad('stages', p.stages, 'a non-empty array of stages');
  }
  if (!Array.isArray(p.compensations)) bad('compensations', p.compensations, 'an array of steps');
  const names = new Set<string>();
  const compensations = (p.compensations as unknown[]).map((step) => checkStep(step, names, bad));
  const stages = (p.stages as unknown[]).map((stage, index) => {
    const s = (typeof stage === 'object' && stage !== null ? stage : {}) as {
      kind?: unknown;
      steps?: unknown;
    };
    if (!STAGE_KINDS.has(s.kind as string)) {
      bad(`stage ${index}`, stage, "{ kind: 'step' | 'parallel' | 'map', steps }");
    }
    const steps = Array.isArray(s.steps) ? (s.steps as unknown[]) : [];
    if (steps.length === 0 || (s.kind !== 'parallel' && steps.length !== 1)) {
      bad(`steps of stage ${index}`, s.steps, 'one step (several for a parallel stage)');
    }
    return {
      kind: s.kind as 'step' | 'parallel' | 'map',
      steps: steps.map((step) => checkStep(step, names, bad)),
    };
  });
  const declared = new Set(compensations.map((step) => step.name));
  for (const step of [...stages.flatMap((stage) => stage.steps), ...compensations]) {
    const policy = step.onFailure;
    if (typeof policy === 'object' && !declared.has(policy.compensate)) {
      bad(`onFailure of step "${step.name}"`, policy, 'a compensation the plan declares');
    }
  }
  return structuredClone({
    workflow: p.workflow as string,
    stages,
    compensations,
    fingerprint: p.fingerprint as string,
  });
}

function checkStep(
  step: unknown,
  names: Set<string>,
  bad: (field: string, value: unknown, expected: string) => never,
): WorkflowPlanStep {
  const s = step as Partial<Record<keyof WorkflowPlanStep, unknown>> | null;
  if (typeof s !== 'object' || s === null) return bad('step', step, '{ name, task, queue, … }');
  if (!isStepName(s.name)) return bad('step name', s.name, STEP_NAME_RULE);
  if (names.has(s.name)) return bad('step name', s.name, 'a name no other step has');
  names.add(s.name);
  const label = `step "${s.name}"`;
  if (typeof s.task !== 'string' || s.task === '') bad(`task of ${label}`, s.task, 'a task name');
  if (!isStoredQueueName(s.queue)) bad(`queue of ${label}`, s.queue, storedQueueNameRule(s.queue));
  const { maxAttempts, priority, onFailure } = s;
  if (typeof maxAttempts !== 'number' || !Number.isFinite(maxAttempts) || maxAttempts < 1) {
    bad(`maxAttempts of ${label}`, maxAttempts, 'a number, 1 or more');
  }
  if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 0 || priority > 9) {
    bad(`priority of ${label}`, priority, '0 to 9');
  }
  const compensate = (onFailure as { compensate?: unknown } | null)?.compensate;
  if (
    onFailure !== 'fail' &&
    onFailure !== 'continue' &&
    !(typeof onFailure === 'object' && isStepName(compensate))
  ) {
    bad(`onFailure of ${label}`, onFailure, "'fail', 'continue' or { compensate: '<step>' }");
  }
  if (typeof s.mapped !== 'boolean') bad(`mapped of ${label}`, s.mapped, 'true or false');
  return {
    name: s.name,
    task: s.task as string,
    queue: s.queue as string,
    maxAttempts: maxAttempts as number,
    priority: priority as number,
    onFailure:
      typeof onFailure === 'object'
        ? { compensate: compensate as string }
        : (onFailure as 'fail' | 'continue'),
    mapped: s.mapped as boolean,
  };
}

/** `maxChildren`: an integer from 1 to 100,000. */
export function assertMaxChildren(value: unknown): asserts value is number {
  assertIntIn(value, 'maxChildren', 1, MAX_WORKFLOW_CHILDREN);
}

/** A list of job ids: strings. */
export function assertJobIds(ids: unknown): asserts ids is readonly string[] {
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string' || id === '')) {
    throw new InvalidOptionError('jobIds', ids, 'an array of job ids (non-empty strings)');
  }
}

/** An integer from `min` to `max`. */
export function assertIntIn(
  value: unknown,
  option: string,
  min: number,
  max: number,
): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(option, value, `an integer from ${min} to ${max}`);
  }
}
