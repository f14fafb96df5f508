// After a reconnect ioredis sends SUBSCRIBE again by itself, with no handler on its promise:
// a transport closed before that call was answered left an unhandled "Connection is closed."
// rejection (two CI runs failed on one). Here a SUBSCRIBE nobody awaits, as ioredis' own, is
// cut off by a close (the socket destroyed before its answer is read).
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnections } from '../src/connections.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

/** Unhandled rejections while `run` goes, and a little after it. */
async function unhandledDuring(run: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const listener = (reason: unknown) => {
    seen.push(reason instanceof Error ? reason.message : String(reason));
  };
  // Vitest's own listener would fail the run: this test owns the handling meanwhile.
  const others = process.listeners('unhandledRejection');
  process.removeAllListeners('unhandledRejection');
  process.on('unhandledRejection', listener);
  try {
    await run();
    await new Promise((resolve) => setTimeout(resolve, 100));
  } finally {
    process.off('unhandledRejection', listener);
    for (const other of others) process.on('unhandledRejection', other);
  }
  return seen;
}

async function cutOff(connection: Redis): Promise<string[]> {
  connection.on('error', () => {});
  await connection.subscribe('conveyor-test:a');
  return unhandledDuring(async () => {
    void connection.subscribe('conveyor-test:b');
    connection.disconnect();
    connection.stream.destroy();
  });
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
