import { defineTask, memoryTransport, type Transport } from '@conveyor/core';
import { createManualClock, makeEnvelope } from '@conveyor/core/testing';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createWorker } from '../src/index.js';
import { captureLogger, QUEUE, recordingTransport, useWorkerHarness } from './helpers.js';

const input = z.object({ n: z.number() });

/**
 * `inner` as a worker process sees it until `kill()`: from then on no call of it answers,
 * as for a process that died (its leases are neither renewed nor given back).
 */
function killable(inner: Transport): { transport: Transport; kill(): void } {
  let dead = false;
  const never = new Promise<never>(() => {});
  const alive =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      dead ? never : call(...args);
  return {
    transport: {
      ...inner,
      name: inner.name,
      reserve: alive((request) => inner.reserve(request)),
      renew: alive((renewals, leaseMs) => inner.renew(renewals, leaseMs)),
      settle: alive((settlements) => inner.settle(settlements)),
    },
    kill: () => {
      dead = true;
    },
  };
}

describe('a worker that dies holding prefetched jobs', () => {
  it('loses none of them: on their last attempt they run on another worker', async () => {
    const clock = createManualClock();
    const inner = memoryTransport({ clock });
    const logger = captureLogger();
    const ran: Array<{ worker: string; n: number; attempt: number }> = [];
    const task = (worker: string, hang: boolean) =>
      defineTask({
        name: 't.once',
        input,
        run: ({ n }, ctx) => {
          ran.push({ worker, n, attempt: ctx.attempt });
          return hang ? new Promise<never>(() => {}) : n;
        },
      });
    const envelopes = [1, 2, 3].map((n) =>
      makeEnvelope(QUEUE, { task: 't.once', input: { n }, maxAttempts: 1 }),
    );
    await inner.enqueue(envelopes.map((envelope) => ({ envelope })));
    const dying = killable(inner);
    const first = createWorker({
      transport: dying.transport,
      tasks: [task('first', true)],
      queues: [QUEUE],
      clock,
      logger,
      concurrency: 1,
      prefetch: 2,
      leaseMs: 3_000,
      heartbeatMs: 1_000,
      reserveWaitMs: 1_000,
    });
    void first.start();
    await vi.waitFor(() => expect(first.stats()).toMatchObject({ running: 1, buffered: 2 }), {
      timeout: 30_000,
    });
    // The process dies: the job it ran and the two it held stop being renewed.
    dying.kill();
    await clock.advance(10_000);
    const transport = recordingTransport(inner);
    const second = createWorker({
      transport,
      tasks: [task('second', false)],
      queues: [QUEUE],
      clock,
      logger,
      concurrency: 2,
      reserveWaitMs: 1_000,
    });
    void second.start();
    const [started, ...held] = envelopes.map((envelope) => envelope.id);
    await vi.waitFor(
      async () => {
        await clock.advance(0);
        for (const id of held) expect((await inner.getJob(id))?.state).toBe('completed');
      },
      { timeout: 30_000 },
    );
    // The job that ran when its worker died used up its one attempt, as before.
    const dead = await inner.getJob(started as string);
    expect(dead).toMatchObject({ state: 'dead', attempts: 1, error: { code: 'LEASE_EXPIRED' } });
    for (const id of held) {
      const record = await inner.getJob(id);
      expect(record).toMatchObject({ state: 'completed', attempts: 1, result: expect.any(Number) });
      expect(record?.history?.[0]?.error.message).toContain(
        'before the broker heard that the worker holding it had started it',
      );
    }
    expect(ran.filter((run) => run.worker === 'second').map((run) => run.attempt)).toEqual([1, 1]);
    const stopping = second.stop({ graceMs: 0 });
    await clock.advance(0);
    await stopping;
  });
});

describe('held jobs tell the broker when they start', () => {
  const workers = useWorkerHarness();

  it('reserves with the free slots as startNow and renews a buffered job as started once', async () => {
    const releases: Array<() => void> = [];
    const task = defineTask({
      name: 't.wait',
      input,
      run: () => new Promise<void>((resolve) => releases.push(resolve)),
    });
    const harness = await workers.start([task], {
      concurrency: 1,
      prefetch: 1,
      leaseMs: 3_000,
      heartbeatMs: 1_000,
    });
    const firstId = await harness.enqueue('t.wait', { n: 1 });
    const secondId = await harness.enqueue('t.wait', { n: 2 });
    await harness.clock.advance(0);
    expect(harness.worker.stats()).toMatchObject({ running: 1, buffered: 1 });
    expect(harness.transport.calls.reserve[0]?.startNow).toBe(1);
    await harness.clock.advance(1_000);
    // Nothing started since the reserve: no renewal says started.
    const beat = harness.transport.calls.renew.at(-1)?.renewals ?? [];
    expect(beat.map((renewal) => renewal.started)).toEqual([undefined, undefined]);
    releases[0]?.();
    await vi.waitFor(() => expect(releases).toHaveLength(2), { timeout: 30_000 });
    await harness.clock.advance(1_000);
    const next = harness.transport.calls.renew.at(-1)?.renewals ?? [];
    expect(next).toEqual([{ id: secondId, token: expect.any(String), started: true }]);
    await harness.clock.advance(1_000);
    // Sent once.
    expect(harness.transport.calls.renew.at(-1)?.renewals[0]?.started).toBeUndefined();
    expect((await harness.job(firstId)).state).toBe('completed');
    releases[1]?.();
  });

  it('counts jobs waiting at a limit gate as taken slots: later jobs are reserved held', async () => {
    const releases: Array<() => void> = [];
    const task = defineTask({
      name: 't.gated',
      input,
      concurrencyLimit: 1,
      run: () => new Promise<void>((resolve) => releases.push(resolve)),
    });
    const harness = await workers.start([task], {
      concurrency: 2,
      prefetch: 0,
      leaseMs: 3_000,
      heartbeatMs: 1_000,
    });
    const settle = (check: () => void) =>
      vi.waitFor(
        async () => {
          await harness.clock.advance(0);
          check();
        },
        { timeout: 30_000 },
      );
    await harness.enqueue('t.gated', { n: 1 });
    await settle(() => expect(harness.worker.stats()).toMatchObject({ running: 1 }));
    // A free run slot, whose job then waits at the gate: counted as started (not promised).
    await harness.enqueue('t.gated', { n: 2 });
    await settle(() => expect(harness.worker.stats().waitingForLimits).toBe(1));
    const since = harness.transport.calls.reserve.length;
    // That slot is taken by the job at the gate: the next job is reserved held. It used to
    // be reserved as started too, so that a crash used up its attempt though it never ran.
    await harness.enqueue('t.gated', { n: 3 });
    await settle(() => expect(harness.worker.stats().waitingForLimits).toBe(2));
    const later = harness.transport.calls.reserve.slice(since);
    expect(later.length).toBeGreaterThan(0);
    expect(later.map((call) => call.startNow)).toEqual(later.map(() => 0));
    for (const release of releases) release();
  });

  it('renews a job held at its task limits as started once the gate lets it run', async () => {
    const releases: Array<() => void> = [];
    const task = defineTask({
      name: 't.limited',
      input,
      concurrencyLimit: 1,
      run: () => new Promise<void>((resolve) => releases.push(resolve)),
    });
    const harness = await workers.start([task], {
      concurrency: 1,
      prefetch: 1,
      leaseMs: 3_000,
      heartbeatMs: 1_000,
    });
    await harness.enqueue('t.limited', { n: 1 });
    await harness.clock.advance(0);
    expect(harness.worker.stats()).toMatchObject({ running: 1 });
    // No run slot left: the second job is reserved held, and waits at the gate.
    const secondId = await harness.enqueue('t.limited', { n: 2 });
    await vi.waitFor(
      async () => {
        await harness.clock.advance(0);
        expect(harness.transport.calls.reserve.at(-1)?.startNow).toBe(0);
        expect(harness.worker.stats().waitingForLimits).toBe(1);
      },
      { timeout: 30_000 },
    );
    releases[0]?.();
    await vi.waitFor(
      async () => {
        await harness.clock.advance(0);
        expect(releases).toHaveLength(2);
      },
      { timeout: 30_000 },
    );
    await harness.clock.advance(1_000);
    const renewals = harness.transport.calls.renew.at(-1)?.renewals ?? [];
    expect(renewals).toEqual([{ id: secondId, token: expect.any(String), started: true }]);
    releases[1]?.();
  });
});
