import type { EnqueueOptions } from './client.js';
import { InvalidOptionError } from './errors.js';
import { assertDuration, resolveRetryPolicy } from './retry-policy.js';
import { assertPriority, assertQueueOption } from './task.js';

// Checks of per-call options that enqueueing a job and starting a workflow share.

/** A `Date` or epoch ms as epoch ms; anything else is `INVALID_OPTION`, naming `option`. */
export function toEpoch(value: Date | number, option: string): number {
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new InvalidOptionError(option, value, 'a Date or epoch milliseconds');
  }
  return ms;
}

/** An idempotency key a producer may pass: a string of 1–256 characters. */
export function assertIdempotencyKey(key: unknown): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > 256) {
    throw new InvalidOptionError('idempotencyKey', key, 'a string of 1–256 characters');
  }
}

/** The options of one enqueue call, each checked before anything is sent. */
export function checkCallOptions(call: EnqueueOptions): void {
  if (typeof call !== 'object' || call === null || Array.isArray(call)) {
    throw new InvalidOptionError('options', call, 'an object of enqueue options, or none');
  }
  if (call.queue !== undefined) assertQueueOption(call.queue);
  if (call.priority !== undefined) assertPriority(call.priority);
  if (call.delay !== undefined) assertDuration(call.delay, 'delay');
  if (call.attempts !== undefined) resolveRetryPolicy({ attempts: call.attempts });
  if (call.delay !== undefined && call.eta !== undefined) {
    throw new InvalidOptionError('eta', call.eta, 'either delay or eta, not both');
  }
  if (call.idempotencyKey !== undefined) assertIdempotencyKey(call.idempotencyKey);
}
