import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { scheduledSlotOf } from '@conveyor/core';
import { scheduleJobId } from '@conveyor/core/transport';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { producer, type Spawned, spawnConveyor, uniquePrefix, WAIT_MS } from './helpers.js';

// Three real `conveyor worker` processes run one every-second schedule on a private Redis:
// every slot fires once, none is skipped; after kill -9 of two, the survivor goes on.
let redis: RedisServer;
let dir: string;
beforeAll(async () => {
  redis = await startRedis();
  dir = mkdtempSync(path.join(tmpdir(), 'conveyor-cli-sched-'));
});
afterAll(async () => {
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const QUEUE = 'cli-tick';
const SCHEDULE = 'cli.everySecond';

/** The slots whose jobs have run, from the run log the task appends to. */
function slotsRun(log: string): number[] {
  let text = '';
  try {
    text = readFileSync(log, 'utf8');
  } catch {
    return [];
  }
  const slots = new Set<number>();
  for (const id of text.split('\n')) {
    const slot = id ? scheduledSlotOf(id) : undefined;
    if (slot) slots.add(slot.slotAt);
  }
  return [...slots].sort((a, b) => a - b);
}

describe('an every-second schedule on three conveyor worker processes', () => {
  it('fires each slot exactly once, skips none, and keeps firing after kill -9 of two', async () => {
    const prefix = uniquePrefix();
    const log = path.join(dir, 'runs.log');
    const env = producer(redis.url, prefix);
    const workers: Spawned[] = [];
    try {
      for (const n of [1, 2, 3]) {
        workers.push(
          spawnConveyor(
            [
              'worker',
              '--redis',
              redis.url,
              '--prefix',
              prefix,
              '--tasks',
              'test/fixtures/ticking.ts',
              '--queues',
              QUEUE,
              '--worker-id',
              `tick-${n}`,
              '--log-level',
              'warn',
            ],
            { env: { CONVEYOR_TEST_RUN_LOG: log } },
          ),
        );
      }
      await Promise.all(workers.map((worker) => worker.waitFor('Ready.')));
      await expect.poll(() => slotsRun(log).length, { timeout: WAIT_MS }).toBeGreaterThanOrEqual(5);

      const [survivor, ...killed] = workers as [Spawned, Spawned, Spawned];
      for (const worker of killed) worker.child.kill('SIGKILL');
      await Promise.all(killed.map((worker) => worker.exited));
      const lastBeforeKill = Math.max(...slotsRun(log));
      // Five more slots after every other worker is gone.
      await expect
        .poll(() => slotsRun(log).filter((slot) => slot > lastBeforeKill).length, {
          timeout: WAIT_MS,
        })
        .toBeGreaterThanOrEqual(5);
      expect(survivor.child.exitCode).toBeNull();

      // Stop the survivor, then read every job the queue holds, in every state.
      survivor.child.kill('SIGTERM');
      expect((await survivor.exited).code).toBe(0);
      const slots: number[] = [];
      for (const state of ['waiting', 'delayed', 'active', 'dead', 'finished'] as const) {
        let cursor: string | undefined;
        do {
          const page = await env.transport.admin.listJobs(QUEUE, { state, cursor, limit: 500 });
          for (const job of page.jobs) {
            const slot = scheduledSlotOf(job.envelope.id);
            expect(slot?.scheduleId, job.envelope.id).toBe(SCHEDULE);
            slots.push(slot?.slotAt as number);
          }
          cursor = page.next;
        } while (cursor);
      }
      slots.sort((a, b) => a - b);
      // One job per slot, and every second from the first slot to the last has one: none
      // fired twice, none skipped, through the kill.
      const first = slots[0] as number;
      const last = slots.at(-1) as number;
      expect(new Set(slots).size).toBe(slots.length);
      expect(slots.length).toBe((last - first) / 1_000 + 1);
      expect(last).toBeGreaterThan(lastBeforeKill + 4_000);
      // The schedule's mark names the last slot's job.
      const { schedules } = await env.transport.schedules.list([QUEUE]);
      const mark = schedules.find((state) => state.spec.id === SCHEDULE)?.mark;
      expect(mark?.jobId).toBe(scheduleJobId(QUEUE, SCHEDULE, last));
    } finally {
      for (const worker of workers)
        if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
      await Promise.all(workers.map((worker) => worker.exited));
      await env.close();
    }
  }, 120_000);
});
