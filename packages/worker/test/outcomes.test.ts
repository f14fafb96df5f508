import { defineTask, NonRetryableError, type Settlement } from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Harness, useWorkerHarness } from './helpers.js';

const input = z.object({ email: z.email() });
const valid = { email: 'ada@example.com' };

const workers = useWorkerHarness();

function retries(h: Harness): Array<Extract<Settlement, { type: 'retry' }>> {
  return h.transport.calls.settle
    .flat()
    .filter((s): s is Extract<Settlement, { type: 'retry' }> => s.type === 'retry');
}

describe('retries', () => {
  it('waits the policy back-off, jittered by the injected random, then dead-letters', async () => {
    let runs = 0;
    const task = defineTask({
      name: 't.flaky',
      input,
      retry: { attempts: 3, backoff: { type: 'exponential', delay: 1_000, jitter: 0.5 } },
      run() {
        runs += 1;
        throw new Error(`boom ${runs}`);
      },
    });
    const harness = await workers.start([task], { random: () => 0.5 });
    const id = await harness.enqueue('t.flaky', valid, { maxAttempts: 3 });
    await harness.clock.advance(0);
    expect(runs).toBe(1);
    // attempt 1: 1000 * (1 - 0.5 * 0.5) = 750
    expect(retries(harness).map((s) => s.delayMs)).toEqual([750]);
    expect((await harness.job(id)).state).toBe('delayed');
    await harness.clock.advance(749);
    expect(runs).toBe(1);
    await harness.clock.advance(1);
    expect(runs).toBe(2);
    // attempt 2: 2000 * 0.75
    expect(retries(harness).map((s) => s.delayMs)).toEqual([750, 1_500]);
    await harness.clock.advance(1_500);
    expect(runs).toBe(3);
    const record = await harness.job(id);
    expect(record.state).toBe('dead');
    expect(record.error?.message).toBe('boom 3');
    expect(harness.worker.stats().tasks['t.flaky']).toMatchObject({ retried: 2, dead: 1 });
  });

  it('keeps jittered delays within [delay * (1 - jitter), delay]', async () => {
    const task = defineTask({
      name: 't.fail',
      input,
      retry: { attempts: 5, backoff: { type: 'fixed', delay: 1_000, jitter: 0.4 } },
      run() {
        throw new Error('no');
      },
    });
    for (const [random, expected] of [
      [0, 1_000],
      [0.999_999, 600],
    ] as const) {
      const harness = await workers.start([task], { random: () => random });
      await harness.enqueue('t.fail', valid, { maxAttempts: 5 });
      await harness.clock.advance(0);
      expect(retries(harness)[0]?.delayMs).toBe(expected);
      await harness.stop({ graceMs: 0 });
    }
  });

  it('honours ctx.retry({ countdown }) and then completes', async () => {
    const task = defineTask({
      name: 't.later',
      input,
      run(_input, ctx) {
        if (ctx.attempt === 1) ctx.retry({ countdown: 5_000, reason: 'busy' });
        return { attempt: ctx.attempt };
      },
    });
    const harness = await workers.start([task]);
    const id = await harness.enqueue('t.later', valid);
    await harness.clock.advance(4_999);
    expect(retries(harness)).toMatchObject([{ delayMs: 5_000, error: { message: 'busy' } }]);
    expect((await harness.job(id)).state).toBe('delayed');
    await harness.clock.advance(1);
    const record = await harness.job(id);
    expect(record.state).toBe('completed');
    expect(record.result).toEqual({ attempt: 2 });
  });

  it('logs what was thrown on every failure line, a thrown undefined too', async () => {
    const task = defineTask({
      name: 't.undef',
      input,
      retry: { attempts: 2, backoff: { type: 'fixed', delay: 1_000 } },
      run() {
        throw undefined;
      },
    });
    const harness = await workers.start([task]);
    const id = await harness.enqueue('t.undef', valid, { maxAttempts: 2 });
    await harness.clock.advance(1_000);
    expect((await harness.job(id)).state).toBe('dead');
    const failures = harness.logger.lines.filter(
      (l) => l.fields.jobId === id && l.level !== 'info',
    );
    expect(failures.map((l) => l.message)).toEqual([
      'job failed; retry scheduled',
      'job dead-lettered',
    ]);
    for (const line of failures) {
      expect(line.fields.err).toMatchObject({ name: 'NonErrorThrown', message: 'undefined' });
    }
  });

  it('fails a NonRetryableError at once, attempts left or not', async () => {
    let runs = 0;
    const task = defineTask({
      name: 't.final',
      input,
      run() {
        runs += 1;
        throw new NonRetryableError('out of stock');
      },
    });
    const harness = await workers.start([task]);
    const id = await harness.enqueue('t.final', valid, { maxAttempts: 5 });
    await harness.clock.advance(60_000);
    const record = await harness.job(id);
    expect(runs).toBe(1);
    expect(record).toMatchObject({ state: 'failed', attempts: 1 });
    expect(record.error).toMatchObject({ code: 'NON_RETRYABLE', message: 'out of stock' });
    expect(harness.worker.stats().totals).toMatchObject({ failed: 1, retried: 0, dead: 0 });
  });
});

describe('before the task runs', () => {
  it('dead-letters an unknown task with a reason naming it, and keeps running', async () => {
    const known = defineTask({ name: 't.known', input, run: () => 'fine' });
    const harness = await workers.start([known]);
    const unknown = await harness.enqueue('t.typo', valid);
    const next = await harness.enqueue('t.known', valid);
    await harness.clock.advance(0);
    const record = await harness.job(unknown);
    expect(record.state).toBe('dead');
    expect(record.error?.code).toBe('UNKNOWN_TASK');
    expect(record.error?.message).toContain('"t.typo"');
    expect((await harness.job(next)).state).toBe('completed');
    expect(harness.worker.stats().state).toBe('running');
    expect(harness.worker.stats().tasks['t.typo']?.dead).toBe(1);
    const line = harness.logger.lines.find((l) => l.message === 'job dead-lettered');
    expect(line?.fields).toMatchObject({ jobId: unknown, task: 't.typo', attempt: 1 });
  });

  it('dead-letters invalid input with the schema issues as the error, to retry once fixed', async () => {
    let runs = 0;
    const task = defineTask({
      name: 't.email',
      input,
      run: () => {
        runs += 1;
      },
    });
    const harness = await workers.start([task]);
    const id = await harness.enqueue('t.email', { email: 'not-an-email' }, { maxAttempts: 3 });
    await harness.clock.advance(10_000);
    const record = await harness.job(id);
    expect(runs).toBe(0);
    expect(record).toMatchObject({ state: 'dead', attempts: 1 });
    expect(record.error?.code).toBe('VALIDATION_FAILED');
    expect(record.error?.issues?.[0]?.path).toEqual(['email']);
  });
});
