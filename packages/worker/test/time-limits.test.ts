import { defineTask } from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { deferred, useWorkerHarness } from './helpers.js';

const input = z.object({});

const workers = useWorkerHarness();

describe('time limits', () => {
  it('aborts ctx.signal with a TimeLimitError at the soft limit and lets the task finish', async () => {
    let reason: unknown;
    const task = defineTask({
      name: 't.soft',
      input,
      timeout: { soft: 1_000, hard: 10_000 },
      async run(_input, ctx) {
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
        reason = ctx.signal.reason;
        return 'wrapped up';
      },
    });
    const harness = await workers.start([task]);
    const id = await harness.enqueue('t.soft');
    await harness.clock.advance(999);
    expect(reason).toBeUndefined();
    await harness.clock.advance(1);
    expect(reason).toMatchObject({ code: 'TIME_LIMIT_EXCEEDED', name: 'TimeLimitError' });
    expect((reason as Error).message).toContain('soft time limit of 1000 ms');
    const record = await harness.job(id);
    expect(record).toMatchObject({ state: 'completed', result: 'wrapped up' });
    expect(harness.worker.stats().tasks['t.soft']).toMatchObject({
      softTimeLimits: 1,
      hardTimeLimits: 0,
      completed: 1,
    });
  });

  it('fails the job at the hard limit and frees its slot while the task hangs forever', async () => {
    let signal: AbortSignal | undefined;
    const hang = defineTask({
      name: 't.hang',
      input,
      timeout: { hard: 1_000 },
      run(_input, ctx) {
        signal = ctx.signal;
        return new Promise(() => {});
      },
    });
    const quick = defineTask({ name: 't.quick', input, run: () => 'quick' });
    const harness = await workers.start([hang, quick], { concurrency: 1 });
    const hung = await harness.enqueue('t.hang', {}, { maxAttempts: 1 });
    const next = await harness.enqueue('t.quick');
    await harness.clock.advance(999);
    expect((await harness.job(next)).state).toBe('waiting');
    await harness.clock.advance(1);
    const record = await harness.job(hung);
    expect(record.state).toBe('dead');
    expect(record.error).toMatchObject({ code: 'TIME_LIMIT_EXCEEDED' });
    expect(record.error?.message).toContain('hard time limit of 1000 ms');
    expect(signal?.aborted).toBe(true);
    expect((await harness.job(next)).state).toBe('completed');
    expect(harness.worker.stats()).toMatchObject({ running: 0, inFlight: 0 });
    expect(harness.worker.stats().tasks['t.hang']).toMatchObject({ hardTimeLimits: 1, dead: 1 });
  });

  it('retries a hard timeout per the policy while attempts remain, ignoring the late outcome', async () => {
    const late = deferred<string>();
    let runs = 0;
    const task = defineTask({
      name: 't.slow',
      input,
      timeout: { hard: 1_000 },
      retry: { attempts: 2, backoff: { type: 'fixed', delay: 3_000, jitter: 0 } },
      run() {
        runs += 1;
        return runs === 1 ? late.promise : 'second time lucky';
      },
    });
    const harness = await workers.start([task]);
    const id = await harness.enqueue('t.slow', {}, { maxAttempts: 2 });
    await harness.clock.advance(1_000);
    expect(await harness.job(id)).toMatchObject({ state: 'delayed', attempts: 1 });
    // The first run finishing late changes nothing and sends nothing.
    late.resolve('too late');
    await harness.clock.advance(0);
    const sent = harness.transport.calls.settle.flat().filter((s) => s.id === id);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ type: 'retry', delayMs: 3_000 });
    await harness.clock.advance(3_000);
    expect(await harness.job(id)).toMatchObject({
      state: 'completed',
      result: 'second time lucky',
      attempts: 2,
    });
    expect(harness.worker.stats().totals.staleSettles).toBe(0);
  });
});

describe("the worker's default time limit", () => {
  const HALF_HOUR = 30 * 60_000;
  /** Never settles and never looks at ctx.signal. */
  const hang = defineTask({ name: 't.hang', input, run: () => new Promise(() => {}) });
  const quick = defineTask({ name: 't.quick', input, run: () => 'quick' });

  it('frees the only slot of a run that never settles and ignores its signal (30 min by default)', async () => {
    const harness = await workers.start([hang, quick], { concurrency: 1 });
    const hung = await harness.enqueue('t.hang', {}, { maxAttempts: 1 });
    const next = await harness.enqueue('t.quick');
    await harness.clock.advance(HALF_HOUR - 1);
    expect((await harness.job(next)).state).toBe('waiting');
    await harness.clock.advance(1);
    const record = await harness.job(hung);
    expect(record).toMatchObject({ state: 'dead', error: { code: 'TIME_LIMIT_EXCEEDED' } });
    expect(record.error?.message).toContain(`the worker's default time limit of ${HALF_HOUR} ms`);
    expect((await harness.job(next)).state).toBe('completed');
    expect(harness.worker.stats()).toMatchObject({ running: 0, inFlight: 0 });
    expect(harness.worker.stats().tasks['t.hang']).toMatchObject({ hardTimeLimits: 1, dead: 1 });
    const logged = harness.logger.lines.find((line) => line.message.startsWith('hard time limit'));
    expect(logged?.fields).toMatchObject({ limitMs: HALF_HOUR, limit: 'worker default' });
  });

  it('times each run from its own start, retrying while attempts remain', async () => {
    const harness = await workers.start([hang, quick], { concurrency: 2, defaultTimeout: 60_000 });
    const first = await harness.enqueue('t.hang', {}, { maxAttempts: 2 });
    await harness.clock.advance(10_000);
    const second = await harness.enqueue('t.hang', {}, { maxAttempts: 1 });
    await harness.clock.advance(50_000);
    // The first run ran 60 s: retried; the second has run 50 s.
    expect(await harness.job(first)).toMatchObject({ state: 'delayed', attempts: 1 });
    expect((await harness.job(second)).state).toBe('active');
    await harness.clock.advance(9_999);
    expect((await harness.job(second)).state).toBe('active');
    await harness.clock.advance(1);
    expect((await harness.job(second)).state).toBe('dead');
    expect(harness.worker.stats().totals).toMatchObject({ hardTimeLimits: 2, retried: 1 });
  });

  it("gives way to the task's own limits, and 0 turns it off", async () => {
    const ownHard = defineTask({
      name: 't.ownHard',
      input,
      timeout: { hard: 120_000 },
      run: () => new Promise(() => {}),
    });
    const lateSoft = defineTask({
      name: 't.lateSoft',
      input,
      timeout: { soft: 90_000 },
      run: () => new Promise(() => {}),
    });
    const harness = await workers.start([ownHard, lateSoft], { defaultTimeout: 60_000 });
    const own = await harness.enqueue('t.ownHard', {}, { maxAttempts: 1 });
    const soft = await harness.enqueue('t.lateSoft', {}, { maxAttempts: 1 });
    await harness.clock.advance(60_000);
    expect((await harness.job(own)).state).toBe('active');
    expect((await harness.job(soft)).state).toBe('active');
    // A soft limit past the default moves the default hard limit to it.
    await harness.clock.advance(30_000);
    expect((await harness.job(soft)).error?.message).toContain('default time limit of 90000 ms');
    await harness.clock.advance(30_000);
    expect((await harness.job(own)).error?.message).toContain('hard time limit of 120000 ms');

    await harness.stop({ graceMs: 0 });
    const unlimited = await workers.start([hang], { defaultTimeout: 0, leaseMs: 600_000 });
    const id = await unlimited.enqueue('t.hang');
    await unlimited.clock.advance(4 * 3_600_000);
    expect((await unlimited.job(id)).state).toBe('active');
  });
});
