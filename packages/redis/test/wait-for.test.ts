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

describe('waitFor across a lost connection', () => {
  // Regression: a Redis restarted empty lost the job, and a waitFor with a long timeout
  // (result() waits in 60 s slices, forever) went on waiting for a finish that could not
  // come; a finish published while the subscriber was away was missed the same way.
  let server: RedisServer;
  let admin: Redis;
  beforeAll(async () => {
    server = await startRedis();
    admin = new Redis(server.url);
  });
  afterAll(async () => {
    admin?.disconnect();
    await server?.stop();
  });
  const subscribedTo = async (queue: string): Promise<void> => {
    await vi.waitFor(
      async () => {
        const channels = (await admin.pubsub('CHANNELS')) as string[];
        expect(channels.some((channel) => channel.includes(queue))).toBe(true);
      },
      { timeout: 10_000 },
    );
  };

  it('answers null once re-subscribed when a restart lost the job', {
    timeout: 30_000,
  }, async () => {
    const transport = redisTransport({ url: server.url, logger: silentLogger });
    try {
      const queue = uniqueQueue('lost');
      const envelope = makeEnvelope(queue);
      await transport.enqueue([{ envelope, delayMs: 60_000 }]);
      const waiting = transport.waitFor(envelope.id, { timeoutMs: 600_000 });
      await subscribedTo(queue);
      await server.restart();
      expect(await waiting).toBeNull();
    } finally {
      await transport.close();
    }
  });

  it('answers the final record once re-subscribed when the finish was published meanwhile', {
    timeout: 30_000,
  }, async () => {
    const transport = redisTransport({ url: server.url, logger: silentLogger });
    try {
      const queue = uniqueQueue('missed');
      const envelope = makeEnvelope(queue);
      await transport.enqueue([{ envelope, delayMs: 60_000 }]);
      const waiting = transport.waitFor(envelope.id, { timeoutMs: 600_000 });
      await subscribedTo(queue);
      // The subscriber is cut off, and the job completes before it is back (no publish).
      const unique = envelope.id.slice(queue.length + 1);
      await admin
        .multi()
        .call('CLIENT', 'KILL', 'TYPE', 'pubsub')
        .hset(
          `conveyor:{${queue}}:j:${unique}`,
          's',
          'c',
          'o',
          '"meanwhile"',
          'f',
          String(Date.now()),
        )
        .exec();
      const record = await waiting;
      expect(record?.state).toBe('completed');
      expect(record?.result).toBe('meanwhile');
    } finally {
      await transport.close();
    }
  });
});
