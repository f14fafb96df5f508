import { afterEach, beforeEach, expect } from 'vitest';
import type { JobEnvelope } from '../../envelope.js';
import type { JobError } from '../../job-error.js';
import type { JsonValue } from '../../json.js';
import type {
  EnqueueRequest,
  EnqueueResult,
  JobRecord,
  LeaseRenewal,
  Reservation,
  Settlement,
  SettleStatus,
  Transport,
} from '../../transport.js';
import type { DeadLetterPage } from '../../transport-admin.js';
import type { TransportCapabilities, TransportCapability } from '../../transport-capabilities.js';
import {
  type ConformanceHarness,
  DEFAULT_TIME_UNIT_MS,
  makeEnvelope,
  uniqueQueue,
} from './harness.js';
import { createStallMeter, LATE_WAIT_MS } from './stalls.js';

/** Leases that must not run out during a test: 1,000 units (100 s on a real broker). */
export const LONG_LEASE_UNITS = 1_000;

export const CONSUMER = 'conformance-worker-1';

/**
 * How soon a call that must answer "at once" has to settle: 10 units (1 s on a real broker).
 * What it is told apart from waits 50 units or more, and a busy shared machine (two CPU hogs
 * beside a Redis Cluster) has delayed an immediate answer past one unit.
 */
export const AT_ONCE_UNITS = 10;

export interface ReserveOptions {
  max?: number;
  leaseUnits?: number;
  waitUnits?: number;
  consumer?: string;
  signal?: AbortSignal;
  /** The reserve's `startNow` [R27]; absent: not sent. */
  startNow?: number;
}

/** Per-test tools over a harness; everything it opens is closed after each test. */
export interface SuiteContext {
  /** The harness's time unit, in ms. */
  readonly unit: number;
  /** Whether the harness can open a second instance on the same broker. */
  readonly hasPeer: boolean;
  ms(units: number): number;
  /** Lets `units` time units pass. */
  advance(units: number): Promise<void>;
  transport(): Promise<Transport>;
  peer(first: Transport): Promise<Transport>;
  /** Enqueues envelopes in one batch, each with the same request options. */
  enqueue(
    transport: Transport,
    envelopes: JobEnvelope | readonly JobEnvelope[],
    options?: Omit<EnqueueRequest, 'envelope'>,
  ): Promise<EnqueueResult[]>;
  /** Enqueues `count` fresh jobs in one batch and returns their envelopes. */
  jobs(
    transport: Transport,
    queue: string,
    count: number,
    overrides?: Partial<JobEnvelope>,
  ): Promise<JobEnvelope[]>;
  reserve(
    transport: Transport,
    queues: string | readonly string[],
    options?: ReserveOptions,
  ): Promise<Reservation[]>;
  /** Reserves with `max: 1` and expects exactly one job. */
  reserveOne(transport: Transport, queue: string, options?: ReserveOptions): Promise<Reservation>;
  settle(transport: Transport, settlement: Settlement): Promise<SettleStatus>;
  /** The record, which must exist. */
  record(transport: Transport, id: string): Promise<JobRecord>;
  /** The transport's clock, read from the `enqueuedAt` of a throwaway job. */
  now(transport: Transport): Promise<number>;
  /**
   * Expects the queue's dead-letter set to hold exactly `ids`, oldest first, and returns
   * the page; on a transport without `admin` there is nothing to look at (undefined).
   */
  expectDeadLetters(
    transport: Transport,
    queue: string,
    ids: readonly string[],
  ): Promise<DeadLetterPage | undefined>;
  /** Awaits `promise`, letting up to `units` pass for it to settle; fails if it does not. */
  within<T>(promise: Promise<T>, units: number, what: string): Promise<T>;
  /** Lets time pass, a unit at a time up to `units`, until `condition` holds; fails if it never does. */
  eventually(condition: () => boolean, units: number, what: string): Promise<void>;
  /** Lets `units` pass and expects `promise` still pending. */
  expectPending(promise: Promise<unknown>, units: number, what: string): Promise<void>;
}

/** Call inside a `describe`: registers the `afterEach` that closes the test's transports. */
export function useSuiteContext(harness: ConformanceHarness): SuiteContext {
  const unit = harness.timeUnitMs ?? DEFAULT_TIME_UNIT_MS;
  const open: Transport[] = [];
  const meter = createStallMeter(harness.realClock === true);

  beforeEach(() => meter.start());
  afterEach(async (context) => {
    meter.finish(context, unit);
    const closing = open.splice(0);
    await Promise.all(closing.map((transport) => transport.close()));
  });

  const ms = (units: number) => Math.round(units * unit);
  const advance = (units: number) => meter.advance(ms(units), (wait) => harness.advance(wait));
  /**
   * After a wait ran out on a real clock: waits on (up to LATE_WAIT_MS) and says when what
   * was late came. The run then took longer than it let pass, which shows a stalled machine.
   */
  const lateness = async (done: () => boolean): Promise<string> => {
    if (!meter.realClock) return '';
    const since = performance.now();
    while (!done() && performance.now() - since < LATE_WAIT_MS) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const late = Math.round(performance.now() - since);
    return done() ? ` (it came ${late} ms later)` : ` (nor ${late} ms later)`;
  };

  const context: SuiteContext = {
    unit,
    hasPeer: harness.createPeer !== undefined,
    ms,
    advance,
    async transport() {
      const transport = await harness.createTransport();
      open.push(transport);
      return transport;
    },
    async peer(first) {
      if (!harness.createPeer) throw new Error('This harness has no createPeer.');
      const transport = await harness.createPeer(first);
      open.push(transport);
      return transport;
    },
    enqueue(transport, envelopes, options = {}) {
      const list = Array.isArray(envelopes) ? envelopes : [envelopes as JobEnvelope];
      return transport.enqueue(list.map((envelope) => ({ ...options, envelope })));
    },
    async jobs(transport, queue, count, overrides = {}) {
      const envelopes = Array.from({ length: count }, (_, index) =>
        makeEnvelope(queue, { input: { index }, ...overrides }),
      );
      await context.enqueue(transport, envelopes);
      return envelopes;
    },
    reserve(transport, queues, options = {}) {
      return transport.reserve({
        queues: typeof queues === 'string' ? [queues] : queues,
        max: options.max ?? 1,
        leaseMs: ms(options.leaseUnits ?? LONG_LEASE_UNITS),
        waitMs: ms(options.waitUnits ?? 0),
        consumer: options.consumer ?? CONSUMER,
        signal: options.signal,
        ...(options.startNow !== undefined && { startNow: options.startNow }),
      });
    },
    async reserveOne(transport, queue, options = {}) {
      const reserved = await context.reserve(transport, queue, { ...options, max: 1 });
      expect(reserved, `one job reserved from ${queue}`).toHaveLength(1);
      return reserved[0] as Reservation;
    },
    async settle(transport, settlement) {
      const statuses = await transport.settle([settlement]);
      expect(statuses).toHaveLength(1);
      return statuses[0] as SettleStatus;
    },
    async record(transport, id) {
      const record = await transport.getJob(id);
      expect(record, `record of ${id}`).not.toBeNull();
      return record as JobRecord;
    },
    async now(transport) {
      const probe = makeEnvelope(uniqueQueue('clock-probe'));
      await transport.enqueue([{ envelope: probe }]);
      const record = await context.record(transport, probe.id);
      await transport.cancel(probe.id);
      return record.enqueuedAt;
    },
    async expectDeadLetters(transport, queue, ids) {
      if (!transport.admin) return undefined;
      const page = await transport.admin.listDead(queue);
      expect(page.total, `dead jobs of ${queue}`).toBe(ids.length);
      expect(page.jobs.map((job) => job.id)).toEqual(ids);
      return page;
    },
    async within(promise, units, what) {
      const watched = watch(promise);
      await harness.advance(0);
      for (let step = 0; step < units && !watched.settled; step++) await advance(1);
      if (!watched.settled) {
        const late = await lateness(() => watched.settled);
        throw new Error(
          `${what} was still pending after ${units} time units (${ms(units)} ms)${late}.`,
        );
      }
      return promise;
    },
    async eventually(condition, units, what) {
      await harness.advance(0);
      for (let step = 0; step < units && !condition(); step++) await advance(1);
      if (!condition()) {
        const late = await lateness(condition);
        throw new Error(`${what} did not happen within ${units} time units${late}.`);
      }
    },
    async expectPending(promise, units, what) {
      const watched = watch(promise);
      await advance(units);
      expect(watched.settled, `${what} still pending after ${units} time units`).toBe(false);
    },
  };
  return context;
}

function watch(promise: Promise<unknown>): { settled: boolean } {
  const watched = { settled: false };
  promise.then(
    () => {
      watched.settled = true;
    },
    () => {
      watched.settled = true;
    },
  );
  return watched;
}

/** The transport's optional capability, or the test is skipped: a transport may leave it out. */
export function capabilityOf<K extends TransportCapability>(
  transport: Transport,
  capability: K,
  skip: (note?: string) => never,
): TransportCapabilities[K] {
  const found = transport[capability];
  if (found === undefined) skip(`transport ${transport.name} has no ${capability}`);
  return found as TransportCapabilities[K];
}

/** The job ids of some reservations, in delivery order. */
export function idsOf(reservations: readonly Reservation[]): string[] {
  return reservations.map((reservation) => reservation.envelope.id);
}

/** The renewal for a reservation's lease. */
export function leaseOf(reservation: Reservation, progress?: JsonValue): LeaseRenewal {
  const renewal: LeaseRenewal = { id: reservation.envelope.id, token: reservation.token };
  if (progress !== undefined) renewal.progress = progress;
  return renewal;
}

export function jobError(message: string, code = 'CONFORMANCE'): JobError {
  return { name: 'ConformanceError', message, code };
}

export function complete(
  reservation: Reservation,
  result?: JsonValue,
  resultTtlMs?: number,
): Settlement {
  const { id } = reservation.envelope;
  const settlement: Settlement = { type: 'complete', id, token: reservation.token, result };
  if (resultTtlMs !== undefined) settlement.resultTtlMs = resultTtlMs;
  return settlement;
}

/** A `complete` that deletes the record (the task's `removeOnComplete`). */
export function completeAndRemove(reservation: Reservation): Settlement {
  const { id } = reservation.envelope;
  return { type: 'complete', id, token: reservation.token, result: undefined, remove: true };
}

export function fail(
  reservation: Reservation,
  deadLetter: boolean,
  options: { error?: JobError; resultTtlMs?: number } = {},
): Settlement {
  const settlement: Settlement = {
    type: 'fail',
    id: reservation.envelope.id,
    token: reservation.token,
    error: options.error ?? jobError('failed on purpose'),
    deadLetter,
  };
  if (options.resultTtlMs !== undefined) settlement.resultTtlMs = options.resultTtlMs;
  return settlement;
}

export function retry(reservation: Reservation, delayMs: number, error?: JobError): Settlement {
  return {
    type: 'retry',
    id: reservation.envelope.id,
    token: reservation.token,
    error: error ?? jobError('retry on purpose'),
    delayMs,
  };
}

export function release(reservation: Reservation): Settlement {
  return { type: 'release', id: reservation.envelope.id, token: reservation.token };
}
