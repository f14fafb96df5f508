import { startRedis } from '@conveyor/test-redis';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { chooseBroker, describeBroker } from '../src/stack/broker.js';

describe('chooseBroker', () => {
  it('with REDIS_URL works under a fresh prefix and deletes only its own keys', async () => {
    const server = await startRedis();
    const redis = new Redis(server.url);
    try {
      await redis.set('someone-else:{q}:j:1', 'keep');
      const broker = await chooseBroker({ REDIS_URL: server.url, PATH: process.env.PATH });
      if (broker.mode !== 'redis-url') throw new Error(`mode ${broker.mode}`);
      expect(broker.prefix).toMatch(/^shop-demo-[0-9a-f]{8}$/);
      await redis.set(`${broker.prefix}:{emails}:j:1`, 'mine');
      await redis.set(`${broker.prefix}:{emails}:w5`, 'mine');
      await broker.stop();
      expect(await redis.keys('*')).toEqual(['someone-else:{q}:j:1']);
    } finally {
      redis.disconnect();
      await server.stop();
    }
  });

  it('without REDIS_URL or a redis-server binary, falls back to memory and says why', async () => {
    const broker = await chooseBroker({ REDIS_SERVER_BIN: '/nonexistent/redis-server', PATH: '' });
    expect(broker.mode).toBe('memory');
    expect(describeBroker(broker)).toContain('IN-MEMORY');
    expect(describeBroker(broker)).toContain('"/nonexistent/redis-server" is not installed');
  });
});
