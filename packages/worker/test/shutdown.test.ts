import { EventEmitter } from 'node:events';
import { type Clock, defineTask, type Settlement } from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { installSignalHandlers } from '../src/index.js';
import { deferred, type Harness, useWorkerHarness } from './helpers.js';

const workers = useWorkerHarness();

const input = z.object({});

function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

function releases(h: Harness): Settlement[][] {
  return h.transport.calls.settle.filter((call) => call.some((s) => s.type === 'release'));
}

/** A task that takes `ms` of clock time; it ignores its signal unless told otherwise. */
function timed(clockRef: { clock?: Clock }, ms: number, runs: Map<string, number>) {
  return defineTask({
    name: 't.timed',
    input,
    async run(_input, ctx) {
      await sleep(clockRef.clock as Clock, ms);
      runs.set(ctx.jobId, (runs.get(ctx.jobId) ?? 0) + 1);
      return 'done';
    },
  });
}

describe('graceful shutdown', () => {
  it('lets running jobs finish within the grace period and releases nothing', async () => {
    const clockRef: { clock?: Clock } = {};
    const runs = new Map<string, number>();
    const h = await workers.start([timed(clockRef, 1_000, runs)], {
      concurrency: 3,
      shutdownGraceMs: 5_000,
    });
    clockRef.clock = h.clock;
    const ids = [
      await h.enqueue('t.timed'),
      await h.enqueue('t.timed'),
      await h.enqueue('t.timed'),
    ];
    await h.clock.advance(0);
    let stopped = false;
    const stopping = h.worker.stop().then(() => {
      stopped = true;
    });
    await h.clock.advance(0);
    expect(h.worker.stats().state).toBe('stopping');
    // Stopped reserving: a new job stays put.
    const later = await h.enqueue('t.timed');
    const reservesAtStop = h.transport.calls.reserve.length;
    await h.clock.advance(999);
    expect(stopped).toBe(false);
    await h.clock.advance(1);
    await stopping;
    await h.running;
    for (const id of ids) expect((await h.job(id)).state).toBe('completed');
    expect((await h.job(later)).state).toBe('waiting');
    expect(h.transport.calls.reserve.length).toBe(reservesAtStop);
    expect(releases(h)).toHaveLength(0);
    expect(h.worker.stats()).toMatchObject({ state: 'stopped', inFlight: 0 });
  });

  it('after the grace period aborts and releases unfinished jobs in one call, attempts uncounted', async () => {
    const signals: AbortSignal[] = [];
    const hang = defineTask({
      name: 't.hang',
      input,
      run: (_input, ctx) => {
        signals.push(ctx.signal);
        return new Promise(() => {});
      },
    });
    const h = await workers.start([hang], { concurrency: 2, shutdownGraceMs: 2_000 });
    const ids = [await h.enqueue('t.hang'), await h.enqueue('t.hang')];
    await h.clock.advance(0);
    const stopping = h.worker.stop();
    await h.clock.advance(1_999);
    expect(signals.every((signal) => !signal.aborted)).toBe(true);
    expect(releases(h)).toHaveLength(0);
    await h.clock.advance(1);
    await stopping;
    expect(signals.map((signal) => (signal.reason as { code?: string }).code)).toEqual([
      'WORKER_SHUTDOWN',
      'WORKER_SHUTDOWN',
    ]);
    expect(releases(h)).toHaveLength(1);
    expect(
      releases(h)[0]
        ?.map((s) => s.id)
        .sort(),
    ).toEqual([...ids].sort());
    for (const id of ids) expect(await h.job(id)).toMatchObject({ state: 'waiting', attempts: 0 });
    expect(h.worker.stats().totals.released).toBe(2);
  });

  it('stops at once on a second stop() call', async () => {
    const hang = defineTask({ name: 't.hang', input, run: () => new Promise(() => {}) });
    const h = await workers.start([hang], { shutdownGraceMs: 60_000 });
    const id = await h.enqueue('t.hang');
    await h.clock.advance(0);
    const first = h.worker.stop();
    await h.clock.advance(10);
    expect((await h.job(id)).state).toBe('active');
    const second = h.worker.stop();
    await h.clock.advance(0);
    await Promise.all([first, second]);
    expect(await h.job(id)).toMatchObject({ state: 'waiting', attempts: 0 });
  });

  it('stop({ graceMs: 0 }) releases at once, and prefetched jobs go back unrun', async () => {
    let runs = 0;
    const hang = defineTask({
      name: 't.hang',
      input,
      run: () => {
        runs += 1;
        return new Promise(() => {});
      },
    });
    const h = await workers.start([hang], { concurrency: 1, prefetch: 2 });
    const ids = [await h.enqueue('t.hang'), await h.enqueue('t.hang'), await h.enqueue('t.hang')];
    await h.clock.advance(0);
    expect(h.worker.stats()).toMatchObject({ running: 1, buffered: 2 });
    await h.stop({ graceMs: 0 });
    expect(runs).toBe(1);
    for (const id of ids) expect(await h.job(id)).toMatchObject({ state: 'waiting', attempts: 0 });
  });

  it('loses and duplicates nothing when stopped under load and drained by a second worker', async () => {
    const clockRef: { clock?: Clock } = {};
    const runs = new Map<string, number>();
    const task = timed(clockRef, 300, runs);
    const h = await workers.start([task], { concurrency: 4, prefetch: 4, shutdownGraceMs: 1_000 });
    clockRef.clock = h.clock;
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push(await h.enqueue('t.timed'));
    await h.clock.advance(650);
    const stopping = h.worker.stop();
    await h.clock.advance(1_000);
    await stopping;
    const second = h.another({ tasks: [task], concurrency: 4 });
    for (let i = 0; i < 20; i++) await h.clock.advance(300);
    const stopSecond = second.stop();
    await h.clock.advance(0);
    await stopSecond;
    for (const id of ids) expect((await h.job(id)).state).toBe('completed');
    expect([...runs.values()].every((count) => count === 1)).toBe(true);
    expect(runs.size).toBe(40);
    expect(h.worker.stats().totals.completed + second.stats().totals.completed).toBe(40);
    // Both workers did some of it, and the stop gave prefetched jobs back unrun.
    expect(h.worker.stats().totals.completed).toBeGreaterThan(0);
    expect(h.worker.stats().totals.released).toBeGreaterThan(0);
    expect(second.stats().totals.completed).toBeGreaterThan(0);
  });
});

describe('installSignalHandlers', () => {
  it('stops gracefully on the first signal, at once on the second, and uninstalls', async () => {
    const gate = deferred();
    const hang = defineTask({ name: 't.gate', input, run: () => gate.promise });
    const h = await workers.start([hang], { shutdownGraceMs: 60_000 });
    const id = await h.enqueue('t.gate');
    await h.clock.advance(0);
    const source = new EventEmitter();
    const uninstall = installSignalHandlers(h.worker, { source });
    expect(source.listenerCount('SIGTERM')).toBe(1);
    expect(source.listenerCount('SIGINT')).toBe(1);
    source.emit('SIGTERM');
    await h.clock.advance(0);
    expect(h.worker.stats().state).toBe('stopping');
    expect((await h.job(id)).state).toBe('active');
    source.emit('SIGINT');
    await h.clock.advance(0);
    await h.running;
    expect(await h.job(id)).toMatchObject({ state: 'waiting', attempts: 0 });
    uninstall();
    expect(source.listenerCount('SIGTERM')).toBe(0);
    expect(source.listenerCount('SIGINT')).toBe(0);
  });
});
