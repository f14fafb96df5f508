import { payloads } from '../payload.js';
import type { Producer } from '../systems/types.js';

/** Bulk calls in flight while filling a queue (filling is set-up, never timed). */
const FILL_IN_FLIGHT = 4;

/** Enqueues `count` jobs through the bulk API, `batch` per call, a few calls at a time. */
export async function fill(
  producer: Producer,
  count: number,
  batch: number,
  dueAt?: number,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const from = next;
      next += batch;
      await producer.addBulk(payloads(Math.min(batch, count - from), from), dueAt);
    }
  };
  await Promise.all(Array.from({ length: FILL_IN_FLIGHT }, lane));
}

/** Says whether the queue holds what it should, when the system can count. */
export async function checkPending(
  producer: Producer,
  expected: number,
): Promise<{ invalid?: string; notes?: string[] }> {
  const pending = await producer.pending();
  if (pending === undefined) {
    return { notes: ['queue count not checked: the transport offers no count'] };
  }
  if (pending === expected) return {};
  return {
    invalid:
      pending < expected
        ? `${expected - pending} jobs missing: ${pending} pending, expected ${expected}`
        : `${pending - expected} jobs too many: ${pending} pending, expected ${expected}`,
  };
}
