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
});
