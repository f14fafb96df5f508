import type { EnqueueOptions } from './client.js';
import { InvalidOptionError } from './errors.js';
import { assertKnownKeys, type KnownKeys } from './known-keys.js';
import { assertDuration, MAX_EPOCH_MS, resolveRetryPolicy } from './retry-policy.js';
import { isSchema } from './schema.js';
import { type AnyTaskContract, assertPriority, assertQueueOption } from './task.js';

// Checks of per-call options that enqueueing a job and starting a workflow share.

/**
 * A `Date` or epoch ms as epoch ms; anything else, or a time later than a `Date` can hold,
 * is `INVALID_OPTION`, naming `option`.
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
  return ms;
}

/** An idempotency key a producer may pass: a string of 1–256 characters. */
export function assertIdempotencyKey(key: unknown): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > 256) {
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

/** The options of one enqueue call, each checked before anything is sent. */
export function checkCallOptions(call: EnqueueOptions): void {
  if (typeof call !== 'object' || call === null || Array.isArray(call)) {
    throw new InvalidOptionError('options', call, 'an object of enqueue options, or none');
  }
  assertKnownKeys(call, ENQUEUE_OPTION_KEYS, 'enqueue option');
  if (call.queue !== undefined) assertQueueOption(call.queue);
  if (call.priority !== undefined) assertPriority(call.priority);
  if (call.delay !== undefined) assertDuration(call.delay, 'delay');
  if (call.attempts !== undefined) resolveRetryPolicy({ attempts: call.attempts });
  if (call.delay !== undefined && call.eta !== undefined) {
    throw new InvalidOptionError('eta', call.eta, 'either delay or eta, not both');
  }
  if (call.idempotencyKey !== undefined) assertIdempotencyKey(call.idempotencyKey);
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
  if (
    typeof task !== 'object' ||
    task === null ||
    typeof (task as { name?: unknown }).name !== 'string' ||
    !isSchema((task as { input?: unknown }).input)
  ) {
    throw new InvalidOptionError(
      option,
      typeof task === 'object' && task !== null
        ? `task ${String((task as { name?: unknown }).name)}`
        : task,
      'a task from defineTask, or a contract from taskContract or codegen',
    );
  }
}
