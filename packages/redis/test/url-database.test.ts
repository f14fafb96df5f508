import { silentLogger } from '@conveyor/core';
import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisTransport } from '../src/index.js';

// The database a URL names: ioredis sends the path as SELECT's argument and, when Redis
// refuses it, goes on in database 0, where another application's jobs may be.
let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

const open = (url: string) =>
  redisTransport({ url, logger: silentLogger, checkMaxmemoryPolicy: false });

describe("a URL's database", () => {
  it('that is not a number is INVALID_OPTION before anything connects, the password masked', () => {
    for (const path of ['abc', '-1', '2x']) {
      const url = redis.url.replace('redis://', 'redis://:s3cret@');
      expect(() => open(`${url}/${path}`)).toThrow(
        expect.objectContaining({
          code: 'INVALID_OPTION',
          message: expect.stringContaining(
            `Invalid url "${url.replace('s3cret', '****')}/${path}"`,
          ),
        }),
      );
    }
  });

  it('that Redis does not have fails ready() with INVALID_OPTION; one it has is used', async () => {
    const missing = open(`${redis.url}/99`);
    try {
      await expect(missing.ready()).rejects.toMatchObject({
        code: 'INVALID_OPTION',
        message: expect.stringMatching(
          /Invalid url ".*\/99": expected a database this Redis has \(ERR /,
        ),
      });
    } finally {
      await missing.close();
    }
    const zero = open(redis.url);
    const three = open(`${redis.url}/3`);
    try {
      await three.ready();
      const queue = uniqueQueue('url-db');
      const envelope = makeEnvelope(queue);
      await three.enqueue([{ envelope }]);
      expect((await three.getJob(envelope.id))?.state).toBe('waiting');
      expect(await zero.getJob(envelope.id)).toBeNull();
    } finally {
      await three.close();
      await zero.close();
    }
  });

  it('that Redis does not have refuses every command without ready(), and database 0 is untouched', async () => {
    const queue = uniqueQueue('url-db-99');
    const zero = new Redis(redis.url);
    const refusal = {
      code: 'INVALID_OPTION',
      message: expect.stringContaining('expected a database this Redis has'),
    };
    const transports = [
      open(`${redis.url}/99`),
      redisTransport({
        redis: { host: '127.0.0.1', port: redis.port, db: 99 },
        logger: silentLogger,
        checkMaxmemoryPolicy: false,
      }),
    ];
    try {
      for (const transport of transports) {
        // The first command is queued before the connection exists: it is the one ioredis
        // used to send to database 0 after its SELECT failed.
        const envelope = makeEnvelope(queue);
        await expect(transport.enqueue([{ envelope }])).rejects.toMatchObject(refusal);
        await expect(
          transport.reserve({ queues: [queue], max: 1, leaseMs: 30_000, consumer: 'w', waitMs: 0 }),
        ).rejects.toMatchObject(refusal);
        await expect(transport.ready()).rejects.toMatchObject(refusal);
      }
      expect(await zero.keys(`*${queue}*`)).toEqual([]);
    } finally {
      for (const transport of transports) await transport.close();
      zero.disconnect();
    }
  });
});
