import { randomBytes } from 'node:crypto';
import { assertQueueName, ENVELOPE_VERSION, type JobEnvelope } from '../../envelope.js';
import { newJobId } from '../../ids.js';
import type { Transport } from '../../transport.js';

/**
 * What the conformance suite needs from a transport under test.
 *
 * @example
 * ```ts
 * let clock = createManualClock();
 * runTransportConformance('memory', {
 *   createTransport: () => { clock = createManualClock(); return memoryTransport({ clock }); },
 *   advance: (ms) => clock.advance(ms),
 *   timeUnitMs: 10,
 * });
 * ```
 */
export interface ConformanceHarness {
  /** A fresh transport for one test; the suite closes it after the test. */
  createTransport(): Transport | Promise<Transport>;
  /**
   * Lets `ms` of transport time pass: advance a fake clock, or really sleep (at least
   * `ms` by the broker's clock, so sleep a little longer). `advance(0)` just lets
   * pending work settle.
   */
  advance(ms: number): Promise<void>;
  /** ms used as the unit for leases and delays; small for fake clocks, ~100–200 for real brokers. */
  timeUnitMs?: number;
  /**
   * True when `advance` really sleeps (a real broker, or a transport on the system clock).
   * A failed run that the machine stalled then runs again, even one that failed before its
   * first advance (see stalls.ts). Without it, the suite takes the clock for real once an
   * advance has taken real time, so a stall before that fails the run.
   */
  realClock?: boolean;
  /**
   * A second transport instance on the same broker (another process's view), for
   * cross-instance rules like `onCancel`; the tests that need it are skipped without it.
   */
  createPeer?(first: Transport): Transport | Promise<Transport>;
}

/** Time unit used when the harness gives none: suits a real broker on a real clock. */
export const DEFAULT_TIME_UNIT_MS = 100;

const SUFFIX_LENGTH = 10;
const MAX_QUEUE_NAME = 64;

/** Set by `runTransportConformance({ queueName })` while its tests run. */
let storedNameOf: ((base: string) => string) | undefined;

/**
 * Makes {@link uniqueQueue} answer `queueName(<its name>)` until called again with
 * undefined: how the suite runs every rule against partition names.
 */
export function setConformanceQueueName(queueName: ((base: string) => string) | undefined): void {
  storedNameOf = queueName;
}

/**
 * A queue name no other test uses (`<prefix>-<random>`), so that tests can share one
 * broker without flushing it. Under `runTransportConformance({ queueName })`, that
 * function's stored name for it (a partition's name, such as `<prefix>-<random>~1of4`).
 */
export function uniqueQueue(prefix = 'conformance'): string {
  const suffix = randomBytes(SUFFIX_LENGTH).toString('hex').slice(0, SUFFIX_LENGTH);
  return storedQueue(`${prefix.slice(0, MAX_QUEUE_NAME - SUFFIX_LENGTH - 1)}-${suffix}`);
}

/**
 * The name a test stores jobs under for the plain queue name `base`: `base` itself, or
 * its stored name under `runTransportConformance({ queueName })`.
 */
export function storedQueue(base: string): string {
  const name = storedNameOf === undefined ? base : storedNameOf(base);
  assertQueueName(name);
  return name;
}

/**
 * A valid version-1 envelope for `queue` with a fresh id, task `conformance.task`,
 * attempt 0, 3 attempts allowed and priority 5; `overrides` replace any field.
 */
export function makeEnvelope(queue: string, overrides: Partial<JobEnvelope> = {}): JobEnvelope {
  return {
    v: ENVELOPE_VERSION,
    id: newJobId(queue),
    task: 'conformance.task',
    queue,
    input: { conformance: true },
    attempt: 0,
    maxAttempts: 3,
    priority: 5,
    enqueuedAt: Date.now(),
    ...overrides,
  };
}
