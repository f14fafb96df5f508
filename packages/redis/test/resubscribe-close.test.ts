// After a reconnect ioredis sends SUBSCRIBE again by itself, with no handler on its promise:
// a transport closed before that call was answered left an unhandled "Connection is closed."
// rejection (two CI runs failed on one). Here a SUBSCRIBE nobody awaits, as ioredis' own, is
// cut off by a close (the socket destroyed before its answer is read).
import { once } from 'node:events';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnections } from '../src/connections.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

/**
 * The rejections left unhandled when `connection` is closed under a SUBSCRIBE nobody awaits.
 * ioredis rejects it as it ends the connection, then emits `end` on the next tick; Node reports
 * an unhandled rejection when the tick and microtask queues have drained, so one more turn of
 * the event loop after `end` has seen it or never will.
 */
async function cutOff(connection: Redis): Promise<string[]> {
  connection.on('error', () => {});
  await connection.subscribe('conveyor-test:a');
  const seen: string[] = [];
  const listener = (reason: unknown) => {
    seen.push(reason instanceof Error ? reason.message : String(reason));
  };
  // Vitest's own listener would fail the run: this test owns the handling meanwhile.
  const others = process.listeners('unhandledRejection');
  process.removeAllListeners('unhandledRejection');
  process.on('unhandledRejection', listener);
  try {
    const ended = once(connection, 'end');
    void connection.subscribe('conveyor-test:b');
    connection.disconnect();
    connection.stream.destroy();
    await ended;
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('unhandledRejection', listener);
    for (const other of others) process.on('unhandledRejection', other);
  }
  return seen;
}

describe("the subscriber connection closed under a SUBSCRIBE nobody awaits (ioredis' own resubscribe)", () => {
  it('leaves no unhandled rejection; the plain ioredis connection it is made from leaves one', async () => {
    const connections = openConnections({ url: redis.url });
    try {
      const plain = (connections.commands as Redis).duplicate({ lazyConnect: true });
      expect(await cutOff(plain)).toEqual(['Connection is closed.']);
      expect(await cutOff(connections.subscriber() as Redis)).toEqual([]);
    } finally {
      connections.commands.disconnect();
    }
  });
});
