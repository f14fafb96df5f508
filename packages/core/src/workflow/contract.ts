import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Client } from '../client.js';
import type { StartWorkflowOptions } from '../client-workflows.js';
import { InvalidOptionError } from '../errors.js';
import { type InferSchemaInput, isSchema } from '../schema.js';
import { type AnyTaskContract, isTaskName, TASK_NAME_RULE } from '../task.js';
import { type AnyWorkflow, isWorkflow, type WorkflowDefinition } from './define-workflow.js';
import type { WorkflowHandle } from './handle.js';
import { type WorkflowPlan, workflowPlan } from './plan.js';

/**
 * What producers need to start a workflow: its name, input schema and plan, never its
 * tasks' code or mappings. Codegen writes these (the plan as a literal); a
 * {@link WorkflowDefinition} is accepted wherever a contract is, its plan being
 * `workflowPlan(definition)`. `Result` is a type-only brand: the last stage's result, in
 * the form `handle.result()` gives it.
 */
export interface WorkflowContract<
  Name extends string = string,
  InputSchema extends StandardSchemaV1 = StandardSchemaV1,
  Result = unknown,
> {
  readonly kind: 'workflow-contract';
  readonly name: Name;
  /** Schema of the workflow's input: producers validate with it before anything is stored. */
  readonly input: InputSchema;
  /** What the transport stores with each run; its fingerprint must match the workers' definition. */
  readonly plan: WorkflowPlan;
  /** Fingerprint of the input schema, set by codegen, as task contracts carry it. */
  readonly fingerprint?: string | undefined;
  /**
   * The task contracts of the last stage's steps, by step name: `handle.result()` decodes
   * each step's stored result with its task's output schema, as `JobHandle.result()` does.
   * Codegen sets it when one of them has an output schema; without it results are the
   * stored JSON as it is.
   */
  readonly lastStage?: Readonly<Record<string, AnyTaskContract>> | undefined;
  /** Type-level only. Never set at run time. */
  readonly '~result'?: Result;
}

// biome-ignore lint/suspicious/noExplicitAny: the widest contract, for constraints.
export type AnyWorkflowContract = WorkflowContract<string, any, any>;

/** A workflow producers can start: a definition or a contract. */
export type AnyWorkflowLike = AnyWorkflow | AnyWorkflowContract;

/** What a producer passes to start `W` (a definition or a contract): its schema's input type. */
export type WorkflowInputOf<W extends AnyWorkflowLike> = InferSchemaInput<W['input']>;

/** What `handle.result()` resolves to for `W`: its last stage's result, in JSON form. */
export type WorkflowResultOf<W extends AnyWorkflowLike> =
  // biome-ignore lint/suspicious/noExplicitAny: any schema, only the result is read.
  W extends WorkflowDefinition<string, any, infer R>
    ? R
    : // biome-ignore lint/suspicious/noExplicitAny: as above.
      W extends WorkflowContract<string, any, infer R>
      ? R
      : never;

/**
 * A contract for a workflow whose definition a producer must not import. Codegen writes
 * these; the plan is `workflowPlan(definition)` as JSON. The name, schema and plan are
 * checked here, so a bad contract fails at import.
 *
 * @example
 * export const placeOrderContract = workflowContract<'shop.placeOrder', typeof PlaceOrderInput, { orderId: string }>({
 *   name: 'shop.placeOrder',
 *   input: PlaceOrderInput,
 *   plan: { workflow: 'shop.placeOrder', stages: [...], compensations: [...], fingerprint: '…' },
 * });
 */
export function workflowContract<
  const Name extends string,
  InputSchema extends StandardSchemaV1,
  Result = unknown,
>(
  config: Omit<WorkflowContract<Name, InputSchema, Result>, 'kind' | '~result'>,
): WorkflowContract<Name, InputSchema, Result> {
  if (typeof config !== 'object' || config === null) {
    throw new InvalidOptionError(
      'workflow contract',
      config,
      'an object with name, input and plan',
    );
  }
  const { name, input, plan, lastStage } = config;
  if (!isTaskName(name)) throw new InvalidOptionError('workflow name', name, TASK_NAME_RULE);
  const label = `of workflow ${JSON.stringify(name)}`;
  if (!isSchema(input)) {
    throw new InvalidOptionError(
      `input schema ${label}`,
      typeof input,
      'a zod (or other Standard Schema) schema',
    );
  }
  if (
    typeof plan !== 'object' ||
    plan === null ||
    plan.workflow !== name ||
    !Array.isArray(plan.stages) ||
    plan.stages.length === 0 ||
    !Array.isArray(plan.compensations) ||
    typeof plan.fingerprint !== 'string'
  ) {
    throw new InvalidOptionError(
      `plan ${label}`,
      plan,
      `workflowPlan(definition) as JSON: { workflow: ${JSON.stringify(name)}, stages, compensations, fingerprint }`,
    );
  }
  if (lastStage !== undefined && (typeof lastStage !== 'object' || lastStage === null)) {
    throw new InvalidOptionError(
      `lastStage ${label}`,
      lastStage,
      "the last stage's task contracts by step name",
    );
  }
  return Object.freeze({ ...config, kind: 'workflow-contract' as const });
}

/** True for a value made by {@link workflowContract}. */
export function isWorkflowContract(value: unknown): value is AnyWorkflowContract {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'workflow-contract' &&
    typeof (value as { name?: unknown }).name === 'string'
  );
}

/**
 * Throws `INVALID_OPTION` unless `value` is a workflow ({@link isWorkflow}) or a contract
 * ({@link isWorkflowContract}), quoting it (a task or another named thing by its kind and
 * name) and saying what to pass: the check `createWorker({ workflows })` makes, for
 * producers, which also take contracts.
 */
export function assertWorkflowLike(
  value: unknown,
  option: string,
): asserts value is AnyWorkflowLike {
  if (isWorkflow(value) || isWorkflowContract(value)) return;
  const { name, kind } = (typeof value === 'object' && value !== null ? value : {}) as {
    name?: unknown;
    kind?: unknown;
  };
  // A task holds functions and schemas that quote badly: its name (and kind) say what it is.
  const shown = typeof name === 'string' ? { name, ...(kind !== undefined && { kind }) } : value;
  throw new InvalidOptionError(
    option,
    shown,
    "a workflow from defineWorkflow, or a workflowContract (a generated stub's); to run a task, use client.enqueue(task, input)",
  );
}

/** The plan of a definition or a contract: what `transport.workflows.start` stores. */
export function planOf(workflow: AnyWorkflowLike): WorkflowPlan {
  return isWorkflow(workflow) ? workflowPlan(workflow) : workflow.plan;
}

/**
 * The task contracts of the last stage's steps, by step name (for decoding results), or
 * undefined when there are none to decode with.
 */
export function lastStageTasks(
  workflow: AnyWorkflowLike,
): Readonly<Record<string, AnyTaskContract>> | undefined {
  if (!isWorkflow(workflow)) return workflow.lastStage;
  const last = workflow.stages[workflow.stages.length - 1];
  if (last === undefined) return undefined;
  return Object.fromEntries(last.steps.map((step) => [step.name, step.task]));
}

/** Celery-style calls for one workflow: `placeOrder.delay({ … })`. */
export interface WorkflowStub<W extends AnyWorkflowLike> {
  readonly name: W['name'];
  readonly contract: W;
  /** Starts a run of the workflow (validated, stored, first stage enqueued). */
  delay(
    input: WorkflowInputOf<W>,
    options?: StartWorkflowOptions,
  ): Promise<WorkflowHandle<WorkflowResultOf<W>>>;
  /** The same as `delay`: starts a run with per-call options. */
  start(
    input: WorkflowInputOf<W>,
    options?: StartWorkflowOptions,
  ): Promise<WorkflowHandle<WorkflowResultOf<W>>>;
  /** A handle for a run you already have the id of. */
  handle(id: string): WorkflowHandle<WorkflowResultOf<W>>;
}

/**
 * Binds a workflow (a definition or a codegen contract) to a client. Pass a function to
 * resolve the client lazily, at the first call: generated modules do this so that importing
 * them opens no connection.
 *
 * @example
 * const placeOrder = bindWorkflow(() => client, placeOrderContract);
 * const run = await placeOrder.delay({ orderId: 'o-1', items }, { idempotencyKey: 'o-1' });
 * console.log(await run.result({ timeout: 30_000 }));
 */
export function bindWorkflow<W extends AnyWorkflowLike>(
  client: Client | (() => Client),
  workflow: W,
): WorkflowStub<W> {
  const resolve = typeof client === 'function' ? client : () => client;
  const start = (input: WorkflowInputOf<W>, options?: StartWorkflowOptions) =>
    resolve().workflows.start(workflow, input, options);
  return {
    name: workflow.name,
    contract: workflow,
    delay: start,
    start,
    handle: (id) => resolve().workflows.handle(workflow, id),
  };
}
