import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { TaskContext } from './context.js';
import { isQueueName, queueNameRule } from './envelope.js';
import { InvalidOptionError } from './errors.js';
import { assertIndexOption } from './input-index.js';
import { warnIfNotJsonSafe } from './json-boundary.js';
import type { JsonCheck, Jsonify, ResultJsonCheck } from './json-types.js';
import { assertPartitionBy, type TaskQueueOptions, taskQueueFields } from './partition-routing.js';
import { assertPartitions } from './partitions.js';
import { assertDuration, type RetryOptions, resolveRetryPolicy } from './retry-policy.js';
import { type InferSchemaInput, type InferSchemaOutput, isSchema } from './schema.js';
import { assertTaskKeys } from './task-keys.js';
import {
  checkRunOptions,
  resolveTimeLimits,
  type TaskRunOptions,
  type TimeLimitOptions,
} from './task-run-options.js';

export type { RateLimitOptions, TaskRunOptions, TimeLimitOptions } from './task-run-options.js';

/** Lowest and highest job priority; higher runs first. */
export const MIN_PRIORITY = 0;
export const MAX_PRIORITY = 9;
/** Priority of a job that sets none. */
export const DEFAULT_PRIORITY = 5;
/** Queue of a task that names none. */
export const DEFAULT_QUEUE = 'default';

/**
 * What producers need to know about a task: its name, input schema and routing.
 * Generated clients hold contracts only, never `run`, so they import no task code.
 * `TResult` is a type-only brand carrying the result type.
 */
export interface TaskContract<
  TName extends string = string,
  TInput extends StandardSchemaV1 = StandardSchemaV1,
  TResult = unknown,
> {
  readonly name: TName;
  readonly input: TInput;
  readonly output?: StandardSchemaV1 | undefined;
  /** The queue's name (for a partitioned queue, the name its partitions share). */
  readonly queue?: string | undefined;
  /** How many partitions the queue is stored as (docs/partitions.md); 1 or absent: one. */
  readonly partitions?: number | undefined;
  /** The input field (dot path) whose value picks a job's partition. */
  readonly partitionBy?: string | undefined;
  readonly priority?: number | undefined;
  readonly retry?: RetryOptions | undefined;
  /** How long the job's record and result are kept once it ends, in ms. */
  readonly resultTtl?: number | undefined;
  /** Fingerprint of the input schema, set by codegen. */
  readonly fingerprint?: string | undefined;
  /**
   * Input fields (dot paths) the dashboard can search jobs by; see `index` of `defineTask`.
   */
  readonly index?: readonly string[] | undefined;
  /** Type-level only. Never set at run time. */
  readonly '~result'?: TResult;
  /**
   * Never set on a task: a workflow (`kind: 'workflow'`) has a name and an input schema too,
   * and this keeps one from type-checking where a task goes (enqueue, bind, defineSchedule).
   */
  readonly kind?: undefined;
}

/**
 * A task a worker can run: a contract plus `run`. `TResult` is what a result reader gets
 * (after JSON); `TReturn` is what `run` itself returns.
 */
export interface TaskDefinition<
  TName extends string = string,
  TInput extends StandardSchemaV1 = StandardSchemaV1,
  TResult = unknown,
  TReturn = TResult,
> extends TaskContract<TName, TInput, TResult>,
    TaskRunOptions {
  readonly timeout?: TimeLimitOptions | undefined;
  run(input: InferSchemaOutput<TInput>, ctx: TaskContext): TReturn | Promise<TReturn>;
}

// biome-ignore lint/suspicious/noExplicitAny: the widest contract, for constraints.
export type AnyTaskContract = TaskContract<string, any, any>;
// biome-ignore lint/suspicious/noExplicitAny: the widest task, for registries.
export type AnyTaskDefinition = TaskDefinition<string, any, any, any>;

/**
 * What a producer passes for task `T`. For {@link AnyTaskContract} (a task of any schema)
 * it is `unknown`, not the `any` its schema parameter holds, so code generic over every
 * task cannot hand the input on unchecked.
 */
export type TaskInput<T extends AnyTaskContract> = UnknownIfAny<InferSchemaInput<T['input']>>;

type UnknownIfAny<T> = 0 extends 1 & T ? unknown : T;
/**
 * What `handle.result()` resolves to for task `T`: the output schema's output when the
 * task has one (results are decoded with it on read), otherwise the JSON form of what
 * `run` returns ({@link Jsonify}: a `Date` arrives as a string). `unknown` for
 * {@link AnyTaskContract}, as {@link TaskInput} is.
 */
export type TaskResult<T extends AnyTaskContract> = UnknownIfAny<
  T extends TaskContract<string, StandardSchemaV1, infer R> ? R : never
>;

interface TaskConfigBase<TName extends string, TInput extends StandardSchemaV1>
  extends TaskRunOptions {
  /** Unique, stable name, e.g. `shop.sendOrderConfirmation`. Jobs refer to it. */
  name: TName;
  /** Schema of the input. Producers and the worker both validate with it. */
  input: TInput;
  /**
   * Queue the task's jobs go to (default `"default"`), or `{ name, partitions, partitionBy }`
   * to store it as several partitions (docs/partitions.md): `{ name: 'emails', partitions: 8,
   * partitionBy: 'customerId' }`.
   */
  queue?: string | TaskQueueOptions;
  /** 0–9, higher first (default 5). */
  priority?: number;
  retry?: RetryOptions;
  timeout?: TimeLimitOptions;
  resultTtl?: number;
  /**
   * Input fields, as dot paths (`'customerId'`, `'customer.email'`), that operators can find
   * jobs by in the dashboard. At most 4; each job's string, number or boolean value at the
   * path is indexed (values over 128 characters, and other kinds of value, are not).
   * A path the input schema (a zod object) has no field for is refused, as for `partitionBy`.
   * Costs one sorted-set write per field per enqueue. Don't index secrets (a field ending in password, secret, token, apiKey or authorization is refused).
   */
  index?: readonly InputPath<InferSchemaInput<TInput>>[];
}

/**
 * The dot paths into an input type (`'email'`, `'customer.id'`), for `index`: a misspelt
 * field is a compile error. Any string where the type cannot tell (a record, `unknown`, past
 * 4 levels).
 */
type InputPath<T, Depth extends unknown[] = []> = Depth['length'] extends 4
  ? string
  : unknown extends T
    ? string
    : T extends readonly unknown[] | Date
      ? never
      : T extends object
        ? string extends keyof T
          ? string
          : {
              [K in keyof T & string]:
                | K
                | (NonNullable<T[K]> extends object
                    ? `${K}.${InputPath<NonNullable<T[K]>, [...Depth, 1]>}`
                    : never);
            }[keyof T & string]
        : never;

/**
 * Defines a task. Types flow from the schemas: producers must pass the schema's input
 * type, `run` receives its output type, and results are typed from `output` or from `run`.
 *
 * Jobs travel as JSON, and the compiler holds the task to that: an input schema or a
 * result that cannot cross JSON (a `Set`, a `Map`, a `bigint`, a function) is a compile
 * error naming the path and the fix. A `Date` input crosses as an ISO string and arrives
 * as a `Date` where the schema says `z.date()`; a `Date` in a result without an output
 * schema arrives as a string, and the result type says so.
 *
 * @example
 * export const sendWelcomeEmail = defineTask({
 *   name: 'shop.sendWelcomeEmail',
 *   input: z.object({ email: z.email(), name: z.string() }),
 *   queue: 'emails',
 *   retry: { attempts: 5, backoff: { type: 'exponential', delay: 2_000 } },
 *   async run({ email, name }, ctx) {
 *     await mailer.send({ to: email, subject: `Welcome, ${name}!` });
 *     return { sent: true };
 *   },
 * });
 */
export function defineTask<
  const TName extends string,
  TInput extends StandardSchemaV1,
  TOutput extends StandardSchemaV1,
>(
  config: TaskConfigBase<TName, TInput> & {
    output: TOutput;
    run(
      input: InferSchemaOutput<TInput>,
      ctx: TaskContext,
    ): InferSchemaInput<TOutput> | Promise<InferSchemaInput<TOutput>>;
  } & JsonCheck<InferSchemaInput<TInput>, 'input'> &
    JsonCheck<InferSchemaInput<TOutput>, 'output'>,
): TaskDefinition<TName, TInput, InferSchemaOutput<TOutput>, InferSchemaInput<TOutput>>;
export function defineTask<const TName extends string, TInput extends StandardSchemaV1, TReturn>(
  config: TaskConfigBase<TName, TInput> & {
    output?: undefined;
    run(input: InferSchemaOutput<TInput>, ctx: TaskContext): TReturn;
  } & JsonCheck<InferSchemaInput<TInput>, 'input'> &
    ResultJsonCheck<Awaited<TReturn>>,
): TaskDefinition<TName, TInput, Jsonify<Awaited<TReturn>>, Awaited<TReturn>>;
export function defineTask(
  config: TaskConfigBase<string, StandardSchemaV1> & {
    output?: StandardSchemaV1;
    run: (input: unknown, ctx: TaskContext) => unknown;
  },
): AnyTaskDefinition {
  if (typeof config === 'object' && config !== null) assertTaskKeys(config, 'task');
  const queueFields = taskQueueFields(
    config.queue,
    `task ${JSON.stringify(config.name)}`,
    config.input,
  );
  const { queue: _queue, ...rest } = config;
  const normalized = { ...rest, ...queueFields };
  checkContract(normalized);
  if (typeof config.run !== 'function') {
    throw new InvalidOptionError(
      `run of task ${JSON.stringify(config.name)}`,
      config.run,
      config.run === undefined
        ? "a function (the task's work: async run(input, ctx) { … }), or taskContract() for a task that other code runs"
        : 'a function',
    );
  }
  resolveTimeLimits(config.timeout, config.name);
  checkRunOptions(config, config.name);
  warnIfNotJsonSafe(config.name, 'input', config.input);
  if (config.output !== undefined) warnIfNotJsonSafe(config.name, 'output', config.output);
  return Object.freeze(normalized) as AnyTaskDefinition;
}

/**
 * A contract without `run`, for producers that must not import task code. Codegen
 * writes these; write one by hand when a producer lives outside the codegen's reach. Its
 * input schema is held to JSON as `defineTask`'s is. (`TResult` is not: with an output
 * schema it is what the schema decodes to, a `bigint` from a codec say.) `queue` takes
 * `defineTask`'s forms, `'emails'` or `{ name, partitions, partitionBy }`; the contract
 * holds them as `queue`, `partitions` and `partitionBy`.
 */
export function taskContract<
  const TName extends string,
  TInput extends StandardSchemaV1,
  TResult = unknown,
>(
  config: Omit<TaskContract<TName, TInput, TResult>, '~result' | 'queue'> & {
    readonly queue?: string | TaskQueueOptions | undefined;
  } & JsonCheck<InferSchemaInput<TInput>, 'input'>,
): TaskContract<TName, TInput, TResult> {
  if (typeof config === 'object' && config !== null) assertTaskKeys(config, 'contract');
  const { queue } = config;
  if (typeof queue !== 'object' || queue === null) {
    checkContract(config as Omit<TaskContract, '~result'>);
    return Object.freeze({ ...config }) as TaskContract<TName, TInput, TResult>;
  }
  const label = `task ${JSON.stringify(config.name)}`;
  if (config.partitions !== undefined || config.partitionBy !== undefined) {
    throw new InvalidOptionError(
      `partitions of ${label}`,
      { queue, partitions: config.partitions, partitionBy: config.partitionBy },
      'partitions and partitionBy in one place: inside `queue: { name, partitions, partitionBy }`, or beside `queue: "<name>"`',
    );
  }
  const normalized = { ...config, ...taskQueueFields(queue, label, config.input) };
  checkContract(normalized);
  return Object.freeze(normalized) as TaskContract<TName, TInput, TResult>;
}

const TASK_NAME = /^[A-Za-z0-9_.:/-]{1,128}$/;
/** The task name rule, for messages; workflow names follow it too. */
export const TASK_NAME_RULE = '1–128 characters from A–Z, a–z, 0–9, "_", ".", ":", "/" and "-"';

/** True when `name` follows {@link TASK_NAME_RULE}. */
export function isTaskName(name: unknown): name is string {
  return typeof name === 'string' && TASK_NAME.test(name);
}

function checkContract(config: Omit<TaskContract, '~result'>): void {
  if (!isTaskName(config.name)) {
    throw new InvalidOptionError('task name', config.name, TASK_NAME_RULE);
  }
  const label = `task ${JSON.stringify(config.name)}`;
  if (!isSchema(config.input)) {
    // Left out, `(missing)`; else its type (a schema's value is no help quoted).
    throw new InvalidOptionError(
      `input schema of ${label}`,
      config.input === undefined ? undefined : typeof config.input,
      'a zod (or other Standard Schema) schema, e.g. input: z.object({ … })',
    );
  }
  if (config.output !== undefined && !isSchema(config.output)) {
    throw new InvalidOptionError(
      `output schema of ${label}`,
      typeof config.output,
      'a zod (or other Standard Schema) schema',
    );
  }
  if (config.queue !== undefined) assertQueueOption(config.queue, `queue of ${label}`);
  if (config.partitions !== undefined)
    assertPartitions(config.partitions, `partitions of ${label}`);
  if (config.partitionBy !== undefined) {
    assertPartitionBy(config.partitionBy, `partitionBy of ${label}`, config.input);
  }
  if (config.priority !== undefined) assertPriority(config.priority, `priority of ${label}`);
  if (config.resultTtl !== undefined) {
    assertDuration(config.resultTtl, `resultTtl of ${label}`);
    // Kept for 0 ms, a result reached a waiting result() on one transport and not another.
    if (config.resultTtl === 0) {
      throw new InvalidOptionError(
        `resultTtl of ${label}`,
        0,
        'a duration in ms, more than 0: a result kept for 0 ms cannot be read',
      );
    }
  }
  if (config.index !== undefined)
    assertIndexOption(config.index, `index of ${label}`, config.input);
  resolveRetryPolicy(config.retry, label);
}

/**
 * Throws {@link InvalidOptionError} unless `value` is a valid queue name. (A bad queue
 * in a task or call is an option error, not an `INVALID_ENVELOPE` from a broker.)
 */
export function assertQueueOption(value: unknown, option = 'queue'): asserts value is string {
  if (!isQueueName(value)) throw new InvalidOptionError(option, value, queueNameRule(value));
}

/** Throws unless `value` is an integer from 0 to 9. */
export function assertPriority(value: unknown, option = 'priority'): asserts value is number {
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < MIN_PRIORITY ||
    value > MAX_PRIORITY
  ) {
    throw new InvalidOptionError(
      option,
      value,
      `an integer from ${MIN_PRIORITY} (lowest) to ${MAX_PRIORITY} (highest)`,
    );
  }
}
