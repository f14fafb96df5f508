import { createClient, defineTask } from '@conveyor/core';
import { redisTransport } from '@conveyor/redis';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createWorker } from '../src/index.js';
import { captureLogger } from './helpers.js';

// ioredis' SELECT at connect only emits an error when Redis has no such database, and
// stays in database 0: a worker given `/99` used to take database 0's jobs.

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

describe('a worker on a database Redis does not have', () => {
  it('stops with INVALID_OPTION, and the jobs of database 0 stay waiting', async () => {
    const task = defineTask({
      name: 'wrong-db.mail',
      queue: 'wrong-db',
      input: z.object({ to: z.string() }),
      run: () => {
        throw new Error('must not run');
      },
    });
    const zero = redisTransport({ url: redis.url, checkMaxmemoryPolicy: false });
    const missing = redisTransport({ url: `${redis.url}/99`, checkMaxmemoryPolicy: false });
    const client = createClient({ transport: zero });
    const logger = captureLogger();
    try {
      const { id } = await client.enqueue(task, { to: 'a@b.c' });
      const worker = createWorker({ transport: missing, tasks: [task], logger });
      await worker.start();
      expect(worker.stats().state).toBe('stopped');
      const fatal = logger.lines.find((line) => line.level === 'error');
      expect(fatal?.message).toBe('cannot reserve any more: stopping now');
      expect(String((fatal?.fields.err as Error | undefined)?.message)).toMatch(
        /Invalid url ".*\/99": expected a database this Redis has \(ERR /,
      );
      expect((await client.getJob(id))?.state).toBe('waiting');
    } finally {
      await missing.close();
      await zero.close();
    }
  });
});
