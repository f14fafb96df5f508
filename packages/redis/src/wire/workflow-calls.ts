import type {
  DispatchEntry,
  JobError,
  JsonValue,
  MapChildren,
  WorkflowPlan,
  WorkflowPlanStep,
  WorkflowRecord,
  WorkflowStartRequest,
  WorkflowStatus,
  WorkflowStepRecord,
  WorkflowStepState,
} from '@conveyor/core';
import { workflowJobId, workflowKeyScope } from '@conveyor/core/transport';
import { RedisTransportError } from '../errors.js';

// How a workflow's record looks in Redis and what its scripts answer: the arguments of
// wf-start.lua and the replies of every wf-*.lua. The layout, field by field, is the header
// of scripts/includes/wf.lua and the README's "Workflow keys" table.

/** Stage kinds as the `g<n>` fields store them. */
const STAGE_KIND = { step: 's', parallel: 'p', map: 'm' } as const;

/** A step's failure policy as its `d:<step>` field stores it. */
function policyCode(step: WorkflowPlanStep): string {
  const { onFailure } = step;
  if (onFailure === 'fail') return 'f';
  if (onFailure === 'continue') return 'k';
  return `=${onFailure.compensate}`;
}

/** The `d:<step>` field: `<stage>|<policy>|<queue>|<dispatch entry fragment>`. */
function stepField(step: WorkflowPlanStep, stage: number): string {
  const { task, queue, maxAttempts, priority } = step;
  const fragment = JSON.stringify({ task, queue, maxAttempts, priority }).slice(1, -1);
  return `${stage}|${policyCode(step)}|${queue}|${fragment}`;
}

/**
 * wf-start.lua's arguments after the TTL and id: the input and plan JSON, the key's scope
 * (`workflowKeyScope`: the claim's name, stored as `ik`), the deadline, the name, the input
 * schema's fingerprint, the input fingerprint, the stages, then each step's policy and
 * dispatch fields, flattened at start so that no later script decodes the plan.
 */
export function startArgs(request: WorkflowStartRequest): string[] {
  const { plan, idempotencyKey: key } = request;
  const args = [
    JSON.stringify(request.input),
    JSON.stringify(plan),
    key === undefined ? '' : workflowKeyScope(plan.workflow, key),
    request.deadline === undefined ? '' : String(request.deadline),
    plan.workflow,
    request.inputSchema ?? '',
    request.inputFingerprint ?? '',
    String(plan.stages.length),
  ];
  for (const stage of plan.stages) {
    args.push(`${STAGE_KIND[stage.kind]} ${stage.steps.map((step) => step.name).join(' ')}`);
  }
  plan.stages.forEach((stage, index) => {
    for (const step of stage.steps) args.push(step.name, stepField(step, index));
  });
  for (const step of plan.compensations) args.push(step.name, stepField(step, -1));
  return args;
}

/** What the indexes need from a call (`ops` in wf.lua): see workflows-index.ts. */
export interface IndexOps {
  idle: string;
  outbox: string;
  version: string;
  /**
   * The idempotency key's scope (`ik`: what its claim is named by), when the call started or
   * retried the workflow (`idle` `+…`: its claim must not expire) or ended it (`idle` `-`:
   * the claim expires with its keys). A run started before keys were scoped by workflow
   * holds its bare key, which names its claim as it did then.
   */
  key?: string;
  /**
   * Job ids of the steps a deadline this call applied cancelled (wf-deadline.lua): the
   * transport cancels them, so that running steps see `ctx.signal`, whatever the call was.
   */
  timedOut?: string[];
  /** `<status> <finishedAt>` when the call ended the workflow, else ''. */
  ended: string;
}

/** The `ops` element every workflow script answers first. */
export function readOps(reply: unknown): IndexOps {
  const [idle, outbox, version, key, timedOut, ended] = reply as [
    string,
    string,
    string,
    string | null,
    unknown[] | undefined,
    string | undefined,
  ];
  const ops: IndexOps = {
    idle: String(idle),
    outbox: String(outbox),
    version: String(version),
    timedOut: Array.isArray(timedOut) ? timedOut.map(String) : [],
    ended: typeof ended === 'string' ? ended : '',
  };
  if (typeof key === 'string') ops.key = key;
  return ops;
}

/** Dispatch entries as the scripts write them (JSON built in Lua). */
export function readEntries(reply: unknown): DispatchEntry[] {
  return ((reply as unknown[] | null) ?? []).map((entry) => parseJson(entry) as DispatchEntry);
}

/**
 * wf-expand.lua's children: false, or `[key, open]`, `open` false for every child of `count`
 * at retry 0 (a first expand), else a flat list `child, retries, …`.
 */
export function readChildren(reply: unknown, count: number): MapChildren | undefined {
  if (!Array.isArray(reply)) return undefined;
  const [key, flat] = reply as [string, unknown[] | null | false];
  const open: MapChildren['open'] = [];
  if (!Array.isArray(flat)) {
    for (let child = 0; child < count; child++) open.push({ child, retries: 0 });
  } else {
    for (let i = 0; i + 1 < flat.length; i += 2) {
      open.push({ child: Number(flat[i]), retries: Number(flat[i + 1]) });
    }
  }
  return { key: String(key), open };
}

/** A result, `undefined` where the script answered nil. */
export function readResult(value: unknown): JsonValue | undefined {
  return value === null || value === undefined ? undefined : (parseJson(value) as JsonValue);
}

const STATE_OF: Readonly<Record<string, WorkflowStepState>> = {
  p: 'pending',
  r: 'ready',
  a: 'running',
  c: 'completed',
  f: 'failed',
  k: 'skipped',
  x: 'cancelled',
};

function hashOf(flat: unknown): Map<string, string> {
  const list = (flat as unknown[] | null) ?? [];
  const hash = new Map<string, string>();
  for (let i = 0; i + 1 < list.length; i += 2) hash.set(String(list[i]), String(list[i + 1]));
  return hash;
}

/**
 * wf-get.lua's reply (`[meta, steps, errors]`, each HGETALL's) as a record: steps in plan
 * order, a map step's children after it by index (unless `children` is false: wf-get.lua
 * then read none), then the compensations.
 */
export function decodeRecord(
  id: string,
  reply: readonly unknown[],
  { children = true }: { children?: boolean } = {},
): WorkflowRecord {
  const meta = hashOf(reply[0]);
  const steps = hashOf(reply[1]);
  const errors = hashOf(reply[2]);
  const planJson = meta.get('plan');
  if (planJson === undefined) throw corrupt(id, 'has no plan');
  const plan = parseJson(planJson) as WorkflowPlan;
  const stepRecords: WorkflowStepRecord[] = [];
  const add = (def: WorkflowPlanStep, child?: number) => {
    const key = child === undefined ? def.name : `${def.name}#${child}`;
    // A map child without a field is ready at retry 0 (wf.lua).
    const stored = steps.get(key) ?? (child === undefined ? undefined : 'r10');
    const state = STATE_OF[stored?.charAt(0) ?? ''];
    if (stored === undefined || state === undefined) {
      throw corrupt(id, `has step "${key}" stored as ${JSON.stringify(stored ?? null)}`);
    }
    const retries = Number(stored.slice(2));
    const rec: WorkflowStepRecord = { step: def.name, state, retries };
    if (child !== undefined) rec.child = child;
    if (stored.charAt(1) === '1') {
      rec.jobId = workflowJobId(def.queue, id, def.name, child, retries);
    }
    const error = errors.get(key);
    if (error !== undefined) rec.error = parseJson(error) as JobError;
    stepRecords.push(rec);
  };
  for (const stage of plan.stages) {
    for (const def of stage.steps) {
      add(def);
      // A map step that expanded has its count in meta (wf-expand.lua).
      const stored = meta.get(`n:${def.name}`);
      if (stored === undefined) continue;
      const count = Number(stored);
      (stepRecords[stepRecords.length - 1] as WorkflowStepRecord).children = count;
      if (children) for (let child = 0; child < count; child++) add(def, child);
    }
  }
  for (const def of plan.compensations) add(def);
  const record: WorkflowRecord = {
    id,
    plan,
    input: parseJson(meta.get('in') ?? 'null') as JsonValue,
    status: meta.get('st') as WorkflowStatus,
    stage: Number(meta.get('sg')),
    steps: stepRecords,
    createdAt: Number(meta.get('ca')),
    updatedAt: Number(meta.get('ua')),
  };
  const failure = meta.get('fl');
  if (failure !== undefined) record.failure = parseJson(failure) as WorkflowRecord['failure'];
  const finishedAt = meta.get('fa');
  if (finishedAt !== undefined) record.finishedAt = Number(finishedAt);
  const deadline = meta.get('dl');
  if (deadline !== undefined) record.deadline = Number(deadline);
  const inputSchema = meta.get('is');
  if (inputSchema !== undefined) record.inputSchema = inputSchema;
  return record;
}

function parseJson(text: unknown): unknown {
  try {
    return JSON.parse(String(text));
  } catch (cause) {
    throw new RedisTransportError(
      'CORRUPT',
      'workflows',
      new Error(
        `a workflow holds ${JSON.stringify(String(text).slice(0, 200))} where JSON belongs, not as this @conveyor/redis writes workflows`,
        { cause },
      ),
    );
  }
}

function corrupt(id: string, what: string): RedisTransportError {
  return new RedisTransportError(
    'CORRUPT',
    'workflows',
    new Error(
      `workflow ${id} ${what}, not as this @conveyor/redis writes workflows; it cannot be read`,
    ),
  );
}
