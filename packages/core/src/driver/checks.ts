import { assertQueueName } from '../envelope.js';
import { InvalidEnvelopeError, InvalidOptionError } from '../errors.js';
import { isJobIdOf } from '../ids.js';
import { assertEnqueueSize } from '../payload-size.js';
import { MAX_DURATION_MS, MAX_EPOCH_MS } from '../retry-policy.js';
import type { EnqueueRequest, Settlement } from '../transport.js';
import { checkIndexEntries } from './admin-checks.js';

// The argument checks `createTransport` makes before a driver sees a call: one copy of
// each, so that every transport refuses the same input with the same coded error.

/** What a transport stores before the id in an idempotency claim [R5a]. */
const FINGERPRINT = /^\S{1,64}$/;

/** Dead jobs a `listDead` page holds when the caller names no limit [R22]. */
export const DEFAULT_DEAD_PAGE_LIMIT = 100;

/**
 * Checks every request of an `enqueue` call before any is stored, in one loop: the queue
 * name [R2], the id's queue prefix [R1], priority, maxAttempts, the delay and run time, the
 * input fingerprint [R5a], the index entries [A11] and the payload cap [R3b].
 */
export function checkEnqueueRequests(
  requests: readonly EnqueueRequest[],
  maxPayloadBytes: number,
  setting?: string,
): void {
  let checkedQueue = '';
  for (let index = 0; index < requests.length; index++) {
    const request = requests[index] as EnqueueRequest;
    const { envelope, inputFingerprint, index: entries } = request;
    const { queue, id, priority, maxAttempts } = envelope;
    // A batch's requests usually share their queue: its name is checked once.
    if (queue !== checkedQueue) {
      assertQueueName(queue);
      checkedQueue = queue;
    }
    if (!isJobIdOf(id, queue)) {
      throw new InvalidEnvelopeError(
        `Job id ${JSON.stringify(id)} does not start with its queue "${queue}:"; ids are <queue>:<unique> (see newJobId).`,
      );
    }
    if (!Number.isInteger(priority) || priority < 0 || priority > 9) {
      throw new InvalidEnvelopeError(
        `Job ${JSON.stringify(id)} has priority ${priority}; use an integer from 0 to 9.`,
      );
    }
    if (!Number.isFinite(maxAttempts)) {
      throw new InvalidEnvelopeError(`Job ${JSON.stringify(id)} has maxAttempts ${maxAttempts}.`);
    }
    if (request.delayMs !== undefined || request.runAt !== undefined) checkDue(request);
    if (inputFingerprint !== undefined) assertInputFingerprint(inputFingerprint);
    if (entries !== undefined) checkIndexEntries(entries, id);
    assertEnqueueSize(request, maxPayloadBytes, setting);
  }
}

/** Checks an input fingerprint a claim is stored with [R5a, W1]. */
export function assertInputFingerprint(value: unknown): asserts value is string {
  if (typeof value !== 'string' || !FINGERPRINT.test(value)) {
    throw new InvalidOptionError(
      'inputFingerprint',
      value,
      '1–64 characters without whitespace (the client sends 16 hex digits)',
    );
  }
}

/** `listDead`'s paging options with their defaults: offset 0 (negative counts as 0), limit 100. */
export function deadLetterPaging(options: { offset?: number; limit?: number } = {}): {
  offset: number;
  limit: number;
} {
  const offset = options.offset ?? 0;
  const limit = options.limit ?? DEFAULT_DEAD_PAGE_LIMIT;
  if (!Number.isInteger(offset)) throw new InvalidOptionError('offset', offset, 'an integer');
  if (!Number.isInteger(limit)) throw new InvalidOptionError('limit', limit, 'an integer');
  return { offset: Math.max(0, offset), limit: Math.max(0, limit) };
}

/**
 * A request's delay and run time: numbers no later than the bounds a client takes
 * ({@link MAX_DURATION_MS}, {@link MAX_EPOCH_MS}). Past them a broker does not keep the
 * time (on Redis a delay of 1e20 left the job ready at once). A negative one means now.
 */
function checkDue({ delayMs, runAt }: EnqueueRequest): void {
  if (delayMs !== undefined && !(typeof delayMs === 'number' && delayMs <= MAX_DURATION_MS)) {
    throw new InvalidOptionError('delayMs', delayMs, `a number of ms up to ${MAX_DURATION_MS}`);
  }
  if (runAt !== undefined && !(typeof runAt === 'number' && runAt <= MAX_EPOCH_MS)) {
    throw new InvalidOptionError('runAt', runAt, `epoch ms up to ${MAX_EPOCH_MS}`);
  }
}

/**
 * A reserve's or renew's lease length: a number no longer than {@link MAX_DURATION_MS}.
 * Past it a broker's expiry overflows: on Redis a lease of 1e20 ms had expired when it was
 * written, and a second consumer took the job while the first ran it.
 */
export function assertLeaseMs(leaseMs: unknown): asserts leaseMs is number {
  if (typeof leaseMs !== 'number' || !(leaseMs <= MAX_DURATION_MS)) {
    throw new InvalidOptionError('leaseMs', leaseMs, `a number of ms up to ${MAX_DURATION_MS}`);
  }
}

/**
 * A settlement's times: a retry's `delayMs` and a `resultTtlMs` are numbers of ms up to
 * {@link MAX_DURATION_MS}, as an enqueue's delay is. Past it a broker does not keep the
 * time (on Redis a retry delay of 1e20 ran the job again at once).
 */
export function checkSettlements(settlements: readonly Settlement[]): void {
  for (const settlement of settlements) {
    if (settlement.type === 'retry') {
      assertDurationMs(settlement.delayMs, 'delayMs', settlement.id);
    } else if (settlement.type !== 'release' && settlement.resultTtlMs !== undefined) {
      assertDurationMs(settlement.resultTtlMs, 'resultTtlMs', settlement.id);
    }
  }
}

function assertDurationMs(value: unknown, option: string, id: string): void {
  if (typeof value !== 'number' || !(value <= MAX_DURATION_MS)) {
    throw new InvalidOptionError(
      option,
      value,
      `a number of ms up to ${MAX_DURATION_MS} (settlement of job ${JSON.stringify(id)})`,
    );
  }
}

/** Checks a worker record's time to live: a positive number of ms. */
export function assertTtl(ttlMs: unknown): asserts ttlMs is number {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new InvalidOptionError('ttlMs', ttlMs, 'a positive number of ms');
  }
}

/** Checks a limit key: a string of 1–512 characters. */
export function assertLimitKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 512) {
    throw new InvalidOptionError(
      'limit key',
      key,
      'a string of 1–512 characters, e.g. a task name',
    );
  }
}

/** Checks a slot holder (a lease token): a non-empty string. */
export function assertSlotHolder(holder: unknown): asserts holder is string {
  if (typeof holder !== 'string' || holder.length === 0) {
    throw new InvalidOptionError('slot holder', holder, 'a non-empty string (a lease token)');
  }
}

/** Checks a permit count or a cap: an integer, 1 or more. */
export function assertCount(value: unknown, option: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidOptionError(option, value, 'an integer, 1 or more');
  }
}

/** Checks a window or lease length: a number of ms from 1 to {@link MAX_DURATION_MS}. */
export function assertMs(value: unknown, option: string): asserts value is number {
  if (typeof value !== 'number' || !(value >= 1 && value <= MAX_DURATION_MS)) {
    throw new InvalidOptionError(option, value, `a number of ms from 1 to ${MAX_DURATION_MS}`);
  }
}

/** Checks the slots of a `renewSlots` or `freeSlots` call. */
export function assertSlots(slots: readonly { key: string; holder: string }[]): void {
  for (const { key, holder } of slots) {
    assertLimitKey(key);
    assertSlotHolder(holder);
  }
}
