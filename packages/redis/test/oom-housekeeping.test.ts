import { silentLogger } from '@conveyor/core';
import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisTransport, redisTransport } from '../src/index.js';
import { untilRedisTimePasses } from './helpers/util.js';

// Redis refuses a script's first write while it is over maxmemory (noeviction) when that
// write may grow memory (HSET, RPUSH: "denyoom"); once a script has written, it may go on.
// Every call that housekeeps a queue (counts, getJob, purge, reserve) reclaims its expired
// leases first: that must start with a write that frees (the lease entry's ZREM), or one
// expired lease fails every call on its queue with OOM, the purge that would free memory
// included (includes/reclaim.lua).

let server: RedisServer;
let admin: Redis;
let transport: RedisTransport;
beforeAll(async () => {
  server = await startRedis({ args: ['--maxmemory-policy', 'noeviction'] });
  admin = new Redis(server.url);
  transport = redisTransport({ url: server.url, logger: silentLogger });
});
afterAll(async () => {
  await transport?.close();
  admin?.disconnect();
  await server?.stop();
});

async function usedMemory(): Promise<number> {
  const info = await admin.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1]);
}

/** Fills Redis until a write fails with OOM, then keeps it over its limit for good. */
async function fillToOom(): Promise<void> {
  await admin.config('SET', 'maxmemory', String((await usedMemory()) + 2 * 1024 * 1024));
  const big = 'x'.repeat(100_000);
  let refused: unknown;
  for (let n = 0; n < 1_000 && !refused; n++) {
    await admin.set(`filler:${n}`, big).catch((error: unknown) => {
      refused = error;
    });
  }
  expect(String(refused)).toMatch(/^ReplyError: OOM /);
  // Well under what is used, so that nothing freed meanwhile (client buffers) ends the OOM.
  await admin.config('SET', 'maxmemory', String(Math.floor((await usedMemory()) / 2)));
  await expect(admin.set('filler:more', big)).rejects.toThrow(/^OOM /);
}

/** One job per queue, leased with a short lease that nobody renews or settles. */
async function leaseAndAbandon(queues: readonly string[], packed: RedisTransport) {
  const ids: string[] = [];
  let expiresAt = 0;
  for (const [index, queue] of queues.entries()) {
    const envelope = makeEnvelope(queue, { maxAttempts: 3 });
    ids.push(envelope.id);
    // The last one leased packed (no job hash: packed-job.lua), the others with hashes.
    const leasing = index === queues.length - 1 ? packed : transport;
    await leasing.enqueue([{ envelope }]);
    const [held] = await leasing.reserve({
      queues: [queue],
      max: 1,
      leaseMs: 300,
      consumer: 'killed',
      removeOnComplete: [queue],
    });
    expect(held?.envelope.id).toBe(envelope.id);
    expiresAt = Math.max(expiresAt, held?.leaseExpiresAt ?? 0);
  }
  return { ids, expiresAt };
}

describe('housekeeping while Redis is out of memory (noeviction)', () => {
  it('reclaims an expired lease under OOM, so counts, getJob and purge still work', async () => {
    const [counted, read, purged, packedRead] = [
      uniqueQueue('oom-counts'),
      uniqueQueue('oom-get'),
      uniqueQueue('oom-purge'),
      uniqueQueue('oom-packed'),
    ];
    const packed = redisTransport({ url: server.url, logger: silentLogger, packLeasedFrom: 1 });
    try {
      const { ids, expiresAt } = await leaseAndAbandon([counted, read, purged, packedRead], packed);
      const [readId, packedId] = [ids[1] ?? '', ids[3] ?? ''];
      const jobKey = (queue: string, id: string) =>
        `conveyor:{${queue}}:j:${id.slice(queue.length + 1)}`;
      expect(await admin.exists(jobKey(read, readId))).toBe(1);
      expect(await admin.exists(jobKey(packedRead, packedId))).toBe(0);
      await fillToOom();
      await untilRedisTimePasses(admin, expiresAt);

      // Each call below is the first on its queue since the lease ran out: it reclaims.
      expect(await transport.admin.queueCounts([counted])).toEqual([
        { queue: counted, waiting: 1, delayed: 0, active: 0, dead: 0, finished: 0 },
      ]);
      expect(await transport.getJob(readId)).toMatchObject({
        state: 'waiting',
        history: [{ error: { code: 'LEASE_EXPIRED' } }],
      });
      expect(await packed.getJob(packedId)).toMatchObject({
        state: 'waiting',
        history: [{ error: { code: 'LEASE_EXPIRED' } }],
      });
      expect(await transport.admin.purgeQueue(purged)).toBe(1);
      expect(await transport.admin.queueCounts([purged])).toEqual([
        { queue: purged, waiting: 0, delayed: 0, active: 0, dead: 0, finished: 0 },
      ]);
      // Still over the limit: the calls above succeeded under OOM, not after it.
      await expect(admin.set('filler:after', 'x'.repeat(100_000))).rejects.toThrow(/^OOM /);
    } finally {
      await packed.close();
    }
  });
});
