import { type ScheduleSpec, silentLogger } from '@conveyor/core';
import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { type RedisCluster, startRedisCluster } from '@conveyor/test-redis';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueSlot, redisTransport } from '../src/index.js';
import { schedulesKey } from '../src/keys.js';
import { usePrivateRedis } from './helpers/private-redis.js';

// docs/partitions.md, "Schedules": a change of a queue's partition count stores a schedule
// again under a partition of the new count, in another hash slot. upsert-schedules.lua gives
// the new copy what the others know, so it goes on as the same schedule.

const { transport, admin } = usePrivateRedis();

const SLOT = 1_764_054_000_000;
const MINUTE = 60_000;

function specOf(queue: string, id: string): ScheduleSpec {
  return {
    id,
    queue,
    task: 'shop.report',
    every: MINUTE,
    tz: 'UTC',
    input: { note: 'a b' },
    misfire: 'latest',
    overlap: 'allow',
    enabled: true,
    source: 'code',
    maxAttempts: 3,
    priority: 5,
  };
}

const marksKey = (queue: string) => schedulesKey('conveyor', queue);

describe('schedules on Redis across a change of partition count', () => {
  it('stores a new copy with the mark and the pause of the copy under the old count', async () => {
    const { schedules } = transport();
    const base = uniqueQueue('sched-copies');
    const [eight, sixteen, plain] = [`${base}~1of8`, `${base}~1of16`, base];
    const fire = (queue: string, slotAt: number, revision = 1) =>
      schedules.fire({
        scheduleId: 'daily',
        revision,
        slotAt,
        job: { envelope: makeEnvelope(queue, { task: 'shop.report' }) },
      });
    await schedules.upsert([specOf(eight, 'daily'), specOf(eight, 'other')]);
    expect(await fire(eight, SLOT)).toMatchObject({ fired: true });

    // Under 16 partitions: the slot the copy under 8 fired stays fired.
    expect(await schedules.upsert([specOf(sixteen, 'daily'), specOf(sixteen, 'new')])).toEqual([
      'created',
      'created',
    ]);
    const listed = await schedules.list([sixteen]);
    expect(listed.schedules.map((state) => [state.spec.id, state.paused, state.mark])).toEqual([
      ['daily', false, { slotAt: SLOT }],
      ['new', false, null],
    ]);
    expect(await fire(sixteen, SLOT)).toMatchObject({ fired: false, reason: 'claimed-before' });
    expect(await fire(sixteen, SLOT + MINUTE)).toMatchObject({ fired: true });

    // Paused under 16, then stored unpartitioned: paused, from the copy that fired last.
    expect(await schedules.setPaused(sixteen, 'daily', true)).toBe(true);
    expect(await schedules.upsert([specOf(plain, 'daily')])).toEqual(['created']);
    const [unpartitioned] = (await schedules.list([plain])).schedules;
    expect(unpartitioned).toMatchObject({ paused: true, mark: { slotAt: SLOT + MINUTE } });
    expect(await fire(plain, SLOT + 2 * MINUTE)).toMatchObject({ fired: false, reason: 'paused' });

    // The copy under 8, stored again, is behind the others: it takes their mark and pause,
    // and keeps the job it last fired.
    const before = await admin().hget(marksKey(eight), 'daily');
    expect(await schedules.upsert([specOf(eight, 'daily')])).toEqual(['unchanged']);
    const [again] = (await schedules.list([eight])).schedules;
    expect(again).toMatchObject({ revision: 1, paused: true, mark: { slotAt: SLOT + MINUTE } });
    expect(await admin().hget(marksKey(eight), 'daily')).toBe(
      `${SLOT + MINUTE}${before?.slice(String(SLOT).length)}`,
    );

    // Resumed in one copy (its mark moves to TIME): a copy stored again follows its mark and
    // stays paused, as a pause is kept across upserts; only a resume resumes it.
    expect(await schedules.setPaused(plain, 'daily', false)).toBe(true);
    const [resumed] = (await schedules.list([plain])).schedules;
    expect(await schedules.upsert([specOf(sixteen, 'daily')])).toEqual(['unchanged']);
    const [followed] = (await schedules.list([sixteen])).schedules;
    expect(followed).toMatchObject({ paused: true, mark: { slotAt: resumed?.mark?.slotAt } });
  });

  it('leaves a copy alone when no other copy is ahead of it', async () => {
    const { schedules } = transport();
    const base = uniqueQueue('sched-copies');
    const [four, eight] = [`${base}~1of4`, `${base}~1of8`];
    await schedules.upsert([specOf(four, 'daily'), specOf(eight, 'daily')]);
    await schedules.setPaused(four, 'daily', true);
    // A copy that never fired and was never paused gives nothing but its flag: the other,
    // stored first, knows as much as it.
    const states = (await schedules.list([four, eight])).schedules;
    expect(states.map((state) => [state.spec.queue, state.paused, state.mark])).toEqual([
      [four, true, null],
      [eight, false, null],
    ]);
    expect(await schedules.upsert([specOf(eight, 'daily')])).toEqual(['unchanged']);
    const [still] = (await schedules.list([eight])).schedules;
    expect(still).toMatchObject({ paused: false, mark: null });
    // Another queue's schedule of the same id is another schedule.
    const other = uniqueQueue('sched-copies');
    await schedules.upsert([specOf(`${other}~0of2`, 'daily')]);
    const [apart] = (await schedules.list([`${other}~0of2`])).schedules;
    expect(apart).toMatchObject({ paused: false, mark: null });
  });

  it('keeps the stored fingerprint of a copy upserted without it, taking the mark of a copy ahead', async () => {
    const { schedules } = transport();
    const base = uniqueQueue('sched-copies');
    const [eight, sixteen] = [`${base}~1of8`, `${base}~1of16`];
    const fingerprinted = (queue: string) => ({ ...specOf(queue, 'daily'), schema: 'fp-1' });
    await schedules.upsert([fingerprinted(eight)]);
    await schedules.upsert([fingerprinted(sixteen)]);
    expect(await fireOn(schedules)(sixteen, SLOT)).toMatchObject({ fired: true });
    // A worker of the old count started with --tasks (no fingerprint) [S7a]: the copy is
    // unchanged, but takes the other's mark, and is written again with its own spec.
    expect(await schedules.upsert([specOf(eight, 'daily')])).toEqual(['unchanged']);
    const [copy] = (await schedules.list([eight])).schedules;
    expect(copy).toMatchObject({ spec: fingerprinted(eight), revision: 1, mark: { slotAt: SLOT } });
  });
});

/** Fires `queue`'s copy of schedule `daily` at `slotAt`, as a worker serving it would. */
const fireOn =
  (schedules: { fire: ReturnType<typeof redisTransport>['schedules']['fire'] }) =>
  (queue: string, slotAt: number) =>
    schedules.fire({
      scheduleId: 'daily',
      revision: 1,
      slotAt,
      job: { envelope: makeEnvelope(queue, { task: 'shop.report' }) },
    });

describe('copies of a schedule fired side by side (workers of both counts)', () => {
  it('fires each slot once: the copy stored last takes over, and a rollback takes it back', async () => {
    const { schedules } = transport();
    const base = uniqueQueue('sched-fence');
    const [eight, sixteen] = [`${base}~1of8`, `${base}~1of16`];
    const fire = fireOn(schedules);
    // Workers of both counts fire every slot due, each on its count's copy.
    const fireBoth = async (slotAt: number) => {
      const [a, b] = await Promise.all([fire(eight, slotAt), fire(sixteen, slotAt)]);
      return [a.fired ? eight : null, b.fired ? sixteen : null].filter(Boolean);
    };
    await schedules.upsert([specOf(eight, 'daily')]);
    expect(await fireBoth(SLOT)).toEqual([eight]);
    // A worker of the new count starts: its copy takes over from the old one's mark.
    expect(await schedules.upsert([specOf(sixteen, 'daily')])).toEqual(['created']);
    const fired = [];
    for (let n = 1; n <= 3; n++) fired.push(await fireBoth(SLOT + n * MINUTE));
    expect(fired).toEqual([[sixteen], [sixteen], [sixteen]]);
    expect(await fire(eight, SLOT + 4 * MINUTE)).toMatchObject({ fired: false, reason: 'paused' });
    const listed = (await schedules.list([eight, sixteen])).schedules;
    expect(listed.map((state) => [state.spec.queue, state.superseded, state.mark?.slotAt])).toEqual(
      [
        [sixteen, undefined, SLOT + 3 * MINUTE],
        [eight, true, SLOT],
      ],
    );

    // Back to 8 (a rollback, or a worker of the old count starting again): the old copy takes
    // the schedule back, from the new copy's mark.
    expect(await schedules.upsert([specOf(eight, 'daily')])).toEqual(['unchanged']);
    const back = [];
    for (let n = 3; n <= 5; n++) back.push(await fireBoth(SLOT + n * MINUTE));
    expect(back).toEqual([[], [eight], [eight]]);

    // The active copy removed: the other is stored superseded, and an upsert of it (a worker
    // declaring it) takes the schedule over with no other copy to fence.
    expect(await schedules.remove(eight, 'daily')).toBe(true);
    expect(await fire(sixteen, SLOT + 6 * MINUTE)).toMatchObject({ reason: 'paused' });
    expect(await schedules.upsert([specOf(sixteen, 'daily')])).toEqual(['unchanged']);
    expect(await fireBoth(SLOT + 6 * MINUTE)).toEqual([sixteen]);
  });

  it('of two copies first stored at once, fires one', async () => {
    const { schedules } = transport();
    const base = uniqueQueue('sched-fence');
    const [eight, sixteen] = [`${base}~1of8`, `${base}~1of16`];
    const fire = fireOn(schedules);
    await Promise.all([
      schedules.upsert([specOf(eight, 'daily')]),
      schedules.upsert([specOf(sixteen, 'daily')]),
    ]);
    const results = await Promise.all([fire(eight, SLOT), fire(sixteen, SLOT)]);
    expect(results.filter((result) => result.fired)).toHaveLength(1);
    const listed = (await schedules.list([eight, sixteen])).schedules;
    expect(listed.filter((state) => state.superseded)).toHaveLength(1);
  });
});

describe('on a Redis Cluster', () => {
  let cluster: RedisCluster | undefined;
  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3 });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('carries the mark and the pause over to a copy in another hash slot', async () => {
    if (!cluster) throw new Error('the cluster starts in beforeAll');
    const client = new Cluster(cluster.startupNodes, { lazyConnect: true });
    const transport = redisTransport({ client, logger: silentLogger });
    const { schedules } = transport;
    try {
      const base = uniqueQueue('sched-copies');
      const [eight, thirtyTwo] = [`${base}~1of8`, `${base}~17of32`];
      expect(queueSlot(eight)).not.toBe(queueSlot(thirtyTwo));
      await schedules.upsert([specOf(eight, 'daily')]);
      const job = { envelope: makeEnvelope(eight, { task: 'shop.report' }) };
      await schedules.fire({ scheduleId: 'daily', revision: 1, slotAt: SLOT, job });
      await schedules.setPaused(eight, 'daily', true);
      expect(await schedules.upsert([specOf(thirtyTwo, 'daily')])).toEqual(['created']);
      const [copy] = (await schedules.list([thirtyTwo])).schedules;
      expect(copy).toMatchObject({ paused: true, mark: { slotAt: SLOT } });
    } finally {
      await transport.close();
      client.disconnect();
    }
  });

  it('fences a copy in another hash slot: side by side, the copy stored last fires each slot', async () => {
    if (!cluster) throw new Error('the cluster starts in beforeAll');
    const client = new Cluster(cluster.startupNodes, { lazyConnect: true });
    const transport = redisTransport({ client, logger: silentLogger });
    const { schedules } = transport;
    try {
      const base = uniqueQueue('sched-fence');
      const [eight, thirtyTwo] = [`${base}~1of8`, `${base}~17of32`];
      expect(queueSlot(eight)).not.toBe(queueSlot(thirtyTwo));
      const fire = fireOn(schedules);
      const fireBoth = async (slotAt: number) => {
        const results = await Promise.all([fire(eight, slotAt), fire(thirtyTwo, slotAt)]);
        return results.map((result) => result.fired);
      };
      await schedules.upsert([specOf(eight, 'daily')]);
      expect(await fireBoth(SLOT)).toEqual([true, false]);
      await schedules.upsert([specOf(thirtyTwo, 'daily')]);
      expect(await fireBoth(SLOT)).toEqual([false, false]);
      expect(await fireBoth(SLOT + MINUTE)).toEqual([false, true]);
      expect(await fireBoth(SLOT + 2 * MINUTE)).toEqual([false, true]);
      await schedules.upsert([specOf(eight, 'daily')]);
      expect(await fireBoth(SLOT + 2 * MINUTE)).toEqual([false, false]);
      expect(await fireBoth(SLOT + 3 * MINUTE)).toEqual([true, false]);
      const listed = (await schedules.list([eight, thirtyTwo])).schedules;
      expect(listed.map((state) => [state.spec.queue, state.superseded])).toEqual([
        [thirtyTwo, true],
        [eight, undefined],
      ]);
    } finally {
      await transport.close();
      client.disconnect();
    }
  });
});
