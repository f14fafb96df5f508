import { silentLogger } from '@conveyor/core';
import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { redisTransport } from '../src/index.js';
import { defineScripts } from '../src/scripts.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

describe('waitFor', () => {
  // Regression: a finish published while waitFor's first read was still in flight was
  // dropped, and the wait then lasted until the lease deadline (30 s stalls in pnpm demo).
  it('hears a finish published while its first read is in flight', {
    timeout: 15_000,
  }, async () => {
    const realSetTimeout = globalThis.setTimeout;
    const client = new Redis(redis.url);
    const waiter = redisTransport({ client, logger: silentLogger });
    const worker = redisTransport({ url: redis.url, logger: silentLogger });
    try {
      await Promise.all([waiter.ready(), worker.ready()]);
      const queue = uniqueQueue('waitfor');
      const envelope = makeEnvelope(queue);
      await worker.enqueue([{ envelope }]);
      const [job] = await worker.reserve({
        queues: [queue],
        max: 1,
        leaseMs: 60_000,
        consumer: 'w',
      });
      if (!job) throw new Error('no job reserved');

      // Hold back the reply of waitFor's first read (state: active) until the job has been
      // completed and its finish published and delivered to the waiter's subscriber.
      const commands = client as unknown as Record<
        string,
        (...args: unknown[]) => Promise<unknown>
      >;
      // Scripts are defined on a connection at their first run: defined now, to be wrapped.
      defineScripts(client);
      const getJob = commands.conveyor_get_job;
      if (!getJob) throw new Error('get-job script not defined');
      let held = false;
      commands.conveyor_get_job = async function (this: unknown, ...args: unknown[]) {
        const reply = await getJob.apply(this, args);
        if (!held) {
          held = true;
          const [status] = await worker.settle([
            { type: 'complete', id: envelope.id, token: job.token, result: 'done' },
          ]);
          expect(status).toBe('ok');
          await new Promise((resolve) => realSetTimeout(resolve, 200));
        }
        return reply;
      };

      // With timers frozen, neither the lease deadline nor the timeout can end the wait:
      // only the finish notification can (before the fix, this wait never ended).
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const record = await waiter.waitFor(envelope.id, { timeoutMs: 10_000 });
      vi.useRealTimers();
      expect(held).toBe(true);
      expect(record?.state).toBe('completed');
      expect(record?.result).toBe('done');
    } finally {
      vi.useRealTimers();
      await waiter.close();
      await worker.close();
      client.disconnect();
    }
  });
});
