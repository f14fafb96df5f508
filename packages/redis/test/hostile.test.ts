import { NotJsonError } from '@conveyor/core';
import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { RedisTransportError } from '../src/index.js';
import { usePrivateRedis } from './helpers/private-redis.js';
import { enqueueMany, sleep } from './helpers/util.js';

// Cases found by the chaos suite's hostile scenario (tooling/chaos): keys damaged behind
// the scripts' back, and input from producers that skip the client's checks.

const { transport, admin } = usePrivateRedis();
const jobKey = (queue: string, unique: string) => `conveyor:{${queue}}:j:${unique}`;

function nested(depth: number): unknown {
  let value: unknown = 0;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('job keys of the wrong type', () => {
  it('delivers the valid jobs a reserve pops together with one, and drops its id', async () => {
    const t = transport();
    const queue = uniqueQueue('wrongtype-ready');
    const valid = await enqueueMany(t, queue, 5);
    await admin().set(jobKey(queue, 'bad'), 'not a hash');
    await admin().lpush(`conveyor:{${queue}}:w5`, 'bad');
    const reserved = await t.reserve({ queues: [queue], max: 10, leaseMs: 10_000, consumer: 'c' });
    expect(reserved.map((r) => r.envelope.id)).toEqual(valid.map((e) => e.id));
    expect(await admin().llen(`conveyor:{${queue}}:w5`)).toBe(0);
    expect(await admin().zcard(`conveyor:{${queue}}:leases`)).toBe(5);
  });

  it('keeps a queue usable after a leased job key is overwritten', async () => {
    const t = transport();
    const queue = uniqueQueue('wrongtype-leased');
    const [first] = await enqueueMany(t, queue, 1);
    await t.reserve({ queues: [queue], max: 1, leaseMs: 100, consumer: 'c' });
    await admin().set(jobKey(queue, (first?.id ?? '').slice(queue.length + 1)), 'not a hash');
    await sleep(200);
    // Every script housekeeps first: enqueue, reserve and settle all meet the expired lease.
    const [second] = await enqueueMany(t, queue, 1);
    const reserved = await t.reserve({ queues: [queue], max: 10, leaseMs: 10_000, consumer: 'c' });
    expect(reserved.map((r) => r.envelope.id)).toEqual([second?.id]);
    expect(await admin().zcard(`conveyor:{${queue}}:leases`)).toBe(1);
    const [job] = reserved;
    expect(
      await t.settle([
        { type: 'complete', id: job?.envelope.id ?? '', token: job?.token ?? '', result: 1 },
      ]),
    ).toEqual(['ok']);
  });

  it('answers getJob and cancel on an overwritten job key with a CORRUPT error naming the key', async () => {
    const t = transport();
    const queue = uniqueQueue('wrongtype-read');
    const [job] = await enqueueMany(t, queue, 1);
    const key = jobKey(queue, (job?.id ?? '').slice(queue.length + 1));
    await admin().set(key, 'not a hash');
    for (const read of [() => t.getJob(job?.id ?? ''), () => t.cancel(job?.id ?? '')]) {
      const error = await read().then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(RedisTransportError);
      expect(error).toMatchObject({ code: 'TRANSPORT_ERROR', failure: 'CORRUPT' });
      expect((error as Error).message).toContain(`${key} holds a string, not a job hash`);
      expect((error as Error).message).toContain('delete the key');
    }
    // Other jobs of the queue are unaffected.
    const [other] = await enqueueMany(t, queue, 1);
    expect((await t.getJob(other?.id ?? ''))?.state).toBe('waiting');
  });

  it('names a queue key of the wrong type, and how to clear it, when a script meets one', async () => {
    const t = transport();
    const queue = uniqueQueue('wrongtype-list');
    await enqueueMany(t, queue, 1);
    const key = `conveyor:{${queue}}:w5`;
    await admin().del(key);
    await admin().set(key, 'garbage');
    const failed = await t.admin.queueCounts([queue]).then(
      () => undefined,
      (error: unknown) => error as RedisTransportError,
    );
    expect(failed?.failure).toBe('SCRIPT');
    expect(failed?.message).toContain('WRONGTYPE');
    expect(failed?.message).toContain(
      `Key "${key}" of queue "${queue}" holds a string where Conveyor keeps a list: something other than Conveyor wrote it. Look at it (redis-cli TYPE, DUMP), then delete it (redis-cli DEL '${key}') for the queue to work again.`,
    );
    // A single enqueue (enqueue-one.lua) says the same.
    const one = await t.enqueue([{ envelope: makeEnvelope(queue, { priority: 5 }) }]).then(
      () => undefined,
      (error: unknown) => error as RedisTransportError,
    );
    expect(one?.message).toContain(`redis-cli DEL '${key}'`);
    await admin().del(key);
    expect((await t.admin.queueCounts([queue]))[0]?.waiting).toBe(0);
  });

  it('rides out a count of cancelled ids that someone overwrote: counts, reserve and cancel go on', async () => {
    const t = transport();
    for (const garbage of ['garbage', 'hash'] as const) {
      const queue = uniqueQueue(`stale-${garbage}`);
      const [first, second, third] = await enqueueMany(t, queue, 3);
      expect(await t.cancel(first?.id as string)).toBe('cancelled');
      const key = `conveyor:{${queue}}:stale`;
      await admin().del(key);
      if (garbage === 'hash') await admin().hset(key, 'f', 'v');
      else await admin().set(key, 'garbage');
      // An unreadable count reads as none: the cancelled id counts until a reserve drops it.
      expect((await t.admin.queueCounts([queue]))[0]?.waiting).toBe(3);
      expect(await t.cancel(second?.id as string)).toBe('cancelled');
      const reserved = await t.reserve({ queues: [queue], max: 5, leaseMs: 10_000, consumer: 'c' });
      expect(reserved.map((job) => job.envelope.id)).toEqual([third?.id]);
      expect((await t.admin.queueCounts([queue]))[0]).toMatchObject({ waiting: 0, active: 1 });
    }
  });

  it('skips a due delayed job whose key is overwritten', async () => {
    const t = transport();
    const queue = uniqueQueue('wrongtype-delayed');
    const delayed = makeEnvelope(queue);
    await t.enqueue([{ envelope: delayed, delayMs: 50 }]);
    await admin().set(jobKey(queue, delayed.id.slice(queue.length + 1)), 'not a hash');
    await sleep(100);
    const [next] = await enqueueMany(t, queue, 1);
    const reserved = await t.reserve({ queues: [queue], max: 10, leaseMs: 10_000, consumer: 'c' });
    expect(reserved.map((r) => r.envelope.id)).toEqual([next?.id]);
    expect(await admin().zcard(`conveyor:{${queue}}:delayed`)).toBe(0);
  });
});

describe('input a raw transport.enqueue caller sends', () => {
  it('refuses 10,000 levels of nesting with NOT_JSON, not a bare RangeError', async () => {
    const t = transport();
    const queue = uniqueQueue('deep');
    const deep = makeEnvelope(queue, { input: nested(10_000) as never });
    const error = await t.enqueue([{ envelope: deep }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotJsonError);
    expect(error).toMatchObject({ code: 'NOT_JSON', path: expect.stringMatching(/^input/) });
    expect(await t.getJob(deep.id)).toBeNull();
  });

  it('refuses a cyclic input with NOT_JSON', async () => {
    const t = transport();
    const queue = uniqueQueue('cycle');
    const input: Record<string, unknown> = { a: 1 };
    input.self = input;
    const cyclic = makeEnvelope(queue, { input: input as never });
    await expect(t.enqueue([{ envelope: cyclic }])).rejects.toMatchObject({ code: 'NOT_JSON' });
  });

  it('stores nothing of a call with such input, and fails no other caller of the same tick', async () => {
    const t = transport();
    const queue = uniqueQueue('deep-batch');
    const good = makeEnvelope(queue);
    const deep = makeEnvelope(queue, { input: nested(10_000) as never });
    const other = makeEnvelope(queue);
    const [mixed, alone] = await Promise.allSettled([
      t.enqueue([{ envelope: good }, { envelope: deep }]),
      t.enqueue([{ envelope: other }]),
    ]);
    expect(mixed).toMatchObject({ status: 'rejected', reason: { code: 'NOT_JSON' } });
    expect(alone).toEqual({ status: 'fulfilled', value: [{ id: other.id, duplicate: false }] });
    expect(await t.getJob(good.id)).toBeNull();
    expect((await t.getJob(other.id))?.state).toBe('waiting');
  });
});
