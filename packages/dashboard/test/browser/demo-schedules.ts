// The demo's schedules: every kind the /schedules page draws (fired, cron, paused, orphaned
// in code and at run time), with the live worker that declares the one that fired.

import { type JsonValue, type ScheduleSpec, scheduleJob } from '@conveyor/core';
import type { Seeded } from './fixtures.js';

/** A stored schedule of the demo: every `every` ms, or on a cron pattern. */
export function scheduleSpec(
  id: string,
  queue: string,
  task: string,
  timing: { every: number } | { cron: string; tz: string },
  input: JsonValue,
  source: 'code' | 'runtime',
): ScheduleSpec {
  return {
    id,
    queue,
    task,
    ...('every' in timing ? { every: timing.every, tz: 'UTC' } : timing),
    input,
    misfire: 'latest',
    overlap: 'skip',
    enabled: true,
    source,
    maxAttempts: 3,
    priority: 5,
  };
}

export interface DemoSchedules {
  /** Fired once (its job is waiting in `maintenance`), declared by a live worker. */
  fired: { queue: string; id: string; jobId: string };
}

/**
 * Four schedules in the queue `maintenance`: one that fired and that a live worker
 * declares, a daily cron in Berlin, a paused weekly one, and one declared in code that no
 * worker declares any more (orphaned); and one made at run time in `ledger`, which no
 * worker consumes (orphaned too).
 */
export async function seedSchedules(transport: Seeded): Promise<DemoSchedules> {
  const schedules = transport.schedules;
  if (!schedules) throw new Error('seedSchedules needs a transport with schedules');
  const queue = 'maintenance';
  const cleanup = scheduleSpec(
    'cart-cleanup',
    queue,
    'shop.cleanupCarts',
    { every: 60_000 },
    { olderThanHours: 24 },
    'code',
  );
  await schedules.upsert([
    cleanup,
    scheduleSpec(
      'daily-low-stock',
      queue,
      'shop.sendLowStockReport',
      { cron: '0 7 * * *', tz: 'Europe/Berlin' },
      { threshold: 5, to: 'ops@example.com', smtp: { password: 'hunter2' } },
      'runtime',
    ),
    scheduleSpec(
      'weekly-digest',
      queue,
      'shop.weeklyDigest',
      { cron: '0 9 * * 1', tz: 'UTC' },
      { audience: 'subscribers' },
      'runtime',
    ),
    scheduleSpec(
      'legacy-export',
      queue,
      'shop.exportOrdersCsv',
      { every: 3_600_000 },
      { format: 'csv' },
      'code',
    ),
    scheduleSpec(
      'ledger-sync',
      'ledger',
      'shop.syncLedger',
      { every: 600_000 },
      { full: false },
      'runtime',
    ),
  ]);
  await schedules.setPaused(queue, 'weekly-digest', true);
  const { now, schedules: states } = await schedules.list([queue]);
  const revision = states.find((state) => state.spec.id === 'cart-cleanup')?.revision ?? 1;
  const { jobId } = await schedules.fire({
    scheduleId: 'cart-cleanup',
    revision,
    slotAt: Math.floor(now / 60_000) * 60_000,
    job: scheduleJob(cleanup, { id: `${queue}:seed`, enqueuedAt: now }),
  });
  await transport.admin.putWorker(
    {
      id: 'worker-m',
      hostname: 'shop-worker-3',
      pid: 4242,
      queues: [queue],
      tasks: ['shop.cleanupCarts'],
      concurrency: 2,
      state: 'running',
      startedAt: Date.now() - 5 * 60_000,
      heartbeatAt: Date.now(),
      heartbeatMs: 600_000,
      jobs: [],
      counts: { completed: 0, failed: 0, retried: 0 },
      schedules: [`${queue}/cart-cleanup`],
    },
    600_000,
  );
  return { fired: { queue, id: 'cart-cleanup', jobId } };
}
