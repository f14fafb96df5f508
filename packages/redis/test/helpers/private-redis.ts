import { silentLogger } from '@conveyor/core';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import {
  type RedisTransport,
  type RedisTransportOptions,
  redisTransport,
} from '../../src/index.js';

export interface PrivateRedis {
  /** The server's URL (once `beforeAll` has run). */
  url(): string;
  /** A plain client on the server, for writing keys behind the scripts' back. */
  admin(): Redis;
  /** A transport on the server (with these options), closed after each test. */
  transport(options?: Omit<RedisTransportOptions, 'url'>): RedisTransport;
}

/**
 * Starts one private redis-server for the calling file (or `describe` block) and stops it
 * afterwards; transports made with `transport()` are closed after each test.
 */
export function usePrivateRedis(): PrivateRedis {
  let redis: RedisServer | undefined;
  let admin: Redis | undefined;
  const open: RedisTransport[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((transport) => transport.close()));
  });
  afterAll(async () => {
    admin?.disconnect();
    await redis?.stop();
  });
  const url = () => {
    if (!redis) throw new Error('usePrivateRedis: the server starts in beforeAll');
    return redis.url;
  };
  return {
    url,
    admin: () => {
      admin ??= new Redis(url());
      return admin;
    },
    transport: (options: Omit<RedisTransportOptions, 'url'> = {}) => {
      const created = redisTransport({ url: url(), logger: silentLogger, ...options });
      open.push(created);
      return created;
    },
  };
}
