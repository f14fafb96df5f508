import { isQueueName, QUEUE_NAME_RULE, queueNameRule } from './envelope.js';
import { InvalidOptionError } from './errors.js';
import { newJobId, newJobUnique } from './ids.js';
import { assertInputPath, INDEX_FIELD_RULE, isIndexField, valueAt } from './input-index.js';
import { assertPartitions, partitionNames, partitionOfKey } from './partitions.js';

/**
 * Which stored queue (partition) a job goes to. Every producer path routes through
 * {@link storedQueueOf}: `client.enqueue`/`enqueueMany` and the stubs, schedules (keyed by
 * the schedule's id) and workflow steps (keyed by workflow and step), so that one rule
 * decides where a job of a partitioned queue lives (docs/partitions.md).
 */

/** A queue as a task or a producer routes to it. */
export interface QueueRoute {
  /** The queue's name (`emails`). */
  readonly queue: string;
  /** How many partitions it has; 1 for a plain queue. */
  readonly partitions: number;
  /** The input field (dot path) whose value picks the partition, when the task names one. */
  readonly partitionBy: string | undefined;
  /** The stored names, in partition order (just `[queue]` for a plain queue). */
  readonly names: readonly string[];
}

/** `createWorker({ partitions })` / `createClient({ partitions })`: queue → partition count. */
export type PartitionCounts = Readonly<Record<string, number>>;

/** The `queue` option of `defineTask` in its long form. */
export interface TaskQueueOptions {
  /** The queue's name. */
  readonly name: string;
  /**
   * Store the queue as this many partitions (1–256), each its own queue (and, on a Redis
   * Cluster, its own hash slot). Producers and workers must agree on it.
   */
  readonly partitions?: number | undefined;
  /**
   * An input field (dot path, e.g. `'customerId'`) whose value picks the partition, so that
   * jobs with the same value keep their order. Without it jobs spread evenly.
   */
  readonly partitionBy?: string | undefined;
}

/** The contract fields a route is read from. */
interface RoutedTask {
  readonly name: string;
  readonly queue?: string | undefined;
  readonly partitions?: number | undefined;
  readonly partitionBy?: string | undefined;
}

const TASK_QUEUE_KEYS = new Set(['name', 'partitions', 'partitionBy']);

/**
 * Reads `defineTask`'s `queue` option (a name, or `{ name, partitions, partitionBy }`) into
 * the contract's fields, checking `partitionBy` against the `input` schema
 * ({@link assertPartitionBy}). Throws {@link InvalidOptionError} quoting the value.
 */
export function taskQueueFields(
  value: unknown,
  label: string,
  input?: unknown,
): { queue?: string; partitions?: number; partitionBy?: string } {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    if (!isQueueName(value))
      throw new InvalidOptionError(`queue of ${label}`, value, queueNameRule(value));
    return { queue: value };
  }
  const options = value as Record<string, unknown>;
  const unknown = Object.keys(options).filter((key) => !TASK_QUEUE_KEYS.has(key));
  if (unknown.length > 0 || !isQueueName(options.name)) {
    throw new InvalidOptionError(
      `queue of ${label}`,
      value,
      `a queue name, or { name, partitions?, partitionBy? } with name ${QUEUE_NAME_RULE}`,
    );
  }
  const fields: { queue: string; partitions?: number; partitionBy?: string } = {
    queue: options.name,
  };
  if (options.partitions !== undefined) {
    assertPartitions(options.partitions, `queue.partitions of ${label}`);
    fields.partitions = options.partitions;
  }
  if (options.partitionBy !== undefined) {
    assertPartitionBy(options.partitionBy, `queue.partitionBy of ${label}`, input);
    fields.partitionBy = options.partitionBy;
  }
  return fields;
}

/**
 * Throws {@link InvalidOptionError} unless `value` is an input field's dot path and, where
 * the `input` schema is a zod object, a path through its fields: a misspelt field would
 * route every job by its id instead, silently losing the order per value
 * ({@link assertInputPath}).
 */
export function assertPartitionBy(
  value: unknown,
  option: string,
  input?: unknown,
): asserts value is string {
  if (!isIndexField(value)) throw new InvalidOptionError(option, value, INDEX_FIELD_RULE);
  assertInputPath(value, option, input);
}

/**
 * Checks a `partitions` option of `createWorker` or `createClient`: queue names to counts
 * from 1 to 256. Returns a frozen copy.
 */
export function checkPartitionCounts(value: unknown, option: string): PartitionCounts {
  if (value === undefined) return Object.freeze({});
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidOptionError(
      option,
      value,
      'an object of queue names to partition counts, e.g. { emails: 8 }',
    );
  }
  const counts: Record<string, number> = {};
  for (const [queue, count] of Object.entries(value)) {
    if (!isQueueName(queue)) {
      throw new InvalidOptionError(`queue name in ${option}`, queue, queueNameRule(queue));
    }
    assertPartitions(count, `${option}.${queue}`);
    counts[queue] = count;
  }
  return Object.freeze(counts);
}

function makeRoute(queue: string, partitions: number, partitionBy: string | undefined): QueueRoute {
  return Object.freeze({
    queue,
    partitions,
    partitionBy,
    names: Object.freeze(partitionNames(queue, partitions)),
  });
}

/**
 * The route of `task`'s jobs on `queue` (default: the task's queue): the partitions the
 * task declares for its own queue, else those `counts` gives the queue, else none. A task
 * and `counts` that disagree throw {@link InvalidOptionError} naming both.
 *
 * @example
 * routeOf(sendEmail, { emails: 8 }).names; // ['emails~0of8', …, 'emails~7of8']
 */
export function routeOf(
  task: RoutedTask,
  counts?: PartitionCounts,
  queue: string = task.queue ?? 'default',
  option = 'partitions',
): QueueRoute {
  const declared = queue === (task.queue ?? 'default') ? task.partitions : undefined;
  const configured =
    counts === undefined ? undefined : Object.hasOwn(counts, queue) ? counts[queue] : undefined;
  if (declared !== undefined && configured !== undefined && declared !== configured) {
    throw new InvalidOptionError(
      `${option}.${queue}`,
      configured,
      `${declared}, as task ${JSON.stringify(task.name)} declares (queue: { name: ${JSON.stringify(queue)}, partitions: ${declared} }): producers and workers must agree on a queue's partitions, so make the two equal or leave the queue out of ${option}`,
    );
  }
  return makeRoute(queue, declared ?? configured ?? 1, task.partitionBy);
}

/**
 * `routeOf` for a producer: each task's route on its own queue worked out (and checked)
 * once, at its first job; a call's other queue each time.
 */
export function taskRouter(
  counts: PartitionCounts,
): (task: RoutedTask, queue: string | undefined) => QueueRoute {
  const routes = new WeakMap<RoutedTask, QueueRoute>();
  return (task, queue) => {
    if (queue !== undefined) return routeOf(task, counts, queue);
    let route = routes.get(task);
    if (route === undefined) {
      route = routeOf(task, counts);
      routes.set(task, route);
    }
    return route;
  };
}

/**
 * A new job's stored queue and id on `route`: `<queue>:<unique>` on a plain queue; on a
 * partitioned one the partition {@link storedQueueOf} picks (the id's unique part last).
 */
export function newRoutedJob(
  route: QueueRoute,
  input: unknown,
  idempotencyKey: string | undefined,
): { queue: string; id: string } {
  if (route.partitions <= 1) return { queue: route.queue, id: newJobId(route.queue) };
  const unique = newJobUnique();
  const queue = storedQueueOf(route, { input, idempotencyKey, key: unique });
  return { queue, id: `${queue}:${unique}` };
}

/** What a job offers to pick its partition by, in order of preference. */
export interface PartitionChoice {
  /** The job's input: its `partitionBy` field's value picks the partition when present. */
  readonly input?: unknown;
  /** Else the call's idempotency key, so that a duplicate lands where the first job did. */
  readonly idempotencyKey?: string | undefined;
  /** Else this key: a new job id's unique part, a schedule's id, a workflow step. */
  readonly key: string;
}

/**
 * The stored queue of one job of `route`: the route's queue when it has one partition;
 * else the partition of the first of: the input's `partitionBy` value (a string, a number
 * or a boolean, as JSON writes it; a Date as its ISO string), the idempotency key, `key`.
 * The same everywhere: {@link partitionOfKey} (FNV-1a) of that text, modulo the count.
 *
 * @example
 * storedQueueOf(routeOf(sendEmail), { input: { customerId: 'c_42' }, key: unique });
 * // 'emails~5of8' for every job of customer c_42
 */
export function storedQueueOf(route: QueueRoute, choice: PartitionChoice): string {
  if (route.partitions <= 1) return route.queue;
  let key: string | undefined;
  if (route.partitionBy !== undefined && choice.input !== undefined) {
    key = partitionKeyOf(valueAt(choice.input, route.partitionBy));
  }
  key ??= choice.idempotencyKey ?? choice.key;
  return route.names[partitionOfKey(key, route.partitions)] as string;
}

function partitionKeyOf(value: unknown): string | undefined {
  let json = value;
  if (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
  ) {
    json = (value as { toJSON(): unknown }).toJSON();
  }
  switch (typeof json) {
    case 'string':
      return json;
    case 'number':
      return Number.isFinite(json) ? JSON.stringify(json) : undefined;
    case 'boolean':
      return JSON.stringify(json);
    default:
      return undefined;
  }
}

/**
 * A workflow step's queue in its definition's plan: keyed by workflow and step name, so that
 * the plan is the same in every process (and in codegen's copy). A run stores its own
 * placement, by its id (`planForRun` in workflow/plan.ts), so that runs spread.
 */
export function stepQueueOf(route: QueueRoute, workflow: string, step: string): string {
  return storedQueueOf(route, { key: `${workflow}/${step}` });
}
