import { InvalidOptionError } from './errors.js';

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
