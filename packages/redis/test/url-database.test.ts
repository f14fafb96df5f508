import { silentLogger } from '@conveyor/core';
import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
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
});
