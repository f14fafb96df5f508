import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JobRecord, WorkerRecord } from '@conveyor/core';
import { type RedisServer, startRedis, startReplyLossProxy } from '@conveyor/test-redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gated, slow } from './fixtures/tasks.js';
import { cli, json, producer, spawnConveyor, TASKS, uniquePrefix, WAIT_MS } from './helpers.js';

// The real `conveyor worker` process (the built binary): it runs jobs, shows up in status
// and stops on SIGTERM. Everything that needs no process of its own runs in-process.
let redis: RedisServer;
let dir: string;
beforeAll(async () => {
  redis = await startRedis();
  dir = mkdtempSync(path.join(tmpdir(), 'conveyor-cli-'));
});
afterAll(async () => {
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function runsIn(log: string): string[] {
  try {
    return readFileSync(log, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

describe('conveyor worker', () => {
  it('prints a banner, shows up in status with its jobs, and leaves it on SIGTERM', async () => {
    const prefix = uniquePrefix();
    const url = redis.url.replace('redis://', 'redis://default:pa55word@');
    const env = producer(redis.url, prefix);
    const args = ['--redis', url, '--prefix', prefix];
    const gate = path.join(dir, 'status-gate');
    const worker = spawnConveyor(
      [
        'worker',
        ...args,
        '--tasks',
        TASKS,
        '--queues',
        'cli-status',
        '--concurrency',
        '3',
        // The record lives three beats: 3 s, so a busy machine's stall does not drop the row
        // the one-shot status reads below look for.
        '--heartbeat-ms',
        '1000',
        '--lease-ms',
        '5000',
        '--worker-id',
        'status-test-worker',
        '--log-level',
        'info',
      ],
      { env: { CONVEYOR_TEST_GATE: gate } },
    );
    try {
      await worker.waitFor('Ready.');
      const banner = worker.stderr();
      expect(banner).toContain(
        `redis        ${url.replace('pa55word', '****')} (prefix ${prefix})`,
      );
      expect(banner).not.toContain('pa55word');
      expect(banner).toMatch(/^ {2}worker {7}status-test-worker$/m);
      expect(banner).toMatch(/^ {2}queues {7}cli-status$/m);
      expect(banner).toMatch(/^ {2}concurrency {2}3 \(prefetch 0\)$/m);
      expect(banner).toContain(
        'tasks        cli.boom, cli.echo, cli.gated, cli.slow (4, from test/fixtures/tasks.ts)',
      );

      const jobs = await env.client.enqueueMany(gated, [{ n: 1 }, { n: 2 }, { n: 3 }], {
        queue: 'cli-status',
      });
      let mine: (WorkerRecord & { heartbeatAgeMs: number }) | undefined;
      await expect
        .poll(
          async () => {
            const snapshot = json<{ workers: Array<WorkerRecord & { heartbeatAgeMs: number }> }>(
              await cli(['status', '--json', ...args]),
            );
            mine = snapshot.workers.find((record) => record.id === 'status-test-worker');
            return mine?.jobs.length;
          },
          { timeout: WAIT_MS, interval: 200 },
        )
        .toBe(3);
      expect(mine).toMatchObject({
        heartbeatMs: 1_000,
        pid: worker.child.pid,
        queues: ['cli-status'],
        concurrency: 3,
        state: 'running',
      });
      expect(mine?.jobs.map((job) => job.id).sort()).toEqual(jobs.map((job) => job.id).sort());
      expect(mine?.heartbeatAgeMs).toBeGreaterThanOrEqual(0);

      const human = await cli(['status', ...args]);
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(/^cli-status\s+0\s+0\s+3\s+0\s+0$/m);
      expect(human.stdout).toMatch(
        new RegExp(
          `^status-test-worker\\s+\\S+\\s+${worker.child.pid}\\s+running\\s+cli-status\\s+3\\s+3\\s`,
          'm',
        ),
      );
      expect(human.stdout).toContain('status-test-worker is running:');
      for (const job of jobs) expect(human.stdout).toContain(`  ${job.id}  cli.gated (attempt 1`);

      // SIGTERM first: the running jobs keep their grace period and finish once let go.
      worker.child.kill('SIGTERM');
      await expect
        .poll(
          async () =>
            json<{ workers: WorkerRecord[] }>(await cli(['status', '--json', ...args])).workers[0]
              ?.state,
          { timeout: WAIT_MS, interval: 100 },
        )
        .toBe('stopping');
      writeFileSync(gate, '');
      const exit = await worker.exited;
      expect(exit.code).toBe(0);
      // The running jobs had their grace period and finished.
      expect(exit.stderr).toContain('Stopped: 3 completed, 0 failed, 0 retried.');
      // The worker logs through the command's logger: pino JSON lines on stdout, at --log-level.
      const lines = exit.stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { name?: string; level?: number; msg?: string });
      expect(lines.find((line) => line.msg === 'worker started')).toMatchObject({
        name: 'conveyor-worker',
        level: 30,
        queues: ['cli-status'],
        concurrency: 3,
      });
      expect(lines.map((line) => line.msg)).toEqual(
        expect.arrayContaining(['stopping', 'worker stopped']),
      );
      for (const job of jobs) expect((await env.transport.getJob(job.id))?.state).toBe('completed');
      const after = json<{ workers: WorkerRecord[] }>(await cli(['status', '--json', ...args]));
      expect(after.workers.map((record) => record.id)).not.toContain('status-test-worker');
    } finally {
      worker.child.kill('SIGKILL');
      await env.close();
    }
  });

  it('loses and duplicates nothing when SIGTERM arrives under load', async () => {
    const prefix = uniquePrefix();
    const env = producer(redis.url, prefix);
    const log = path.join(dir, 'sigterm-runs.log');
    const queue = 'cli-load';
    const total = 200;
    const workerArgs = [
      'worker',
      '--redis',
      redis.url,
      '--prefix',
      prefix,
      '--tasks',
      TASKS,
      '--queues',
      queue,
      '--concurrency',
      '8',
      '--prefetch',
      '4',
      '--log-level',
      'warn',
    ];
    const options = { env: { CONVEYOR_TEST_RUN_LOG: log } };
    try {
      const jobs = await env.client.enqueueMany(
        slow,
        // About 3 s of work at concurrency 8: SIGTERM comes while most of it waits.
        Array.from({ length: total }, (_, n) => ({ n, ms: 120 })),
        { queue },
      );
      const first = spawnConveyor(workerArgs, options);
      await first.waitFor('Ready.');
      await expect
        .poll(() => runsIn(log).length, { timeout: WAIT_MS, interval: 20 })
        .toBeGreaterThan(20);
      first.child.kill('SIGTERM');
      const stopped = await first.exited;
      expect(stopped.code).toBe(0);
      // --log-level warn: the worker's info lines are not written.
      expect(stopped.stdout).not.toContain('"msg":"worker started"');

      // Mid-queue: nothing active, everything either completed (and logged once) or waiting.
      const records = (await Promise.all(
        jobs.map((job) => env.transport.getJob(job.id)),
      )) as JobRecord[];
      const states = new Map<string, number>();
      for (const record of records) states.set(record.state, (states.get(record.state) ?? 0) + 1);
      const completed = states.get('completed') ?? 0;
      expect(completed + (states.get('waiting') ?? 0)).toBe(total);
      expect(completed).toBeLessThan(total);
      const runs = runsIn(log);
      expect(new Set(runs).size).toBe(runs.length);
      expect(runs.length).toBe(completed);

      // The second logs at info, as text (what a terminal gets by default).
      const textArgs = [...workerArgs, '--log-level', 'info', '--log-format', 'text'];
      const second = spawnConveyor(textArgs, options);
      await second.waitFor('Ready.');
      await expect.poll(() => runsIn(log).length, { timeout: WAIT_MS, interval: 50 }).toBe(total);
      second.child.kill('SIGTERM');
      const secondExit = await second.exited;
      expect(secondExit.code).toBe(0);
      expect(secondExit.stdout).toMatch(
        /^\d\d:\d\d:\d\d\.\d{3} INFO {2}worker started .*concurrency=8/m,
      );
      expect(secondExit.stdout).not.toContain('{"level"');

      const finalRuns = runsIn(log);
      expect(new Set(finalRuns).size).toBe(total);
      expect([...finalRuns].sort()).toEqual(jobs.map((job) => job.id).sort());
      for (const job of jobs) {
        // One delivery each: a released delivery does not count, a duplicate would.
        expect(await env.transport.getJob(job.id)).toMatchObject({
          state: 'completed',
          attempts: 1,
        });
      }
    } finally {
      await env.close();
    }
  });

  it('fails clearly on a missing task module, a bad option and an unreachable Redis', async () => {
    const missing = await cli(['worker', '--tasks', 'nope/tasks.ts', '--redis', redis.url]);
    expect(missing.code).toBe(6);
    expect(missing.stderr).toMatch(/^error: Task module "nope\/tasks\.ts" not found/);

    const bad = await cli([
      'worker',
      '--tasks',
      TASKS,
      '--redis',
      redis.url,
      '--lease-ms',
      '1000',
      '--heartbeat-ms',
      '5000',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /^error: Invalid --heartbeat-ms 5000: expected less than the lease \(--lease-ms 1000 ms\)/,
    );

    const unreachable = await cli(['worker', '--tasks', TASKS, '--redis', 'redis://127.0.0.1:1']);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toMatch(
      /^error: Cannot reach Redis at redis:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)/,
    );
  });
  it('exits on a third signal while Redis does not answer, saying so', async () => {
    const proxy = await startReplyLossProxy(new URL(redis.url));
    try {
      const worker = spawnConveyor([
        'worker',
        '--redis',
        proxy.url,
        '--prefix',
        uniquePrefix(),
        '--tasks',
        TASKS,
        '--queues',
        'cli-unanswered',
      ]);
      await worker.waitFor('Ready.');
      // Redis keeps the connection and answers nothing: every call would wait out the
      // command timeout, one after another, on the way out.
      proxy.silence();
      worker.child.kill('SIGTERM');
      await worker.waitFor('stopping gracefully');
      worker.child.kill('SIGTERM');
      await worker.waitFor('second signal: stopping now');
      worker.child.kill('SIGTERM');
      const { code, stderr } = await worker.exited;
      expect(code, stderr).toBe(143);
      expect(stderr).toContain(
        'conveyor worker: third signal: exiting without waiting for Redis; jobs not given back run again when their leases run out.',
      );
    } finally {
      await proxy.close();
    }
  });
});
