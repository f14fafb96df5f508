import type { JobEnvelope } from '@conveyor/core';
import { uniqueQueue } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { usePrivateRedis } from './helpers/private-redis.js';
import { enqueueMany, untilRedisTimePasses } from './helpers/util.js';

const { transport, admin } = usePrivateRedis();

/** A job allowed one attempt: its first expired lease dead-letters it. */
function lastAttempt(queue: string, unique: string): JobEnvelope {
  return {
    v: 1,
    id: `${queue}:${unique}`,
    task: 't',
    queue,
    input: null,
    attempt: 0,
    maxAttempts: 1,
    priority: 5,
    enqueuedAt: Date.now(),
  };
}

describe('leases', () => {
  it('rejects a late ack by token and redelivers with the next attempt', async () => {
    const t = transport();
    const queue = uniqueQueue('lease');
    const [job] = await enqueueMany(t, queue, 1);
    const id = job?.id ?? '';
    const [first] = await t.reserve({ queues: [queue], max: 1, leaseMs: 200, consumer: 'a' });
    expect(first?.envelope.attempt).toBe(1);
    await untilRedisTimePasses(admin(), first?.leaseExpiresAt ?? 0);
    // Expired, not yet re-reserved: still rejected [R12].
    expect(await t.renew([{ id: id, token: first?.token ?? '' }], 1_000)).toEqual(['lost']);
    expect(
      await t.settle([{ type: 'complete', id: id, token: first?.token ?? '', result: 1 }]),
    ).toEqual(['stale']);
    const [second] = await t.reserve({ queues: [queue], max: 1, leaseMs: 10_000, consumer: 'b' });
    expect(second?.envelope.attempt).toBe(2);
    expect(second?.token).not.toBe(first?.token);
    expect(
      await t.settle([{ type: 'complete', id: id, token: first?.token ?? '', result: 1 }]),
    ).toEqual(['stale']);
    expect(
      await t.settle([{ type: 'complete', id: id, token: second?.token ?? '', result: 2 }]),
    ).toEqual(['ok']);
    expect(await t.getJob(id)).toMatchObject({ state: 'completed', result: 2, attempts: 2 });
  });

  it('dead-letters a job whose lease expires on its last attempt, with LEASE_EXPIRED', async () => {
    const t = transport();
    const queue = uniqueQueue('lease-dead');
    await t.enqueue([{ envelope: lastAttempt(queue, 'only') }]);
    const [held] = await t.reserve({ queues: [queue], max: 1, leaseMs: 100, consumer: 'a' });
    await untilRedisTimePasses(admin(), held?.leaseExpiresAt ?? 0);
    expect(await t.getJob(`${queue}:only`)).toMatchObject({
      state: 'dead',
      error: { code: 'LEASE_EXPIRED' },
    });
    expect((await t.admin.listDead(queue)).total).toBe(1);
  });

  it('says so in LEASE_EXPIRED when the lease ran out while its holder was still renewing it', async () => {
    const t = transport();
    const queue = uniqueQueue('lease-alive');
    await t.enqueue([
      { envelope: lastAttempt(queue, 'late') },
      { envelope: lastAttempt(queue, 'gone') },
    ]);
    const held = await t.reserve({ queues: [queue], max: 2, leaseMs: 100, consumer: 'a' });
    const late = held.find((job) => job.envelope.id === `${queue}:late`);
    await untilRedisTimePasses(admin(), late?.leaseExpiresAt ?? 0);
    // The holder renews one job after its lease ran out: that renewal reclaims both, and
    // only the job it renewed is known to have had a live holder.
    expect(await t.renew([{ id: `${queue}:late`, token: late?.token ?? '' }], 1_000)).toEqual([
      'lost',
    ]);
    const lateRecord = await t.getJob(`${queue}:late`);
    expect(lateRecord).toMatchObject({ state: 'dead', error: { code: 'LEASE_EXPIRED' } });
    expect(lateRecord?.error?.message).toContain('still running it');
    expect(lateRecord?.error?.message).toContain('raise leaseMs');
    const goneRecord = await t.getJob(`${queue}:gone`);
    expect(goneRecord).toMatchObject({ state: 'dead', error: { code: 'LEASE_EXPIRED' } });
    expect(goneRecord?.error?.message).toContain('no renewal reached the broker');
  });

  it('wakes a blocked reserve when a lease expires, without polling', async () => {
    const t = transport();
    const queue = uniqueQueue('lease-wake');
    const [job] = await enqueueMany(t, queue, 1);
    // 2 s: long enough that the lease is still running when the second reserve looks, even
    // on a busy machine (with 300 ms it sometimes had expired by then, and that reserve
    // leased the job at once, with no blocking read to check).
    await t.reserve({ queues: [queue], max: 1, leaseMs: 2_000, consumer: 'a' });
    // What the blocked reserve asks Redis for, read off MONITOR rather than a clock, which a
    // busy machine stretches: its blocking read must end with the lease (2 s), not with the
    // 5 s backstop every blocking read has (MAX_BLOCK_MS in src/reserve.ts).
    const monitor = await admin().monitor();
    const blockSeconds: number[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args[0]?.toLowerCase() === 'blpop') blockSeconds.push(Number(args.at(-1)));
    });
    try {
      const again = await t.reserve({
        queues: [queue],
        max: 1,
        leaseMs: 5_000,
        waitMs: 30_000,
        consumer: 'b',
      });
      expect(again[0]?.envelope.id).toBe(job?.id);
      expect(blockSeconds.length).toBeGreaterThan(0);
      for (const seconds of blockSeconds) expect(seconds).toBeLessThan(2.5);
    } finally {
      monitor.disconnect();
    }
  });
});
