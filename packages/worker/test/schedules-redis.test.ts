import { defineSchedule, defineTask, scheduledSlotOf } from '@conveyor/core';
import { type RedisTransport, redisTransport } from '@conveyor/redis';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createWorker } from '../src/index.js';
import { captureLogger } from './helpers.js';

// A private redis-server without persistence (startRedis's default), restarted under a
// running worker: everything stored is gone, the declared schedule with it.

let redis: RedisServer;
let transport: RedisTransport;
beforeAll(async () => {
  redis = await startRedis();
  transport = redisTransport({ url: redis.url });
});
afterAll(async () => {
  await transport?.close();
  await redis?.stop();
});

describe('declared schedules on Redis', () => {
  it('fire again after a restart without persistence lost them', { timeout: 60_000 }, async () => {
    const slots: number[] = [];
    const tick = defineTask({
      name: 'sr.tick',
      queue: 'sr',
      input: z.object({}),
      run: (_input, ctx) => {
        const slot = scheduledSlotOf(ctx.jobId)?.slotAt;
        if (slot !== undefined) slots.push(slot);
        return null;
      },
    });
    const everySecond = defineSchedule({ id: 'sr.every', task: tick, every: '1s', input: {} });
    const logger = captureLogger();
    const worker = createWorker({
      transport,
      tasks: [tick],
      schedules: [everySecond],
      schedulesRefreshMs: 200,
      reserveWaitMs: 100,
      logger,
    });
    const running = worker.start();
    const wait = { timeout: 20_000, interval: 50 };
    await vi.waitFor(() => expect(slots.length).toBeGreaterThan(0), wait);

    await redis.restart();
    const restartedAt = Date.now();
    // Stored again by the worker, and its slots run again.
    await vi.waitFor(async () => {
      const { schedules } = await transport.schedules.list();
      expect(schedules.map((state) => state.spec.id)).toEqual(['sr.every']);
    }, wait);
    await vi.waitFor(() => expect(slots.some((slot) => slot > restartedAt)).toBe(true), wait);
    const warnings = logger.lines.filter((line) =>
      line.message.startsWith('declared schedules were missing from the transport'),
    );
    expect(warnings.map((line) => line.fields.schedules)).toEqual([['sr/sr.every']]);
    // No slot ran twice, but one fired in the moment before the loss (docs/schedules.md: its
    // mark went with the data; the fire's reply lost in the restart is sent again to the
    // empty server). A CI run saw that once.
    const repeated = slots.filter((slot, n) => slots.indexOf(slot) !== n);
    expect(repeated.filter((slot) => slot > restartedAt)).toEqual([]);
    expect(repeated.length).toBeLessThanOrEqual(1);
    await worker.stop({ graceMs: 0 });
    await running;
  });
});
