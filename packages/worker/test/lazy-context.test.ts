import { defineTask } from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { deferred, useWorkerHarness } from './helpers.js';

const input = z.object({});

const workers = useWorkerHarness();

// ctx.signal and ctx.logger are made on first read; these check that a late first read
// sees what an eager one would have.
describe('a task reading ctx.signal late', () => {
  it('finds it already aborted, with the first reason, when cancelled before the read', async () => {
    const gate = deferred();
    const seen: unknown[] = [];
    const harness = await workers.start([
      defineTask({
        name: 't.late',
        input,
        run: async (_input, ctx) => {
          await gate.promise;
          seen.push(ctx.signal.aborted, ctx.signal.reason);
          throw ctx.signal.reason;
        },
      }),
    ]);
    const id = await harness.enqueue('t.late');
    await harness.clock.advance(0);
    expect(await harness.transport.cancel(id)).toBe('signalled');
    await harness.clock.advance(0);
    gate.resolve();
    await harness.clock.advance(0);
    expect(seen).toMatchObject([true, { code: 'JOB_CANCEL_REQUESTED' }]);
    expect((await harness.job(id)).state).toBe('cancelled');
  });

  it('finds it aborted by the soft time limit that passed before the read', async () => {
    const gate = deferred();
    const seen: unknown[] = [];
    const harness = await workers.start([
      defineTask({
        name: 't.slow',
        input,
        timeout: { soft: 1_000 },
        run: async (_input, ctx) => {
          await gate.promise;
          seen.push(ctx.signal.reason);
          return 'done anyway';
        },
      }),
    ]);
    await harness.enqueue('t.slow');
    await harness.clock.advance(1_000);
    gate.resolve();
    await harness.clock.advance(0);
    expect(seen).toMatchObject([{ code: 'TIME_LIMIT_EXCEEDED' }]);
  });

  it('gives the same signal and logger on every read, and logs with the job fields', async () => {
    let same = false;
    const harness = await workers.start([
      defineTask({
        name: 't.log',
        input,
        run: (_input, ctx) => {
          const { progress, logger, signal } = ctx;
          same = ctx.signal === signal && ctx.logger === logger;
          progress({ step: 1 });
          logger.info('hello');
        },
      }),
    ]);
    const id = await harness.enqueue('t.log');
    await harness.clock.advance(0);
    expect(same).toBe(true);
    expect(harness.logger.lines.find((line) => line.message === 'hello')?.fields).toMatchObject({
      jobId: id,
      task: 't.log',
    });
  });
});
