import { type Clock, MAX_TIMER_MS, systemClock, type TimerHandle } from '../clock.js';
import { createTransport } from '../driver/create-transport.js';
import type { JobEnvelope } from '../envelope.js';
import type { JsonValue } from '../json.js';
import { inputJsonOf } from '../payload-size.js';
import {
  type CancelResult,
  type EnqueueRequest,
  type EnqueueResult,
  FINAL_STATES,
  type JobRecord,
  type Reservation,
  type ReserveRequest,
} from '../transport.js';
import type { TransportWith } from '../transport-capabilities.js';
import { createMemoryAdmin } from './admin.js';
import { createAuditLog } from './audit-log.js';
import { createDedupeClaims, duplicateOf } from './dedupe.js';
import { createJobIndex } from './job-index.js';
import { createJobStore } from './job-store.js';
import { createMemoryLimits } from './limits.js';
import { createMemoryMetrics } from './metrics.js';
import { createMemorySchedules } from './schedules.js';
import { cancelJob, renewLease, settleDeliveries } from './settlement.js';
import { createJobWaiters, createPending, createReserveWaiters, type Pending } from './waiters.js';
import { createMemoryWorkflows } from './workflows.js';

export interface MemoryTransportOptions {
  /** Time source for leases, delays and TTLs; inject a manual clock in tests. */
  clock?: Clock;
  /** How long final records are kept when a settlement names no TTL. Default 24 h. */
  defaultResultTtlMs?: number;
  /** How long an idempotency key stays claimed when an enqueue names no window. Default 24 h. */
  defaultDedupeWindowMs?: number;
  /**
   * Largest serialized job `enqueue` accepts, in UTF-8 bytes; a larger one fails the call
   * with `PAYLOAD_TOO_LARGE` [R3b]. Default 512 KiB, as for the client.
   */
  maxPayloadBytes?: number;
}

const DAY_MS = 86_400_000;

/**
 * The envelope as a broker that stores JSON hands it back, as Redis does: the input is the
 * producer's JSON parsed, so a Date where the schema says nothing arrives as its ISO string
 * and an `undefined` property is gone (docs/json-boundary.md). A copy would keep both, and
 * tests on this transport would pass where production fails.
 */
function storedEnvelope(envelope: JobEnvelope, inputJson: string): JobEnvelope {
  const { input: _sent, ...rest } = envelope;
  const stored = JSON.parse(JSON.stringify(rest)) as JobEnvelope;
  stored.input = JSON.parse(inputJson) as JsonValue;
  return stored;
}

/**
 * A transport that keeps everything in this process: for tests, development and
 * single-process apps. Jobs are lost when the process exits. A driver wrapped by
 * `createTransport`, which checks the arguments and the closed state: this is the worked
 * example of docs/adding-a-transport.md.
 *
 * @example
 * const transport = memoryTransport({ clock: createManualClock() });
 */
export function memoryTransport(
  options: MemoryTransportOptions = {},
): TransportWith<'admin' | 'limits' | 'metrics' | 'schedules' | 'workflows'> {
  const clock = options.clock ?? systemClock;
  const defaultDedupeWindowMs = options.defaultDedupeWindowMs ?? DAY_MS;
  const defaultResultTtlMs = options.defaultResultTtlMs ?? DAY_MS;

  // What changed during the current operation, handed to waiters by `flush`.
  const readyQueues = new Set<string>();
  const finishedIds: string[] = [];
  // The last records of jobs completed with `remove: true` in this operation [R13].
  const removedRecords = new Map<string, JobRecord>();

  const store = createJobStore({
    defaultResultTtlMs,
    onReady: (queue) => readyQueues.add(queue),
    onFinal: (id, removed) => {
      finishedIds.push(id);
      if (removed) removedRecords.set(id, removed);
    },
  });
  const dedupe = createDedupeClaims();
  const jobIndex = createJobIndex();
  const reserveWaiters = createReserveWaiters();
  const jobWaiters = createJobWaiters();
  // Paused queues [A13]: `take` leases none of their jobs.
  const paused = new Set<string>();
  const cancelListeners = new Set<{ listener: (jobId: string) => void }>();
  let wake: { handle: TimerHandle; at: number } | undefined;
  // Set by close: the wake timer and late waits then leave the store alone.
  let closed = false;

  /** Starts an operation: brings every due deadline up to date [R11]. */
  function begin(renewing?: ReadonlyMap<string, string>): number {
    const now = clock.now();
    store.advance(now, renewing);
    dedupe.sweep(now);
    jobIndex.sweep(now);
    return now;
  }

  /** Ends an operation: wakes the waiters its changes concern, then re-arms the timer. */
  function flush(now: number): void {
    if (readyQueues.size > 0 && reserveWaiters.size > 0) {
      for (const waiter of reserveWaiters.on(readyQueues)) {
        const reservations = take(waiter.request, now);
        if (reservations.length > 0) waiter.pending.settle(reservations);
      }
    }
    readyQueues.clear();
    // `take` above may expire jobs, adding to the list while we walk it.
    for (let i = 0; i < finishedIds.length; i++) {
      const id = finishedIds[i] as string;
      const waiters = jobWaiters.of(id);
      if (waiters.length === 0) continue;
      const record = removedRecords.get(id) ?? snapshot(id);
      for (const pending of waiters) pending.settle(record);
    }
    finishedIds.length = 0;
    removedRecords.clear();
    armWakeTimer(now);
  }

  function snapshot(id: string): JobRecord | null {
    const job = store.get(id);
    return job ? structuredClone(job.record) : null;
  }

  /** Leases up to `max` ready jobs from the request's queues, in the order given [R7]. */
  function take(request: ReserveRequest, now: number): Reservation[] {
    const reservations: Reservation[] = [];
    for (const queue of request.queues) {
      if (paused.has(queue)) continue;
      while (reservations.length < request.max) {
        const job = store.take(queue, now);
        if (!job) break;
        // Past the first `startNow`, the worker holds the job unstarted [R27].
        const held = request.startNow !== undefined && reservations.length >= request.startNow;
        reservations.push(store.deliver(job, now, request.leaseMs, request.consumer, held));
      }
      if (reservations.length >= request.max) break;
    }
    return reservations;
  }

  /**
   * One timer for the earliest deadline a waiter cares about: a lease expiry (it can
   * free a job or finish one) and, for blocked reserves, a delayed job coming due.
   * It exists only while someone waits, so an idle transport holds no timers.
   */
  function armWakeTimer(now: number): void {
    let at: number | undefined;
    if (!closed && (reserveWaiters.size > 0 || jobWaiters.size > 0)) {
      at = store.nextLeaseExpiry();
      const due = reserveWaiters.size > 0 ? store.nextDueAt() : undefined;
      if (due !== undefined && (at === undefined || due < at)) at = due;
    }
    if (wake?.at === at) return;
    if (wake) clock.clearTimeout(wake.handle);
    wake = undefined;
    if (at === undefined) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(1, at - now));
    wake = { handle: clock.setTimeout(onWake, delay), at };
  }

  function onWake(): void {
    wake = undefined;
    if (closed) return;
    flush(begin());
  }

  /** The current record for a `waitFor` that timed out or was aborted. */
  function currentRecord(id: string): JobRecord | null {
    if (closed) return snapshot(id);
    const now = begin();
    const record = snapshot(id);
    flush(now);
    return record;
  }

  /** Adds one job of an `enqueue` (or a schedule's slot) at `now` [R3–R5a]. */
  function add(request: EnqueueRequest, now: number): EnqueueResult {
    const { envelope, delayMs, runAt, dedupeWindowMs, inputFingerprint, index } = request;
    const { id, queue, task, idempotencyKey } = envelope;
    if (idempotencyKey !== undefined) {
      const earlier = dedupe.find(queue, task, idempotencyKey, now);
      if (earlier !== undefined) return duplicateOf(earlier);
    }
    // Ids are the producer's and unique; never let a reused one clobber a stored job [R3a].
    if (store.get(id)) return { id, duplicate: true };
    const dueAt = delayMs !== undefined ? now + delayMs : runAt;
    const inputJson = inputJsonOf(request);
    const inputBytes = Buffer.byteLength(inputJson, 'utf8');
    const job = store.add(storedEnvelope(envelope, inputJson), dueAt, now, inputBytes);
    if (index !== undefined && index.length > 0) {
      jobIndex.add(queue, task, index, { id, added: job.added }, now);
    }
    if (idempotencyKey !== undefined) {
      const window = dedupeWindowMs ?? defaultDedupeWindowMs;
      dedupe.claim(queue, task, idempotencyKey, { jobId: id, inputFingerprint }, now, window);
    }
    return { id, duplicate: false };
  }

  /** One whole operation: `begin`, then `operation`, then `flush`. */
  /** Cancels one job within an operation [R17, R18]; its listeners hear soon after. */
  function cancelOne(id: string, now: number): CancelResult {
    const result = cancelJob(store, id, now);
    if (result === 'signalled') {
      // Soon rather than now: a listener that calls back into the transport must not run in
      // the middle of this operation. Still before `cancel` resolves.
      for (const { listener } of cancelListeners) queueMicrotask(() => listener(id));
    }
    return result;
  }

  function operate<T>(operation: (now: number) => T): T {
    const now = begin();
    try {
      return operation(now);
    } finally {
      flush(now);
    }
  }

  return createTransport(
    {
      name: 'memory',

      admin: createMemoryAdmin({
        store,
        jobIndex,
        audit: createAuditLog(),
        operate,
        onGone: (id) => finishedIds.push(id),
        paused,
        onResumed: (queue) => readyQueues.add(queue),
      }),

      limits: createMemoryLimits(clock),

      metrics: createMemoryMetrics(clock),

      schedules: createMemorySchedules({
        operate,
        add,
        stateOf: (id) => store.get(id)?.record.state,
      }),

      workflows: createMemoryWorkflows({
        now: () => clock.now(),
        resultTtlMs: defaultResultTtlMs,
        cancelJobs: (ids) =>
          operate((now) => {
            for (const id of ids) cancelOne(id, now);
          }),
      }),

      async enqueue(requests) {
        const now = begin();
        const results = requests.map((request) => add(request, now));
        flush(now);
        return results;
      },

      async reserve(request) {
        const now = begin();
        const reservations = take(request, now);
        const { waitMs = 0, signal } = request;
        if (reservations.length > 0 || !(waitMs > 0)) {
          flush(now);
          return reservations;
        }
        const pending: Pending<Reservation[]> = createPending({
          clock,
          timeoutMs: waitMs,
          signal,
          fallback: () => [],
          onSettled: () => reserveWaiters.remove(waiter),
        });
        const waiter = reserveWaiters.add(request, pending);
        flush(now);
        return pending.promise;
      },

      async renew(renewals, leaseMs) {
        // A lease of this call that already ran out is reclaimed now, as held by a live worker.
        const now = begin(new Map(renewals.map((renewal) => [renewal.id, renewal.token])));
        const statuses = renewals.map((renewal) => renewLease(store, renewal, leaseMs, now));
        flush(now);
        return statuses;
      },

      async settle(settlements) {
        const now = begin();
        const statuses = settleDeliveries(store, settlements, now);
        flush(now);
        return statuses;
      },

      async getJob(id) {
        return operate(() => snapshot(id));
      },

      async waitFor(id, { timeoutMs, signal }) {
        const now = begin();
        const job = store.get(id);
        if (!job || FINAL_STATES.has(job.record.state)) {
          const record = snapshot(id);
          flush(now);
          return record;
        }
        const pending: Pending<JobRecord | null> = createPending({
          clock,
          timeoutMs,
          signal,
          fallback: () => currentRecord(id),
          onSettled: () => jobWaiters.remove(id, pending),
        });
        jobWaiters.add(id, pending);
        flush(now);
        return pending.promise;
      },

      async cancel(id) {
        return operate((now) => cancelOne(id, now));
      },

      onCancel(listener) {
        const subscription = { listener };
        cancelListeners.add(subscription);
        return () => {
          cancelListeners.delete(subscription);
        };
      },

      async close() {
        // Bring records up to date first, so pending waits see no expired lease [R11].
        store.advance(clock.now());
        closed = true;
        if (wake) clock.clearTimeout(wake.handle);
        wake = undefined;
        for (const waiter of reserveWaiters.all()) waiter.pending.settle([]);
        for (const id of jobWaiters.jobIds()) {
          const record = snapshot(id);
          for (const pending of jobWaiters.of(id)) pending.settle(record);
        }
        cancelListeners.clear();
        readyQueues.clear();
        finishedIds.length = 0;
      },
    },
    { maxPayloadBytes: options.maxPayloadBytes },
  );
}
