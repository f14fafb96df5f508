import { InvalidOptionError } from './errors.js';
import { assertKnownKeys, type KnownKeys } from './known-keys.js';
import type { QueueRoute } from './partition-routing.js';
import { assertAttempts, assertDuration, MAX_EPOCH_MS, retryAttempts } from './retry-policy.js';
import { isSchema } from './schema.js';
import {
  type AnyTaskContract,
  assertPriority,
  assertQueueOption,
  DEFAULT_PRIORITY,
} from './task.js';

// Per-call options of an enqueue, and the checks that enqueueing a job and starting a
// workflow share.

/** What every enqueue call may set; `delay` and `eta` below, one or the other. */
interface EnqueueCallOptions {
  /** 0–9, higher first. */
  priority?: number | undefined;
  queue?: string | undefined;
  /** Total runs allowed, overriding the task's retry policy. */
  attempts?: number | undefined;
  /**
   * A second enqueue of the same task with the same key (same queue, within the dedupe
   * window) returns the first job and adds nothing. Another task's job with the same key
   * is a job of its own. Sent again with a different input, the key still returns the
   * first job, with a warning naming both input fingerprints (or an error with
   * `createClient({ idempotency: 'strict' })`).
   */
  idempotencyKey?: string | undefined;
  /** Drop the job if it has not started by then (Celery's expires). */
  expiresAt?: Date | number | undefined;
}

/**
 * Per-call options; they override the task's own settings. `delay` and `eta` exclude each
 * other, in the types as at run time. Each may be `undefined`, as if left out (for
 * `exactOptionalPropertyTypes`).
 */
export type EnqueueOptions = EnqueueCallOptions &
  (
    | {
        /** Run no earlier than this many ms from now (Celery's countdown). */
        delay?: number | undefined;
        eta?: undefined;
      }
    | {
        delay?: undefined;
        /** Run no earlier than this time (Celery's eta). */
        eta?: Date | number | undefined;
      }
  );

/** `T` without `key`, each member of a union on its own (so `delay`/`eta` stay exclusive). */
type Without<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * Options of `enqueueMany`: those of one enqueue, shared by every job of the call, except
 * that `idempotencyKey` may be a function giving each input its own key (BullMQ's `addBulk`
 * takes a `jobId` per job). One string would key every job alike, so that all but the first
 * would come back as duplicates of it.
 *
 * @example
 * await client.enqueueMany(sendAnnouncement, inputs, {
 *   idempotencyKey: (input) => `launch-2026:${input.userId}`,
 * });
 */
export type EnqueueManyOptions<TInput = unknown> = Without<EnqueueOptions, 'idempotencyKey'> & {
  /** A key for each job from its input and index (1–256 characters each), or one for all. */
  idempotencyKey?: string | ((input: TInput, index: number) => string) | undefined;
};

/**
 * Epoch ms before this (2001-09-09) are taken for a mistake: a duration (`eta: 60_000`) or
 * seconds (`deadline: Date.now() / 1000`) where a time was asked for. Such a time is in
 * the past, so the job would run at once, expire unrun or time out, with nothing said.
 */
export const MIN_EPOCH_MS = 1e12;

/** What to pass instead, per option, when a number reads as a duration or seconds. */
const INSTEAD: Record<string, string> = {
  eta: 'For a time from now, pass delay (ms) instead',
  deadline: 'For a time from now, pass timeoutMs instead',
};

/**
 * A `Date` or epoch ms as epoch ms; anything else, a time later than a `Date` can hold, or a
 * number before {@link MIN_EPOCH_MS}, is `INVALID_OPTION`, naming `option`.
 */
export function toEpoch(value: Date | number, option: string): number {
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms > MAX_EPOCH_MS) {
    throw new InvalidOptionError(
      option,
      value,
      `a Date or epoch milliseconds, no later than ${MAX_EPOCH_MS.toLocaleString('en-US')} (the latest time a Date holds)`,
    );
  }
  if (typeof value === 'number' && ms < MIN_EPOCH_MS) {
    throw new InvalidOptionError(
      option,
      value,
      `a time: a Date or epoch milliseconds (Date.now() + ms); ${value} is ${new Date(ms).toISOString()}, so it reads as a duration or as seconds. ${INSTEAD[option] ?? 'For a time from now, pass Date.now() + ms'}`,
    );
  }
  return ms;
}

/**
 * The call's `expiresAt` as epoch ms, refused when the job could never run: a time already
 * past, or one before the job's own start (`delay` from now, or `eta`); taken as it is with an
 * `idempotencyKey`. The transport would
 * store it and expire it unrun, and `result()` would say only that it expired. A producer that
 * means "only if still in time" checks the time before it enqueues.
 */
export function expiryOf(
  call: EnqueueOptions | EnqueueManyOptions,
  runAt: number | undefined,
): number | undefined {
  if (call.expiresAt === undefined) return undefined;
  const at = toEpoch(call.expiresAt, 'expiresAt');
  // A keyed call may be the resend of one whose reply was lost, with its options as they were:
  // the key finds the stored job, whatever the time now (the Redis error's advice).
  if (call.idempotencyKey !== undefined) return at;
  const now = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString();
  const before = (ms: number) => `${ms.toLocaleString('en-US')} ms before`;
  if (at <= now) {
    throw new InvalidOptionError(
      'expiresAt',
      call.expiresAt,
      `a time in the future: ${iso(at)} is ${before(now - at)} now (${iso(now)}), so the job would expire without running. Pass a later time, or skip the enqueue once its time has passed`,
    );
  }
  const start = runAt ?? (call.delay === undefined ? undefined : now + call.delay);
  if (start !== undefined && at <= start) {
    const from = runAt === undefined ? `its delay of ${call.delay} ms` : `its eta`;
    throw new InvalidOptionError(
      'expiresAt',
      call.expiresAt,
      `a time after the job's start: ${from} makes it due at ${iso(start)}, and ${iso(at)} is ${before(start - at)} that, so the job would expire without running. Pass a later expiresAt, or an earlier start`,
    );
  }
  return at;
}

/** What every job of one enqueue call shares. */
export interface CallParts {
  route: QueueRoute;
  maxAttempts: number;
  priority: number;
  expiresAt: number | undefined;
  delayMs: number | undefined;
  runAt: number | undefined;
}

/** The parts of a call of `task` routed to `route`, its times checked. */
export function callPartsOf(
  task: AnyTaskContract,
  call: EnqueueOptions | EnqueueManyOptions,
  route: QueueRoute,
): CallParts {
  const runAt =
    call.delay === undefined && call.eta !== undefined ? toEpoch(call.eta, 'eta') : undefined;
  return {
    route,
    maxAttempts: call.attempts ?? retryAttempts(task.retry),
    priority: call.priority ?? task.priority ?? DEFAULT_PRIORITY,
    expiresAt: expiryOf(call, runAt),
    delayMs: call.delay,
    runAt,
  };
}

/** Whether `key` is an idempotency key a producer may pass: a string of 1–256 characters. */
function isIdempotencyKey(key: unknown): key is string {
  return typeof key === 'string' && key.length > 0 && key.length <= 256;
}

/** An idempotency key a producer may pass: a string of 1–256 characters. */
export function assertIdempotencyKey(key: unknown): void {
  if (!isIdempotencyKey(key)) {
    throw new InvalidOptionError('idempotencyKey', key, 'a string of 1–256 characters');
  }
}

const ENQUEUE_OPTION_KEYS = {
  delay: true,
  eta: true,
  priority: true,
  queue: true,
  attempts: true,
  idempotencyKey: true,
  expiresAt: true,
} as const satisfies KnownKeys<EnqueueOptions>;

/**
 * The options of one enqueue call, each checked before anything is sent. `enqueueMany`'s
 * `idempotencyKey` may be a function (`many`), whose keys are checked input by input.
 */
export function checkCallOptions(call: EnqueueOptions | EnqueueManyOptions, many = false): void {
  if (typeof call !== 'object' || call === null || Array.isArray(call)) {
    throw new InvalidOptionError('options', call, 'an object of enqueue options, or none');
  }
  assertKnownKeys(call, ENQUEUE_OPTION_KEYS, 'enqueue option');
  if (call.queue !== undefined) assertQueueOption(call.queue);
  if (call.priority !== undefined) assertPriority(call.priority);
  if (call.delay !== undefined) assertDuration(call.delay, 'delay');
  // Named as the caller wrote it: `retry.attempts` named an option of defineTask instead.
  if (call.attempts !== undefined) assertAttempts(call.attempts, 'attempts');
  // The types refuse both; JavaScript and casts do not.
  const { eta } = call as { eta?: unknown };
  if (call.delay !== undefined && eta !== undefined) {
    throw new InvalidOptionError('eta', eta, 'either delay or eta, not both');
  }
  if (typeof call.idempotencyKey === 'function') {
    // JavaScript, or a cast: a key per input is enqueueMany's.
    if (!many) {
      throw new InvalidOptionError(
        'idempotencyKey',
        call.idempotencyKey,
        'a string of 1–256 characters (a function making one key per input is for enqueueMany)',
      );
    }
  } else if (call.idempotencyKey !== undefined) {
    assertIdempotencyKey(call.idempotencyKey);
  }
}

/**
 * The key of `inputs[index]` in a call whose `idempotencyKey` may be a function (refused with
 * `INVALID_OPTION` when it returns no key of 1–256 characters).
 */
export function idempotencyKeyOf(
  call: EnqueueOptions | EnqueueManyOptions,
  input: unknown,
  index: number,
): string | undefined {
  const key = call.idempotencyKey;
  if (typeof key !== 'function') return key;
  let made: unknown;
  try {
    made = key(input, index);
  } catch (error) {
    throw new InvalidOptionError(
      'idempotencyKey',
      key,
      `a key for every input, but the function threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)} for this one`,
      { cause: error },
    );
  }
  if (!isIdempotencyKey(made)) {
    const promise = typeof (made as { then?: unknown } | null)?.then === 'function';
    throw new InvalidOptionError(
      'idempotencyKey',
      promise ? '[a promise]' : made,
      promise
        ? 'a string of 1–256 characters from the idempotencyKey function, returned at once: it may not be async'
        : 'a string of 1–256 characters from the idempotencyKey function',
    );
  }
  return made;
}

/**
 * The task an enqueue, a stub or a schedule names: a task definition or contract. A workflow
 * has a name and an input schema too, and was taken for a task: its jobs, named after the
 * workflow, waited in the default queue for a worker that never came.
 */
export function assertTask(task: unknown, option: string): asserts task is AnyTaskContract {
  const kind =
    typeof task === 'object' && task !== null ? (task as { kind?: unknown }).kind : undefined;
  if (kind === 'workflow' || kind === 'workflow-contract') {
    const name = (task as { name?: unknown }).name;
    throw new InvalidOptionError(
      option,
      `workflow ${String(name)}`,
      `a task; a workflow starts with client.workflows.start(workflow, input), and a schedule cannot start one (schedule a task whose run starts it)`,
    );
  }
  if (!isTaskLike(task))
    throw notATaskError(
      option,
      task,
      'a task from defineTask, or a contract from taskContract or codegen',
    );
}

/** Whether `value` has what a task definition or contract has: a name and an input schema. */
export function isTaskLike(value: unknown): value is AnyTaskContract {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { name?: unknown }).name === 'string' &&
    isSchema((value as { input?: unknown }).input)
  );
}

/**
 * The error for `value` given where a task was expected (`expected` says what is). A stub,
 * codegen's `sendReceipt` or `bindTask`'s, is the likely mistake: it carries the task's name
 * but not its schema, and the contract it wraps is what was wanted, so the message says where
 * that is (and, for an enqueue, that the stub enqueues by itself).
 */
export function notATaskError(
  option: string,
  value: unknown,
  expected: string,
): InvalidOptionError {
  if (typeof value !== 'object' || value === null) {
    return new InvalidOptionError(option, value, expected);
  }
  const { name, contract, delay } = value as {
    name?: unknown;
    contract?: unknown;
    delay?: unknown;
  };
  if (isTaskLike(contract) && typeof delay === 'function') {
    const enqueue =
      option === 'task' ? "call the stub's own .delay(input) or .enqueue(input, options), or " : '';
    return new InvalidOptionError(
      option,
      `stub of ${contract.name}`,
      `a task or a task contract, not a stub bound to a client: ${enqueue}pass the stub's .contract (codegen also exports it on its own, as the stub's name followed by Contract, e.g. sendReceiptContract for sendReceipt)`,
    );
  }
  return new InvalidOptionError(option, `task ${String(name)}`, expected);
}
