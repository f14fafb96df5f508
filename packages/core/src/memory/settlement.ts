import type { JsonValue } from '../json.js';
import type {
  CancelResult,
  LeaseRenewal,
  LeaseStatus,
  Settlement,
  SettleStatus,
} from '../transport.js';
import { type JobStore, noteFailedAttempt, type StoredJob } from './job-store.js';

/** Renews one lease [R10]; a given `progress` is stored with it. */
export function renewLease(
  store: JobStore,
  renewal: LeaseRenewal,
  leaseMs: number,
  now: number,
): LeaseStatus {
  // Through JSON, as Redis stores it: a Date becomes its ISO string (docs/json-boundary.md).
  // Made first, so that a value JSON refuses (a bigint) throws before the lease moves.
  const progress = renewal.progress === undefined ? undefined : JSON.stringify(renewal.progress);
  const job = store.get(renewal.id);
  if (!job) return 'gone';
  if (!store.holds(job, renewal.token, now)) return 'lost';
  store.extendLease(job, leaseMs, now);
  // Started since it was reserved held: an expired lease counts from now on [R27].
  if (renewal.started === true) job.held = undefined;
  if (progress !== undefined) job.record.progress = JSON.parse(progress) as JsonValue;
  return job.record.cancelRequested ? 'cancel-requested' : 'held';
}

/**
 * Ends the deliveries of one `settle` call, in order. Released jobs go back to the head of
 * their level last, in reverse, so that several released together keep the call's order
 * there [R16] instead of each going in front of the one before.
 */
export function settleDeliveries(
  store: JobStore,
  settlements: readonly Settlement[],
  now: number,
): SettleStatus[] {
  const released: StoredJob[] = [];
  const statuses = settlements.map((settlement) =>
    settleDelivery(store, settlement, now, released),
  );
  for (let index = released.length - 1; index >= 0; index--) {
    store.makeWaiting(released[index] as StoredJob, 'head');
  }
  return statuses;
}

/**
 * Ends one delivery [R12..R16]; a `fail` or `retry` adds the attempt to the history [R26]. A cancel requested while the job ran turns `fail`,
 * `retry` and `release` into `cancelled`; `complete` still completes [R18]. A released job
 * joins `released`, for the caller to make waiting.
 */
function settleDelivery(
  store: JobStore,
  settlement: Settlement,
  now: number,
  released: StoredJob[],
): SettleStatus {
  const job = store.get(settlement.id);
  if (!job || !store.holds(job, settlement.token, now)) return 'stale';
  const { record } = job;
  const cancelled = record.cancelRequested === true;
  store.endDelivery(job);
  switch (settlement.type) {
    case 'complete':
      if (settlement.remove === true) {
        store.remove(job, now);
        break;
      }
      if (settlement.result !== undefined) record.result = structuredClone(settlement.result);
      store.finish(job, 'completed', now, settlement.resultTtlMs);
      break;
    case 'fail': {
      record.error = structuredClone(settlement.error);
      noteFailedAttempt(record, settlement.error, now);
      const state = cancelled ? 'cancelled' : settlement.deadLetter ? 'dead' : 'failed';
      store.finish(job, state, now, settlement.resultTtlMs);
      break;
    }
    case 'retry':
      record.error = structuredClone(settlement.error);
      noteFailedAttempt(record, settlement.error, now);
      if (cancelled) store.finish(job, 'cancelled', now);
      else if (settlement.delayMs > 0) store.makeDelayed(job, now + settlement.delayMs);
      else store.makeWaiting(job, 'tail');
      break;
    case 'release':
      // The delivery never ran, so it does not use up an attempt.
      record.attempts = Math.max(0, record.attempts - 1);
      if (cancelled) store.finish(job, 'cancelled', now);
      else released.push(job);
      break;
  }
  return 'ok';
}

/**
 * Cancels one job [R17..R19]. For an `active` job it only sets the flag: the caller
 * tells the `onCancel` listeners when this answers `signalled`.
 */
export function cancelJob(store: JobStore, id: string, now: number): CancelResult {
  const job = store.get(id);
  if (!job) return 'not-found';
  switch (job.record.state) {
    case 'waiting':
    case 'delayed':
      store.unqueue(job);
      store.finish(job, 'cancelled', now);
      return 'cancelled';
    case 'active':
      job.record.cancelRequested = true;
      return 'signalled';
    default:
      return 'finished';
  }
}
