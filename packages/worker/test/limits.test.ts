import { type Clock, defineTask, type TransportLimits } from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { deferred, type RecordingTransport, useWorkerHarness } from './helpers.js';

const input = z.object({ n: z.number().optional() });

const workers = useWorkerHarness();

/** Counts every call on the transport's limits. */
function countLimitCalls(transport: RecordingTransport): { takeRate: number; acquireSlot: number } {
  const counts = { takeRate: 0, acquireSlot: 0 };
  const inner = transport.limits as TransportLimits;
  (transport as { limits?: TransportLimits }).limits = {
    ...inner,
    takeRate(...args) {
      counts.takeRate += 1;
      return inner.takeRate(...args);
    },
    acquireSlot(...args) {
      counts.acquireSlot += 1;
      return inner.acquireSlot(...args);
    },
  };
  return counts;
}

function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

describe('rate limit per task', () => {
  it('starts at most `limit` runs per window and holds the rest without spinning or counting attempts', async () => {
    const starts: number[] = [];
    const clockRef: { clock?: Clock } = {};
    const task = defineTask({
      name: 't.rated',
      input,
      rateLimit: { limit: 2, per: 1_000 },
      run: () => {
        starts.push(clockRef.clock?.now() ?? Number.NaN);
        return 'ok';
      },
    });
    let calls = { takeRate: 0, acquireSlot: 0 };
    const harness = await workers.start([task], { concurrency: 5 }, (transport) => {
      calls = countLimitCalls(transport);
    });
    clockRef.clock = harness.clock;
    const t0 = harness.clock.now();
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await harness.enqueue('t.rated', { n: i }));
    await harness.clock.advance(0);
    expect(starts).toHaveLength(2);
    expect(harness.worker.stats()).toMatchObject({ running: 0, waitingForLimits: 3 });
    const callsAfterDenial = calls.takeRate;
    await harness.clock.advance(999);
    expect(starts).toHaveLength(2);
    // One denial, then one call when its hint runs out: no polling in between.
    expect(calls.takeRate).toBe(callsAfterDenial);
    await harness.clock.advance(1);
    expect(starts).toHaveLength(4);
    await harness.clock.advance(1_000);
    expect(starts).toHaveLength(5);
    expect(starts.map((at) => at - t0)).toEqual([0, 0, 1_000, 1_000, 2_000]);
    for (const id of ids) {
      expect(await harness.job(id)).toMatchObject({ state: 'completed', attempts: 1 });
    }
    expect(calls.acquireSlot).toBe(0);
  });

  it('keeps held jobs leased, out of the running slots, and lets other tasks run meanwhile', async () => {
    const rated = defineTask({
      name: 't.slow-rate',
      input,
      rateLimit: { limit: 1, per: 10_000 },
      run: () => 'rated',
    });
    const quick = defineTask({ name: 't.quick', input, run: () => 'quick' });
    const harness = await workers.start([rated, quick], {
      concurrency: 1,
      leaseMs: 3_000,
      heartbeatMs: 1_000,
    });
    const limited = [
      await harness.enqueue('t.slow-rate'),
      await harness.enqueue('t.slow-rate'),
      await harness.enqueue('t.slow-rate'),
    ];
    const other = await harness.enqueue('t.quick');
    await harness.clock.advance(0);
    expect((await harness.job(limited[0] as string)).state).toBe('completed');
    expect((await harness.job(other)).state).toBe('completed');
    // Well past the lease: the held jobs are still ours, on their first delivery.
    await harness.clock.advance(9_000);
    for (const id of limited.slice(1)) {
      expect(await harness.job(id)).toMatchObject({ state: 'active', attempts: 1 });
    }
    await harness.clock.advance(1_000);
    expect((await harness.job(limited[1] as string)).state).toBe('completed');
    await harness.clock.advance(10_000);
    expect(await harness.job(limited[2] as string)).toMatchObject({
      state: 'completed',
      attempts: 1,
    });
    expect(harness.worker.stats().totals.leasesLost).toBe(0);
  });

  it('stops fetching once maxWaitingForLimits jobs wait', async () => {
    const task = defineTask({
      name: 't.crawl',
      input,
      rateLimit: { limit: 1, per: 60_000 },
      run: () => 'ok',
    });
    const harness = await workers.start([task], { concurrency: 1, maxWaitingForLimits: 3 });
    const ids = [];
    for (let i = 0; i < 10; i++) ids.push(await harness.enqueue('t.crawl', { n: i }));
    await harness.clock.advance(0);
    await harness.clock.advance(5_000);
    const { waitingForLimits, inFlight } = harness.worker.stats();
    expect(waitingForLimits).toBeGreaterThan(0);
    // 3 waiting that still let it fetch, plus one fetch's worth (concurrency 1).
    expect(waitingForLimits).toBeLessThanOrEqual(4);
    expect(inFlight).toBe(waitingForLimits);
    const states = await Promise.all(ids.map(async (id) => (await harness.job(id))?.state));
    expect(states.filter((state) => state === 'completed')).toHaveLength(1);
    expect(states.filter((state) => state === 'waiting').length).toBeGreaterThanOrEqual(5);
  });
});

describe('concurrency cap per task', () => {
  it('holds across two workers sharing a transport, and frees slots as runs end', async () => {
    let runningNow = 0;
    let maxRunning = 0;
    const clockRef: { clock?: Clock } = {};
    const task = defineTask({
      name: 't.capped',
      input,
      concurrencyLimit: 2,
      async run() {
        runningNow += 1;
        maxRunning = Math.max(maxRunning, runningNow);
        await sleep(clockRef.clock as Clock, 100);
        runningNow -= 1;
        return 'ok';
      },
    });
    const harness = await workers.start([task], { concurrency: 3 });
    clockRef.clock = harness.clock;
    const second = harness.another({ tasks: [task], concurrency: 3 });
    const ids = [];
    for (let i = 0; i < 8; i++) ids.push(await harness.enqueue('t.capped', { n: i }));
    for (let i = 0; i < 20; i++) await harness.clock.advance(50);
    for (const id of ids) {
      expect(await harness.job(id)).toMatchObject({ state: 'completed', attempts: 1 });
    }
    expect(maxRunning).toBe(2);
    const completed = harness.worker.stats().totals.completed + second.stats().totals.completed;
    expect(completed).toBe(8);
  });

  it("waits for a crashed holder's slot to expire, then runs", async () => {
    const gate = deferred<string>();
    const task = defineTask({
      name: 't.single',
      input,
      concurrencyLimit: 1,
      run: () => gate.promise,
    });
    const harness = await workers.start([task], { leaseMs: 6_000, heartbeatMs: 2_000 });
    // A worker that died holding the only slot.
    await harness.transport.limits?.acquireSlot('task:t.single', 1, 'dead-worker-token', 5_000);
    const id = await harness.enqueue('t.single');
    await harness.clock.advance(4_900);
    expect(harness.worker.stats()).toMatchObject({ running: 0, waitingForLimits: 1 });
    await harness.clock.advance(200);
    expect(harness.worker.stats()).toMatchObject({ running: 1, waitingForLimits: 0 });
    gate.resolve('done');
    await harness.clock.advance(0);
    expect(await harness.job(id)).toMatchObject({ state: 'completed', attempts: 1 });
  });

  it('renews slots with the heartbeat, so a long run keeps its slot past the lease', async () => {
    const gate = deferred<string>();
    const task = defineTask({
      name: 't.long',
      input,
      concurrencyLimit: 1,
      run: () => gate.promise,
    });
    const harness = await workers.start([task], { leaseMs: 3_000, heartbeatMs: 1_000 });
    await harness.enqueue('t.long');
    await harness.clock.advance(10_000);
    const other = await harness.transport.limits?.acquireSlot('task:t.long', 1, 'intruder', 1_000);
    expect(other?.granted).toBe(false);
    gate.resolve('done');
    await harness.clock.advance(0);
    const after = await harness.transport.limits?.acquireSlot('task:t.long', 1, 'next', 1_000);
    expect(after?.granted).toBe(true);
  });

  it('cancels a held job at once and gives held jobs back unrun on stop', async () => {
    const gate = deferred<string>();
    const task = defineTask({
      name: 't.one',
      input,
      concurrencyLimit: 1,
      run: () => gate.promise,
    });
    const harness = await workers.start([task], { concurrency: 4 });
    const first = await harness.enqueue('t.one');
    const cancelled = await harness.enqueue('t.one');
    const third = await harness.enqueue('t.one');
    await harness.clock.advance(0);
    expect(harness.worker.stats()).toMatchObject({ running: 1, waitingForLimits: 2 });
    expect(await harness.transport.cancel(cancelled)).toBe('signalled');
    await harness.clock.advance(0);
    expect((await harness.job(cancelled)).state).toBe('cancelled');
    expect(harness.worker.stats().waitingForLimits).toBe(1);
    const stopping = harness.worker.stop({ graceMs: 60_000 });
    await harness.clock.advance(0);
    expect(await harness.job(third)).toMatchObject({ state: 'waiting', attempts: 0 });
    gate.resolve('done');
    await harness.clock.advance(0);
    await stopping;
    expect((await harness.job(first)).state).toBe('completed');
    // Stopped cleanly: no slot is left behind.
    const slot = await harness.transport.limits?.acquireSlot('task:t.one', 1, 'after', 1_000);
    expect(slot?.granted).toBe(true);
  });
});

describe('without shared limits on the transport', () => {
  it('enforces limits in this process and warns once', async () => {
    let runningNow = 0;
    let maxRunning = 0;
    const gates = [deferred<string>(), deferred<string>(), deferred<string>()];
    const task = defineTask({
      name: 't.local',
      input,
      concurrencyLimit: 1,
      async run({ n }) {
        runningNow += 1;
        maxRunning = Math.max(maxRunning, runningNow);
        const result = await (gates[n ?? 0] as { promise: Promise<string> }).promise;
        runningNow -= 1;
        return result;
      },
    });
    const harness = await workers.start([task], { concurrency: 3 }, (transport) => {
      (transport as { limits?: TransportLimits }).limits = undefined;
    });
    for (let n = 0; n < 3; n++) await harness.enqueue('t.local', { n });
    await harness.clock.advance(0);
    expect(harness.worker.stats()).toMatchObject({ running: 1, waitingForLimits: 2 });
    for (const gate of gates) {
      gate.resolve('ok');
      await harness.clock.advance(0);
    }
    expect(harness.worker.stats().totals.completed).toBe(3);
    expect(maxRunning).toBe(1);
    const warnings = harness.logger.lines.filter((line) =>
      line.message.includes('no shared limits'),
    );
    expect(warnings).toHaveLength(1);
  });
});

describe('task limit options', () => {
  it('rejects bad values with INVALID_OPTION quoting them', () => {
    const run = () => 'x';
    expect(() =>
      defineTask({ name: 't.bad', input, rateLimit: { limit: 0, per: 1_000 }, run }),
    ).toThrow(/rateLimit of task "t.bad" \{"limit":0,"per":1000\}/);
    expect(() => defineTask({ name: 't.bad', input, concurrencyLimit: 2.5, run })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    );
    expect(() =>
      defineTask({ name: 't.bad', input, sandbox: 'yes' as unknown as boolean, run }),
    ).toThrow(/sandbox of task "t.bad"/);
  });
});
