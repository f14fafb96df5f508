import type { ScheduleRow } from '@conveyor/core';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, json, producer, spawnConveyor, uniquePrefix, WAIT_MS } from './helpers.js';

// `conveyor worker` on a private Redis runs the schedules its task module exports, and
// `conveyor schedules` shows, pauses and runs them; the output in detail is in schedules.test.ts.
let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

const ID = 'cli.beat.everySecond';

describe('conveyor worker and conveyor schedules on Redis', () => {
  it('the worker declares and fires the module schedules; pause, run-now, resume; orphaned once it stops', async () => {
    const prefix = uniquePrefix();
    const env = producer(redis.url, prefix);
    const args = ['--redis', redis.url, '--prefix', prefix];
    const row = async (): Promise<ScheduleRow | undefined> => {
      const listed = await cli(['schedules', '--json', ...args]);
      expect(listed.code).toBe(0);
      return json<{ schedules: ScheduleRow[] }>(listed).schedules.find((r) => r.id === ID);
    };
    const worker = spawnConveyor([
      'worker',
      ...args,
      '--tasks',
      'test/fixtures/scheduled.ts',
      // The worker's record lives three beats (6 s): a busy machine's stall does not make
      // the live worker's schedule read as orphaned.
      '--heartbeat-ms',
      '2000',
      '--log-level',
      'warn',
    ]);
    try {
      await worker.waitFor('Ready.');
      expect(worker.stderr()).toMatch(/^ {2}schedules {4}cli\.beat\.everySecond \(1\)$/m);

      // Declared by a live worker, and fired: a slot's job has run.
      await expect
        .poll(async () => (await row())?.lastJobState, { timeout: WAIT_MS, interval: 200 })
        .toBe('completed');
      expect(await row()).toMatchObject({
        queue: 'cli-beat',
        task: 'cli.beat',
        timing: 'every 1s',
        source: 'code',
        paused: false,
        orphaned: false,
        input: { n: 7 },
      });
      const human = await cli(['schedules', ...args]);
      expect(human.stdout).toMatch(/^cli\.beat\.everySecond\s+cli-beat\s+cli\.beat\s+every 1s\s/m);

      const paused = await cli(['schedules', 'pause', ID, ...args]);
      expect(paused.code).toBe(0);
      expect(await row()).toMatchObject({ paused: true, next: [] });
      // run-now while paused: a job of its own, run by the worker.
      const ran = json<{ jobId: string }>(
        await cli(['schedules', 'run-now', ID, '--json', ...args]),
      );
      expect(await env.client.job(ran.jobId).result({ timeout: WAIT_MS })).toEqual({ n: 7 });
      const inspect = await cli(['inspect', ran.jobId, ...args]);
      expect(inspect.stdout).not.toMatch(/^Schedule /m);
      const resumed = await cli(['schedules', 'resume', ID, '--queue', 'cli-beat', ...args]);
      expect(resumed.code).toBe(0);
      const slotJob = (await row())?.lastJobId as string;
      expect((await cli(['inspect', slotJob, ...args])).stdout).toMatch(
        /^Schedule {2}cli\.beat\.everySecond$/m,
      );

      worker.child.kill('SIGTERM');
      expect((await worker.exited).code).toBe(0);
      // Its record is gone: nothing declares the schedule any more. Shown, not deleted.
      expect(await row()).toMatchObject({ orphaned: true, source: 'code' });
    } finally {
      worker.child.kill('SIGKILL');
      await env.close();
    }
  });
});
