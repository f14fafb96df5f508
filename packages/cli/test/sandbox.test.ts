import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { where } from './fixtures/sandboxed.js';
import { producer, spawnConveyor, uniquePrefix, WAIT_MS } from './helpers.js';

// A sandboxed task from the built binary: the child process entry and the task module must
// both load from dist/, outside the workspace's source resolution.
let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

describe('conveyor worker with sandboxed tasks', () => {
  it('runs tasks marked sandbox: true in a child process', async () => {
    const prefix = uniquePrefix();
    const env = producer(redis.url, prefix);
    const worker = spawnConveyor([
      'worker',
      '--redis',
      redis.url,
      '--prefix',
      prefix,
      '--tasks',
      'test/fixtures/sandboxed.ts',
      // In capitals, as Celery's --loglevel takes it: it was refused (exit 2).
      '--log-level',
      'WARN',
    ]);
    try {
      await worker.waitFor('Ready.');
      expect(worker.stderr()).toContain(
        'sandbox      tasks marked sandbox: true (child processes)',
      );
      const job = await env.client.enqueue(where, {});
      const { pid } = (await job.result({ timeout: WAIT_MS })) as { pid: number };
      expect(pid).not.toBe(worker.child.pid);
      expect(pid).not.toBe(process.pid);
      worker.child.kill('SIGTERM');
      expect((await worker.exited).code).toBe(0);
    } finally {
      worker.child.kill('SIGKILL');
      await env.close();
    }
  });
});
