import { createClient, defineTask } from '@conveyor/core';
import { type RedisTransport, redisTransport } from '@conveyor/redis';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createWorker } from '../src/index.js';
import { captureLogger } from './helpers.js';

// A job stamped with a schema fingerprint waits packed in Redis (a field of the queue's
// hash of packed jobs, not a hash of its own); the worker still reads the fingerprint
// and notices skew.

let redis: RedisServer;
let transport: RedisTransport;
let admin: Redis;
beforeAll(async () => {
  redis = await startRedis();
  transport = redisTransport({ url: redis.url });
  admin = new Redis(redis.url);
});
afterAll(async () => {
  admin?.disconnect();
  await transport?.close();
  await redis?.stop();
});

describe('schema skew on Redis', () => {
  it('sees the fingerprint of a job that waited packed', async () => {
    const input = z.object({ email: z.string() });
    const run = ({ email }: { email: string }) => email;
    const produced = {
      ...defineTask({ name: 'skew.mail', queue: 'skew', input, run }),
      fingerprint: '0123456789abcdef',
    };
    const current = { ...produced, fingerprint: 'fedcba9876543210' };
    const client = createClient({ transport });
    const { id } = await client.enqueue(produced, { email: 'a@b.c' });
    const unique = id.slice(id.indexOf(':') + 1);
    expect(await admin.exists(`conveyor:{skew}:j:${unique}`)).toBe(0);
    expect(await admin.hget('conveyor:{skew}:j:', unique)).toContain(' #0123456789abcdef ');

    const logger = captureLogger();
    const worker = createWorker({ transport, tasks: [current], logger, reserveWaitMs: 100 });
    const running = worker.start();
    await vi.waitFor(async () => expect((await client.getJob(id))?.state).toBe('completed'), {
      timeout: 30_000,
      interval: 20,
    });
    await worker.stop({ graceMs: 0 });
    await running;
    expect(worker.stats().tasks['skew.mail']).toMatchObject({ schemaSkew: 1, completed: 1 });
    const warning = logger.lines.find((line) => line.message.includes('schema skew'));
    expect(warning?.fields).toMatchObject({
      jobId: id,
      producerSchema: '0123456789abcdef',
      workerSchema: 'fedcba9876543210',
    });
  });
});
