import type { StandardSchemaV1 } from '@standard-schema/spec';
import { InvalidOptionError } from '../errors.js';
import type { JsonCheck } from '../json-types.js';
import { assertKnownKeys, type KnownKeys } from '../known-keys.js';
import { type InferSchemaInput, type InferSchemaOutput, isSchema } from '../schema.js';
import { isTaskName, TASK_NAME_RULE } from '../task.js';
import { draftOf, emptyFlow } from './flow.js';
import type { AnyFlow, CompensationsDeclared, Flow, FlowResult } from './flow-types.js';
import { checkedStages, type WorkflowStage, type WorkflowStep } from './stages.js';

/**
 * A checked, frozen workflow: its stages in order and its compensations. `kind:
 * 'workflow'` lets task modules, `conveyor worker --tasks` and codegen find it.
 * `TResult` is a type-only brand carrying the last stage's result (in JSON form).
 */
export interface WorkflowDefinition<
  TName extends string = string,
  TInput extends StandardSchemaV1 = StandardSchemaV1,
  TResult = unknown,
> {
  readonly kind: 'workflow';
  readonly name: TName;
  /** Schema of the workflow's input: producers pass its input type, mappings get its output. */
  readonly input: TInput;
  readonly stages: readonly WorkflowStage[];
  readonly compensations: readonly WorkflowStep[];
  /**
   * Fingerprint of the input schema, set by codegen's worker registry (on a copy), as task
   * definitions carry theirs: a worker compares it with the one a run was started with.
   */
  readonly fingerprint?: string | undefined;
  /** Type-level only. Never set at run time. */
  readonly '~result'?: TResult;
}

// biome-ignore lint/suspicious/noExplicitAny: the widest workflow, for lists of them.
export type AnyWorkflow = WorkflowDefinition<string, any, any>;

/** What a producer passes to start workflow `W`. */
export type WorkflowInput<W extends AnyWorkflow> = InferSchemaInput<W['input']>;

/** What workflow `W` ends with: its last stage's result, as a result reader gets it. */
export type WorkflowResult<W extends AnyWorkflow> =
  W extends WorkflowDefinition<string, StandardSchemaV1, infer R> ? R : never;

/** What `defineWorkflow` takes. */
export interface WorkflowConfig<TName extends string, TInput extends StandardSchemaV1, TFlow> {
  /** Unique, stable name, by the task name rule, e.g. `shop.placeOrder`. */
  name: TName;
  /** Schema of the workflow's input, what producers pass to start it. */
  input: TInput;
  /**
   * The stages, in order, then the compensations. Mappings (`input`, `items`) run in
   * the worker that runs the step; they are never sent over the wire.
   */
  steps: (
    flow: Flow<InferSchemaOutput<TInput>, InferSchemaOutput<TInput>, 'the workflow input'>,
  ) => TFlow;
}

const WORKFLOW_KEYS = {
  name: true,
  input: true,
  steps: true,
} as const satisfies KnownKeys<WorkflowConfig<string, StandardSchemaV1, unknown>>;

/**
 * Defines a workflow: tasks run as one unit, in stages. Each stage receives what the stage
 * before it produced (the first, the workflow's input), in the form a result reader gets
 * it. A step whose input does not fit what flows in is a compile error naming both steps;
 * so is a mapping that returns the wrong shape, and an `onFailure` naming a compensation
 * that is not declared. The definition is checked here, so a bad one fails at import.
 *
 * @example
 * export const placeOrder = defineWorkflow({
 *   name: 'shop.placeOrder',
 *   input: PlaceOrderInput,
 *   steps: (flow) =>
 *     flow
 *       .step('reserve', updateInventory, {
 *         input: (_, order) => ({ orderId: order.orderId, items: order.items }),
 *         onFailure: { compensate: 'reject' },
 *       })
 *       .parallel({
 *         ship: { task: notifyWarehouse, input: (_, order) => ({ orderId: order.orderId }) },
 *         confirm: { task: sendOrderConfirmation, input: (_, order) => ({ orderId: order.orderId }) },
 *       })
 *       .step('fulfil', markOrderFulfilled, {
 *         input: ({ ship }, order) => ({ orderId: order.orderId, shipmentId: ship.shipmentId }),
 *       })
 *       .compensation('reject', rejectOrder, {
 *         input: (failure, order) => ({ orderId: order.orderId, reason: failure.message }),
 *       }),
 * });
 */
export function defineWorkflow<
  const TName extends string,
  TInput extends StandardSchemaV1,
  TFlow extends AnyFlow,
>(
  config: WorkflowConfig<TName, TInput, TFlow> &
    CompensationsDeclared<TFlow> &
    JsonCheck<InferSchemaInput<TInput>, 'input'>,
): WorkflowDefinition<TName, TInput, FlowResult<TFlow>> {
  if (typeof config !== 'object' || config === null) {
    throw new InvalidOptionError('workflow', config, 'an object with name, input and steps');
  }
  const { name, input, steps } = config as WorkflowConfig<string, StandardSchemaV1, unknown>;
  // Workflow names follow the task name rule.
  if (!isTaskName(name)) {
    throw new InvalidOptionError('workflow name', name, TASK_NAME_RULE);
  }
  assertKnownKeys(config, WORKFLOW_KEYS, `workflow ${JSON.stringify(name)} option`);
  const label = `of workflow ${JSON.stringify(name)}`;
  if (!isSchema(input)) {
    throw new InvalidOptionError(
      `input schema ${label}`,
      typeof input,
      'a zod (or other Standard Schema) schema',
    );
  }
  if (typeof steps !== 'function') {
    throw new InvalidOptionError(
      `steps ${label}`,
      steps,
      'a function (flow) => flow.step(…)…, returning the flow it built',
    );
  }
  const built = steps(emptyFlow() as never);
  const draft = draftOf(built);
  if (draft === undefined) {
    throw new InvalidOptionError(
      `steps ${label}`,
      built === undefined ? 'a function returning undefined' : 'a function returning no flow',
      'a function returning the flow it built, e.g. (flow) => flow.step(…).step(…)',
    );
  }
  const { stages, compensations } = checkedStages(draft, name);
  const definition: WorkflowDefinition<TName, TInput, FlowResult<TFlow>> = {
    kind: 'workflow',
    name: name as TName,
    input: input as TInput,
    stages,
    compensations,
  };
  return Object.freeze(definition);
}

/** True for a value made by {@link defineWorkflow}: what module scanning collects. */
export function isWorkflow(value: unknown): value is AnyWorkflow {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'workflow' &&
    typeof (value as { name?: unknown }).name === 'string' &&
    Array.isArray((value as { stages?: unknown }).stages)
  );
}
