import { silentLogger } from '@conveyor/core';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureOf, RedisTransportError, redisTransport } from '../src/index.js';

// A Redis that wants a password. Started open (the helper's start-up PING has none), then
// locked with CONFIG SET.
let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
  const admin = new Redis(redis.url);
  await admin.config('SET', 'requirepass', 'right-password');
  admin.disconnect();
});
afterAll(() => redis?.stop());

const urlWith = (auth: string) => redis.url.replace('redis://', `redis://${auth}`);

describe('credentials Redis refuses', () => {
  it.each([
    ['a wrong password', ':wrong-password@'],
    ['an unknown user', 'nobody:right-password@'],
    ['no password at all', ''],
  ])('fail with AUTH for %s, never quoting the password', async (_, auth) => {
    const transport = redisTransport({
      url: urlWith(auth),
      logger: silentLogger,
      checkMaxmemoryPolicy: false,
      redis: { maxRetriesPerRequest: 1, retryStrategy: (times) => (times > 1 ? null : 50) },
    });
    try {
      const error = await transport.ready().then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(error).toBeInstanceOf(RedisTransportError);
      expect(failureOf(error)).toBe('AUTH');
      expect((error as Error).message).toContain('Redis refused the credentials');
      expect((error as Error).message).not.toMatch(/wrong-password|right-password/);
    } finally {
      await transport.close();
    }
  });

  it('classifies the replies of Redis 6+ and older servers, and nothing else', () => {
    expect(
      failureOf(new Error('WRONGPASS invalid username-password pair or user is disabled.')),
    ).toBe('AUTH');
    expect(failureOf(new Error('NOAUTH Authentication required.'))).toBe('AUTH');
    expect(failureOf(new Error('ERR invalid password'))).toBe('AUTH');
    // A script error that quotes job data saying "invalid password" is not an AUTH failure.
    expect(
      failureOf(
        new Error('ERR Error running script (call to f_1): @user_script:1: invalid password'),
      ),
    ).toBe('SCRIPT');
  });
});
