import {
  InvalidOptionError,
  type Reservation,
  type ReserveRequest,
  type Transport,
  TransportError,
} from '@conveyor/core';
import { createManualClock, makeEnvelope } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { startFetching } from '../src/fetcher.js';
import { captureLogger } from './helpers.js';

interface PendingReserve {
  request: ReserveRequest;
  answer(count: number): Promise<void>;
}

/** A transport whose reserve calls wait until the test answers them with `count` jobs. */
function heldReserves(): { transport: Transport; pending: PendingReserve[] } {
  const pending: PendingReserve[] = [];
  const transport = {
    reserve(request: ReserveRequest) {
      return new Promise<Reservation[]>((resolve) => {
        pending.push({
          request,
          async answer(count) {
            resolve(
              Array.from({ length: count }, (_, k) => ({
                envelope: makeEnvelope('q', { task: 't' }),
                token: `t${k}`,
                leaseExpiresAt: 0,
              })),
            );
            await new Promise((done) => setImmediate(done));
          },
        });
      });
    },
  } as unknown as Transport;
  return { transport, pending };
}

const tick = () => new Promise((done) => setImmediate(done));

describe('fetcher', () => {
  it('keeps a second reserve in flight only while the queues flow, within the free capacity', async () => {
    const { transport, pending } = heldReserves();
    const capacity = 10;
    let held = 0;
    const fetcher = startFetching({
      transport,
      clock: createManualClock(),
      logger: captureLogger(),
      consumer: 'c',
      queues: ['q'],
      leaseMs: 1_000,
      waitMs: 1_000,
      freeCapacity: () => capacity - held,
      minBatch: 5,
      starving: () => held === 0,
      accept(reservations) {
        held += reservations.length;
      },
      onFatal() {},
    });
    await tick();
    expect(pending.map((call) => call.request.max)).toEqual([10]);

    await pending[0]?.answer(10); // full: the queues flow
    held = 6; // four ended: fewer than a batch is free, and no slot idles
    fetcher.wake();
    await tick();
    expect(pending).toHaveLength(1);
    held = 5;
    fetcher.wake();
    await tick();
    expect(pending.map((call) => call.request.max)).toEqual([10, 5]);

    held = 0; // the rest ended while the second call is out: a third may go
    fetcher.wake();
    await tick();
    expect(pending.map((call) => call.request.max)).toEqual([10, 5, 5]);
    held = 0;
    fetcher.wake();
    await tick();
    // Never more than two calls, never more jobs asked for than the capacity.
    expect(pending).toHaveLength(3);

    await pending[1]?.answer(2); // short: the queues ran dry, so no overlapping call
    held = 0;
    fetcher.wake();
    await tick();
    expect(pending).toHaveLength(3);
    await pending[2]?.answer(0);
    await tick();
    // Alone again: the next call asks for everything that is free.
    expect(pending.map((call) => call.request.max)).toEqual([10, 5, 5, 10]);

    const stopped = fetcher.stop();
    await pending[3]?.answer(0);
    await stopped;
  });

  it('rides out a cluster failure of reserve: backs off, warns once, and goes on when it clears', async () => {
    // What @conveyor/redis throws while a cluster fails over (failure 'CLUSTER').
    const clusterDown = () =>
      Object.assign(
        new TransportError(
          '[conveyor] [redis] reserve failed (CLUSTER): Too many Cluster redirections. Last error: ReplyError: CLUSTERDOWN The cluster is down.',
        ),
        { failure: 'CLUSTER' },
      );
    let failuresLeft = 4;
    const requests: ReserveRequest[] = [];
    const transport = {
      async reserve(request: ReserveRequest) {
        requests.push(request);
        if (failuresLeft > 0) {
          failuresLeft -= 1;
          throw clusterDown();
        }
        return [{ envelope: makeEnvelope('q', { task: 't' }), token: 't', leaseExpiresAt: 0 }];
      },
    } as unknown as Transport;
    const clock = createManualClock();
    const logger = captureLogger();
    const accepted: Reservation[] = [];
    let fatal: unknown;
    const fetcher = startFetching({
      transport,
      clock,
      logger,
      consumer: 'c',
      queues: ['q'],
      leaseMs: 1_000,
      waitMs: 1_000,
      freeCapacity: () => 1 - accepted.length,
      accept(reservations) {
        accepted.push(...reservations);
      },
      onFatal(error) {
        fatal = error;
      },
    });
    // Back-off 0.5 + 1 + 2 + 4 s between the four failures and the first success.
    for (let step = 0; step < 8 && accepted.length === 0; step++) await clock.advance(1_000);
    expect(accepted).toHaveLength(1);
    expect(requests.length).toBeGreaterThanOrEqual(5);
    expect(fatal).toBeUndefined();
    expect(logger.lines.filter((line) => line.level === 'error')).toEqual([]);
    expect(logger.lines.filter((line) => line.level === 'warn')).toHaveLength(1);
    expect(logger.lines.map((line) => line.message)).toContainEqual(
      expect.stringMatching(/^reserve works again, after [78] s and 4 failed tries$/),
    );

    await fetcher.stop();
  });

  it('reminds the log each minute while reserve keeps failing, with how long and how many tries', async () => {
    // It warned at the first failure and then never again, however long the outage lasted.
    let failing = true;
    const transport = {
      async reserve() {
        if (failing)
          throw Object.assign(new TransportError('connect ECONNREFUSED'), {
            failure: 'CONNECTION',
          });
        return [{ envelope: makeEnvelope('q', { task: 't' }), token: 't', leaseExpiresAt: 0 }];
      },
    } as unknown as Transport;
    const clock = createManualClock();
    const logger = captureLogger();
    const accepted: Reservation[] = [];
    const fetcher = startFetching({
      transport,
      clock,
      logger,
      consumer: 'c',
      queues: ['q'],
      leaseMs: 1_000,
      waitMs: 1_000,
      freeCapacity: () => 1 - accepted.length,
      accept(reservations) {
        accepted.push(...reservations);
      },
      onFatal() {},
    });
    // Tries at 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5, 61.5, 91.5, 121.5 and 151.5 s (back-off up to 30 s).
    for (let step = 0; step < 160; step++) await clock.advance(1_000);
    const warnings = logger.lines
      .filter((line) => line.level === 'warn')
      .map((line) => line.message);
    expect(warnings).toEqual([
      'reserve failed: retrying until it works',
      'reserve still fails after 1 min 2 s (8 tries): retrying until it works',
      'reserve still fails after 2 min 2 s (10 tries): retrying until it works',
    ]);
    failing = false;
    for (let step = 0; step < 40 && accepted.length === 0; step++) await clock.advance(1_000);
    expect(accepted).toHaveLength(1);
    expect(logger.lines.at(-1)).toMatchObject({
      level: 'info',
      message: 'reserve works again, after 3 min 2 s and 11 failed tries',
    });
    await fetcher.stop();
  });

  it('stops at the first INVALID_OPTION from reserve (a database Redis refused): no retrying', async () => {
    const refusal = new InvalidOptionError(
      'url',
      'redis://127.0.0.1:6379/99',
      'a database this Redis has',
    );
    let calls = 0;
    const transport = {
      async reserve() {
        calls += 1;
        throw refusal;
      },
    } as unknown as Transport;
    const clock = createManualClock();
    let fatal: unknown;
    const fetcher = startFetching({
      transport,
      clock,
      logger: captureLogger(),
      consumer: 'c',
      queues: ['q'],
      leaseMs: 1_000,
      waitMs: 1_000,
      freeCapacity: () => 1,
      accept() {},
      onFatal(error) {
        fatal = error;
      },
    });
    for (let step = 0; step < 20 && fatal === undefined; step++) await tick();
    expect(fatal).toBe(refusal);
    await clock.advance(10_000);
    expect(calls).toBe(1);
    await fetcher.stop();
  });
});
