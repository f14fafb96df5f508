import { type Clock, defineTask, type JsonValue } from '@conveyor/core';
import { makeEnvelope } from '@conveyor/core/testing';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { deferred, QUEUE, useWorkerHarness } from './helpers.js';

const input = z.object({ n: z.number().optional() }).passthrough();

function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

const workers = useWorkerHarness();

describe('fetching and concurrency', () => {
  it('never runs more than `concurrency` jobs at once and completes them all', async () => {
    let current = 0;
    let max = 0;
    const clockRef: { clock?: Clock } = {};
    const task = defineTask({
      name: 't.sleep',
      input,
      async run() {
        current += 1;
        max = Math.max(max, current);
        await sleep(clockRef.clock as Clock, 100);
        current -= 1;
        return 'ok';
      },
    });
    const harness = await workers.start([task], { concurrency: 3 });
    clockRef.clock = harness.clock;
    const ids = await Promise.all(Array.from({ length: 10 }, () => harness.enqueue('t.sleep')));
    for (let i = 0; i < 10; i++) await harness.clock.advance(100);
    expect(max).toBe(3);
    for (const id of ids) expect((await harness.job(id as string)).state).toBe('completed');
    expect(harness.worker.stats().totals.completed).toBe(10);
    expect(harness.worker.stats().tasks['t.sleep']?.duration.count).toBe(10);
    for (const call of harness.transport.calls.reserve) expect(call.max).toBeLessThanOrEqual(3);
  });

  it('reserves a batch up to free capacity in one call and settles a batch in one call', async () => {
    const gate = deferred();
    const task = defineTask({ name: 't.gate', input, run: () => gate.promise.then(() => 1) });
    const harness = await workers.start([task], { concurrency: 5 });
    const envelopes = Array.from({ length: 5 }, () =>
      makeEnvelope(QUEUE, { task: 't.gate', input: {} }),
    );
    const ids = envelopes.map((envelope) => envelope.id);
    await harness.transport.enqueue(envelopes.map((envelope) => ({ envelope })));
    await harness.clock.advance(0);
    // The blocked reserve woke with all five; with no capacity left the worker does not reserve.
    const reserves = harness.transport.calls.reserve;
    expect(reserves).toHaveLength(1);
    expect(reserves[0]?.max).toBe(5);
    expect(harness.worker.stats().running).toBe(5);
    gate.resolve();
    await harness.clock.advance(0);
    const settles = harness.transport.calls.settle;
    expect(settles).toHaveLength(1);
    expect(settles[0]?.map((s) => s.id).sort()).toEqual([...ids].sort());
    expect(settles[0]?.every((s) => s.type === 'complete')).toBe(true);
  });

  it('reserves `prefetch` extra jobs and holds them until a slot frees', async () => {
    const gates = [deferred(), deferred(), deferred(), deferred()];
    let started = 0;
    const task = defineTask({
      name: 't.gate',
      input,
      run: () => (gates[started++] as ReturnType<typeof deferred>).promise,
    });
    const harness = await workers.start([task], { concurrency: 1, prefetch: 2 });
    for (let i = 0; i < 4; i++) await harness.enqueue('t.gate');
    await harness.clock.advance(0);
    let stats = harness.worker.stats();
    expect(stats).toMatchObject({ running: 1, buffered: 2, inFlight: 3 });
    expect(started).toBe(1);
    gates[0]?.resolve();
    await harness.clock.advance(0);
    stats = harness.worker.stats();
    expect(started).toBe(2);
    expect(stats).toMatchObject({ running: 1, buffered: 2, inFlight: 3 });
    expect(stats.totals.completed).toBe(1);
  });

  it('holds at most three windows of leases while its settle calls are not answered', async () => {
    // Jobs that fail at once ended faster than their settles were answered, and the worker
    // reserved on: 19,652 leases at concurrency 500 on Redis, found from outside.
    const answer = deferred();
    const task = defineTask({
      name: 't.fail',
      input,
      run: () => {
        throw new Error('fails at once');
      },
    });
    const harness = await workers.start([task], { concurrency: 2, prefetch: 2 }, (transport) => {
      const settle = transport.settle;
      transport.settle = async (settlements) => {
        await answer.promise;
        return settle(settlements);
      };
    });
    const ids = await Promise.all(Array.from({ length: 40 }, () => harness.enqueue('t.fail')));
    // Three windows of concurrency + prefetch: one running or buffered, two awaiting answers.
    await vi.waitFor(() => expect(harness.worker.stats().inFlight).toBe(12), {
      timeout: 15_000,
    });
    for (let turn = 0; turn < 20; turn++) await harness.clock.advance(0);
    expect(harness.worker.stats().inFlight).toBe(12);
    const [counts] = (await harness.transport.admin?.queueCounts([QUEUE])) ?? [];
    expect(counts?.active).toBe(12);
    // Answered: the rest run, and every job's first attempt is settled (retried, delayed).
    answer.resolve();
    await vi.waitFor(
      async () => {
        await harness.clock.advance(0);
        const [after] = (await harness.transport.admin?.queueCounts([QUEUE])) ?? [];
        expect(after).toMatchObject({ active: 0, delayed: 40 });
      },
      { timeout: 15_000 },
    );
    for (const id of ids) expect((await harness.job(id)).state).toBe('delayed');
    expect(harness.worker.stats().totals.retried).toBe(40);
  });

  it('rotates the queue order between reserves so that no queue starves', async () => {
    const order: string[] = [];
    const clockRef: { clock?: Clock } = {};
    const task = defineTask({
      name: 't.q',
      input,
      async run(_input, ctx) {
        order.push(ctx.queue);
        await sleep(clockRef.clock as Clock, 10);
      },
    });
    const harness = await workers.start([task], { concurrency: 1, queues: ['a', 'b'] });
    clockRef.clock = harness.clock;
    for (let i = 0; i < 5; i++) await harness.enqueue('t.q', {}, { queue: 'a' });
    await harness.enqueue('t.q', {}, { queue: 'b' });
    for (let i = 0; i < 8; i++) await harness.clock.advance(10);
    expect(order).toHaveLength(6);
    // Without rotation `b` would run last.
    expect(order.indexOf('b')).toBeLessThan(3);
    const firstQueues = harness.transport.calls.reserve.map((call) => call.queues[0]);
    expect(firstQueues).toContain('a');
    expect(firstQueues).toContain('b');
  });
});

describe('heartbeat', () => {
  it('renews every held lease in one call per heartbeat, so jobs outlive the lease', async () => {
    const gate = deferred();
    const task = defineTask({ name: 't.gate', input, run: () => gate.promise });
    const harness = await workers.start([task], {
      concurrency: 3,
      leaseMs: 3_000,
      heartbeatMs: 1_000,
    });
    const ids = [
      await harness.enqueue('t.gate'),
      await harness.enqueue('t.gate'),
      await harness.enqueue('t.gate'),
    ];
    await harness.clock.advance(0);
    expect(harness.transport.calls.renew).toHaveLength(0);
    await harness.clock.advance(1_000);
    expect(harness.transport.calls.renew).toHaveLength(1);
    expect(harness.transport.calls.renew[0]?.leaseMs).toBe(3_000);
    expect(harness.transport.calls.renew[0]?.renewals.map((r) => r.id).sort()).toEqual(
      [...ids].sort(),
    );
    await harness.clock.advance(9_000);
    expect(harness.transport.calls.renew).toHaveLength(10);
    gate.resolve();
    await harness.clock.advance(0);
    for (const id of ids) expect((await harness.job(id)).state).toBe('completed');
    expect(harness.worker.stats().totals.staleSettles).toBe(0);
    // Nothing held: no more renew calls.
    await harness.clock.advance(5_000);
    expect(harness.transport.calls.renew).toHaveLength(10);
  });

  it('carries changed progress on the next renew only', async () => {
    const gate = deferred();
    const step = deferred();
    const task = defineTask({
      name: 't.progress',
      input,
      async run(_input, ctx) {
        ctx.progress({ done: 1 });
        await step.promise;
        ctx.progress({ done: 2 });
        await gate.promise;
      },
    });
    const harness = await workers.start([task], { leaseMs: 3_000, heartbeatMs: 1_000 });
    const id = await harness.enqueue('t.progress');
    await harness.clock.advance(1_000);
    await harness.clock.advance(1_000);
    step.resolve();
    await harness.clock.advance(1_000);
    const renewals = harness.transport.calls.renew.map((call) => call.renewals[0]);
    expect(renewals.map((r) => r?.progress)).toEqual([{ done: 1 }, undefined, { done: 2 }]);
    expect((await harness.job(id)).progress).toEqual({ done: 2 });
    gate.resolve();
    await harness.clock.advance(0);
  });

  it("drops a progress value changed afterwards into one JSON cannot carry; the other jobs' leases are renewed", async () => {
    // The renew call carrying it failed for every job of the worker, whose leases ran out.
    const gate = deferred();
    const task = defineTask({
      name: 't.mutated',
      input: z.object({ mutate: z.boolean() }),
      async run({ mutate }, ctx) {
        const progress: Record<string, unknown> = { done: 1 };
        ctx.progress(progress as JsonValue);
        if (mutate) progress.done = 10n;
        await gate.promise;
        return 'ok';
      },
    });
    const harness = await workers.start([task], { leaseMs: 3_000, heartbeatMs: 1_000 });
    const bad = await harness.enqueue('t.mutated', { mutate: true });
    const good = await harness.enqueue('t.mutated', { mutate: false });
    for (let beat = 0; beat < 5; beat++) await harness.clock.advance(1_000);
    const answered = harness.transport.calls.renew.length;
    expect(answered).toBeGreaterThanOrEqual(4);
    expect(harness.logger.lines.map((line) => line.message)).not.toContain(
      expect.stringMatching(/lease renewal failed/),
    );
    const dropped = harness.logger.lines.filter((line) => line.fields.jobId === bad);
    expect(dropped.map((line) => line.message)).toContain(
      "a job's progress was changed after ctx.progress() into a value JSON cannot carry; not sending it (report a new value with ctx.progress)",
    );
    gate.resolve();
    await harness.clock.advance(0);
    await expect.poll(async () => (await harness.job(bad)).state).toBe('completed');
    expect((await harness.job(good)).state).toBe('completed');
    expect((await harness.job(good)).progress).toEqual({ done: 1 });
  });
});

describe('queues', () => {
  it('defaults to the queues the tasks name', async () => {
    const a = defineTask({ name: 't.a', input, queue: 'alpha', run: () => 1 });
    const b = defineTask({ name: 't.b', input, run: () => 2 });
    const harness = await workers.start([a, b], { queues: undefined });
    expect([...(harness.transport.calls.reserve[0]?.queues ?? [])].sort()).toEqual([
      'alpha',
      'default',
    ]);
    expect(QUEUE).toBe('work');
  });
});
