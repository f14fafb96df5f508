import { silentLogger } from '@conveyor/core';
import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisTransport } from '../src/index.js';
import { enqueueMany } from './helpers/util.js';

// The scripts batch work per call (one EXISTS per enqueue batch, one ZMSCORE per settle
// batch, deferred ZREM/RPUSH). These check the cases that batching could get wrong.

let redis: RedisServer;
let admin: Redis;
beforeAll(async () => {
  redis = await startRedis();
  admin = new Redis(redis.url);
});
afterAll(async () => {
  admin?.disconnect();
  await redis?.stop();
});
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((transport) => transport.close()));
});
const transport = () => {
  const created = redisTransport({ url: redis.url, logger: silentLogger });
  open.push(created);
  return created;
};

describe('batched scripts', () => {
  it('never overwrites a job whose id comes twice in one enqueue batch', async () => {
    const t = transport();
    const queue = uniqueQueue('dup-batch');
    const first = makeEnvelope(queue, { input: { n: 1 } });
    const again = { ...first, input: { n: 2 } };
    const results = await t.enqueue([{ envelope: first }, { envelope: again }]);
    expect(results).toEqual([
      { id: first.id, duplicate: false },
      { id: first.id, duplicate: true },
    ]);
    expect((await t.getJob(first.id))?.envelope.input).toEqual({ n: 1 });
    const reserved = await t.reserve({ queues: [queue], max: 10, leaseMs: 10_000, consumer: 'c' });
    expect(reserved.map((r) => r.envelope.id)).toEqual([first.id]);
  });

  it('answers stale for the second settlement of one delivery in the same batch', async () => {
    const t = transport();
    const queue = uniqueQueue('settle-twice');
    await enqueueMany(t, queue, 1);
    const [job] = await t.reserve({ queues: [queue], max: 1, leaseMs: 10_000, consumer: 'c' });
    const ref = { id: job?.envelope.id ?? '', token: job?.token ?? '' };
    const statuses = await t.settle([
      { type: 'complete', ...ref, result: 'first' },
      { type: 'fail', ...ref, error: { name: 'E', message: 'late' }, deadLetter: true },
    ]);
    expect(statuses).toEqual(['ok', 'stale']);
    const record = await t.getJob(ref.id);
    expect(record?.state).toBe('completed');
    expect(record?.result).toBe('first');
  });

  it('answers stale, and leaves no partial record, when an active job hash was evicted', async () => {
    const t = transport();
    const queue = uniqueQueue('evicted');
    const [envelope] = await enqueueMany(t, queue, 1);
    const [job] = await t.reserve({ queues: [queue], max: 1, leaseMs: 10_000, consumer: 'c' });
    const unique = (envelope?.id ?? '').slice(queue.length + 1);
    // What an eviction policy other than noeviction does behind the scripts' back.
    expect(await admin.del(`conveyor:{${queue}}:j:${unique}`)).toBe(1);
    const statuses = await t.settle([
      { type: 'complete', id: job?.envelope.id ?? '', token: job?.token ?? '', result: 1 },
    ]);
    expect(statuses).toEqual(['stale']);
    expect(await admin.exists(`conveyor:{${queue}}:j:${unique}`)).toBe(0);
    expect(await t.getJob(envelope?.id ?? '')).toBeNull();
  });

  it('keeps the record fields a delivery writes as one field readable', async () => {
    const t = transport();
    const queue = uniqueQueue('delivery');
    const [envelope] = await enqueueMany(t, queue, 1);
    const [job] = await t.reserve({
      queues: [queue],
      max: 1,
      leaseMs: 10_000,
      consumer: 'host:42:a|b',
    });
    const record = await t.getJob(envelope?.id ?? '');
    expect(record).toMatchObject({
      state: 'active',
      consumer: 'host:42:a|b',
      leaseExpiresAt: job?.leaseExpiresAt,
    });
    expect(record?.startedAt).toBe((job?.leaseExpiresAt ?? 0) - 10_000);
    const [renewed] = await t.renew([{ id: envelope?.id ?? '', token: job?.token ?? '' }], 20_000);
    expect(renewed).toBe('held');
    const after = await t.getJob(envelope?.id ?? '');
    expect(after?.consumer).toBe('host:42:a|b');
    expect(after?.startedAt).toBe(record?.startedAt);
    expect(after?.leaseExpiresAt).toBeGreaterThan(job?.leaseExpiresAt ?? 0);
  });
});
