import type { Clock } from '../clock.js';
import { InvalidOptionError } from '../errors.js';
import type { LimitAnswer, TransportLimits } from '../transport-limits.js';

/**
 * How long a denied slot request should wait before asking again, at most. Slots usually
 * free long before their lease runs out (a job ends and frees it), and nothing tells
 * a waiter when that happens, so it asks again after this much at the latest.
 */
export const SLOT_RETRY_MAX_MS = 100;

/**
 * Rate limits and concurrency slots kept in this process, on `clock`. Permits are the
 * times they were taken (a sliding window); slots are holders with a lease deadline.
 * Both are swept lazily, on each call for the same key.
 */
export function createMemoryLimits(options: {
  clock: Clock;
  /** Throws `TransportClosedError` once the transport is closed. */
  assertOpen: () => void;
}): TransportLimits {
  const { clock, assertOpen } = options;
  const permits = new Map<string, number[]>();
  const slots = new Map<string, Map<string, number>>();

  function liveSlots(key: string, now: number): Map<string, number> {
    let holders = slots.get(key);
    if (!holders) {
      holders = new Map();
      slots.set(key, holders);
    }
    for (const [holder, deadline] of holders) if (deadline <= now) holders.delete(holder);
    return holders;
  }

  function forgetIfEmpty(key: string): void {
    if (slots.get(key)?.size === 0) slots.delete(key);
  }

  return {
    async takeRate(key, limit, windowMs) {
      assertOpen();
      checkKey(key);
      checkCount(limit, 'rate limit');
      checkMs(windowMs, 'rate limit window');
      const now = clock.now();
      const taken = (permits.get(key) ?? []).filter((at) => at > now - windowMs);
      let answer: LimitAnswer;
      if (taken.length < limit) {
        taken.push(now);
        answer = { granted: true };
      } else {
        // The oldest permit leaves the window first; one more is free then.
        const oldest = taken[taken.length - limit] as number;
        answer = { granted: false, retryInMs: Math.max(1, oldest + windowMs - now) };
      }
      if (taken.length > 0) permits.set(key, taken);
      else permits.delete(key);
      return answer;
    },

    async acquireSlot(key, cap, holder, leaseMs) {
      assertOpen();
      checkKey(key);
      checkCount(cap, 'concurrency cap');
      checkHolder(holder);
      checkMs(leaseMs, 'slot lease');
      const now = clock.now();
      const holders = liveSlots(key, now);
      if (holders.has(holder) || holders.size < cap) {
        holders.set(holder, now + leaseMs);
        return { granted: true };
      }
      const soonest = Math.min(...holders.values());
      return { granted: false, retryInMs: Math.max(1, Math.min(soonest - now, SLOT_RETRY_MAX_MS)) };
    },

    async renewSlots(list, leaseMs) {
      assertOpen();
      checkMs(leaseMs, 'slot lease');
      for (const { key, holder } of list) {
        checkKey(key);
        checkHolder(holder);
      }
      const now = clock.now();
      for (const { key, holder } of list) {
        const holders = liveSlots(key, now);
        // An expired slot is not revived: someone else may hold it by now.
        if (holders.has(holder)) holders.set(holder, now + leaseMs);
        forgetIfEmpty(key);
      }
    },

    async freeSlots(list) {
      assertOpen();
      for (const { key, holder } of list) {
        checkKey(key);
        checkHolder(holder);
      }
      for (const { key, holder } of list) {
        slots.get(key)?.delete(holder);
        forgetIfEmpty(key);
      }
    },
  };
}

/** Checks a limit key: a non-empty string. */
export function checkKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 512) {
    throw new InvalidOptionError(
      'limit key',
      key,
      'a string of 1–512 characters, e.g. a task name',
    );
  }
}

/** Checks a slot holder (a lease token): a non-empty string. */
export function checkHolder(holder: unknown): asserts holder is string {
  if (typeof holder !== 'string' || holder.length === 0) {
    throw new InvalidOptionError('slot holder', holder, 'a non-empty string (a lease token)');
  }
}

/** Checks a permit count or a cap: an integer, 1 or more. */
export function checkCount(value: unknown, option: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidOptionError(option, value, 'an integer, 1 or more');
  }
}

/** Checks a window or lease length: a finite number of ms, 1 or more. */
export function checkMs(value: unknown, option: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 1) {
    throw new InvalidOptionError(option, value, 'a finite number of ms, 1 or more');
  }
}
