import { defineTask } from '@conveyor/core';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { deferred, type Harness, startWorker } from './helpers.js';

const input = z.object({});

let harness: Harness | undefined;
afterEach(async () => {
  if (!harness) return;
  const stopping = harness.worker.stop({ graceMs: 0 });
  await harness.clock.advance(0);
  await stopping;
  harness = undefined;
});

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
    harness = await startWorker([task]);
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
    harness = await startWorker([hang, quick], { concurrency: 1 });
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
    harness = await startWorker([task]);
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
