import type { Clock } from '../clock.js';
import { type LimitAnswer, SLOT_RETRY_MAX_MS, type TransportLimits } from '../transport-limits.js';

/**
 * Rate limits and concurrency slots kept in this process, on `clock`. Permits are the
 * times they were taken (a sliding window); slots are holders with a lease deadline.
 * Both are swept lazily, on each call for the same key. `createTransport` has checked
 * the arguments and the closed state.
 */
export function createMemoryLimits(clock: Clock): TransportLimits {
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
      const now = clock.now();
      for (const { key, holder } of list) {
        const holders = liveSlots(key, now);
        // An expired slot is not revived: someone else may hold it by now.
        if (holders.has(holder)) holders.set(holder, now + leaseMs);
        forgetIfEmpty(key);
      }
    },

    async freeSlots(list) {
      for (const { key, holder } of list) {
        slots.get(key)?.delete(holder);
        forgetIfEmpty(key);
      }
    },
  };
}
