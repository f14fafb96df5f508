import type { EnqueueResult } from '../transport.js';
import { createSchedule } from './schedule.js';

/**
 * Idempotency claims [R5]: a key, scoped to its queue and task, points at the first job
 * that used it until its window ends, with the input fingerprint that job was enqueued
 * with [R5a]. The window is fixed at the first enqueue; duplicates do not extend it. Ended
 * claims are swept in due order so the map does not grow forever.
 */
export interface DedupeClaims {
  /** The claim on `key` for `task` in `queue`, or undefined when the key is free. */
  find(queue: string, task: string, key: string, now: number): DedupeClaim | undefined;
  claim(
    queue: string,
    task: string,
    key: string,
    claim: Omit<DedupeClaim, 'until'>,
    now: number,
    windowMs: number,
  ): void;
  /** Drops claims whose window has ended. */
  sweep(now: number): void;
}

export interface DedupeClaim {
  jobId: string;
  /** The first job's `inputFingerprint`, when its request had one. */
  inputFingerprint: string | undefined;
  until: number;
}

export function createDedupeClaims(): DedupeClaims {
  const claims = new Map<string, DedupeClaim>();
  const expiry = createSchedule<{ key: string; claim: DedupeClaim }>();

  // Queue names cannot contain NUL ([R2]), and the task's length says where it ends, so
  // the joined key is unambiguous whatever the task name and the key hold.
  const keyOf = (queue: string, task: string, key: string): string =>
    `${queue}\u0000${task.length}:${task}\u0000${key}`;

  return {
    find(queue, task, key, now) {
      const claim = claims.get(keyOf(queue, task, key));
      return claim && now < claim.until ? claim : undefined;
    },
    claim(queue, task, key, { jobId, inputFingerprint }, now, windowMs) {
      if (!(windowMs > 0)) return;
      const claim = { jobId, inputFingerprint, until: now + windowMs };
      const fullKey = keyOf(queue, task, key);
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

/** The answer to a duplicate of `claim`: the first job, and its fingerprint when it had one. */
export function duplicateOf(claim: DedupeClaim): EnqueueResult {
  return claim.inputFingerprint === undefined
    ? { id: claim.jobId, duplicate: true }
    : { id: claim.jobId, duplicate: true, inputFingerprint: claim.inputFingerprint };
}
