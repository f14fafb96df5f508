import { createSchedule } from './schedule.js';

/**
 * Idempotency claims [R5]: a key, scoped to its queue, points at the first job that
 * used it until its window ends. The window is fixed at the first enqueue; duplicates do
 * not extend it. Ended claims are swept in due order so the map does not grow forever.
 */
export interface DedupeClaims {
  /** The id of the job holding `key` in `queue`, or undefined when the key is free. */
  find(queue: string, key: string, now: number): string | undefined;
  claim(queue: string, key: string, jobId: string, now: number, windowMs: number): void;
  /** Drops claims whose window has ended. */
  sweep(now: number): void;
}

interface Claim {
  jobId: string;
  until: number;
}

export function createDedupeClaims(): DedupeClaims {
  const claims = new Map<string, Claim>();
  const expiry = createSchedule<{ key: string; claim: Claim }>();

  // Queue names cannot contain NUL ([R2]), so the joined key is unambiguous.
  const keyOf = (queue: string, key: string): string => `${queue}\u0000${key}`;

  return {
    find(queue, key, now) {
      const claim = claims.get(keyOf(queue, key));
      return claim && now < claim.until ? claim.jobId : undefined;
    },
    claim(queue, key, jobId, now, windowMs) {
      if (!(windowMs > 0)) return;
      const claim = { jobId, until: now + windowMs };
      const fullKey = keyOf(queue, key);
      claims.set(fullKey, claim);
      expiry.add({ key: fullKey, claim }, claim.until);
    },
    sweep(now) {
      for (let next = expiry.peek(); next && next.dueAt <= now; next = expiry.peek()) {
        expiry.pop();
        // A newer claim may have replaced this one after it ended; keep the newer one.
        if (claims.get(next.value.key) === next.value.claim) claims.delete(next.value.key);
      }
    },
  };
}
