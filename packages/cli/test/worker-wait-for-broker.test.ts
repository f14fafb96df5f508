// `conveyor worker --wait-for-broker <seconds>`: a worker started before its Redis (docker
// compose, a pod) keeps trying instead of exiting 3 at once, and a stop while it waits ends it.
import { findFreePort, type RedisServer, startRedis } from '@conveyor/test-redis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { echo } from './fixtures/tasks.js';
import { producer, startCli, TASKS, uniquePrefix, WAIT_MS } from './helpers.js';

let redis: RedisServer | undefined;
afterEach(async () => {
  await redis?.stop();
  redis = undefined;
});

describe('conveyor worker --wait-for-broker', () => {
  it('waits for a Redis that starts after it, then runs jobs', async () => {
    const port = await findFreePort();
    const url = `redis://127.0.0.1:${port}`;
    const prefix = uniquePrefix();
    const controller = new AbortController();
    const argv = ['worker', '--redis', url, '--prefix', prefix, '--tasks', TASKS];
    const worker = startCli([...argv, '--wait-for-broker', '120', '--log-level', 'silent'], {
      signal: controller.signal,
    });
    try {
      await vi.waitFor(
        () =>
          expect(worker.stderr()).toMatch(
            /Cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\).* Trying again every second for up to 120 s \(--wait-for-broker\)\./,
          ),
        { timeout: WAIT_MS, interval: 20 },
      );
      expect(worker.stderr()).not.toContain('Ready.');
      redis = await startRedis({ port });
      await vi.waitFor(() => expect(worker.stderr()).toContain('Ready.'), {
        timeout: WAIT_MS,
        interval: 20,
      });
      const env = producer(url, prefix);
      try {
        const job = await env.client.enqueue(echo, { n: 7 });
        expect(await job.result({ timeout: WAIT_MS })).toEqual({ n: 7 });
      } finally {
        await env.close();
      }
    } finally {
      controller.abort();
    }
    expect((await worker.done).code).toBe(0);
  });

  it('fails with exit 3 at once without it, and a stop while it waits ends the command', async () => {
    const url = `redis://127.0.0.1:${await findFreePort()}`;
    const argv = ['worker', '--redis', url, '--prefix', uniquePrefix(), '--tasks', TASKS];
    const plain = await startCli([...argv, '--log-level', 'silent']).done;
    expect(plain.code).toBe(3);
    expect(plain.stderr).not.toContain('--wait-for-broker)');

    const controller = new AbortController();
    const waiting = startCli([...argv, '--wait-for-broker', '600', '--log-level', 'silent'], {
      signal: controller.signal,
    });
    await vi.waitFor(() => expect(waiting.stderr()).toContain('(--wait-for-broker)'), {
      timeout: WAIT_MS,
      interval: 20,
    });
    controller.abort();
    const run = await waiting.done;
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('Stopped: 0 completed');
  });
});
