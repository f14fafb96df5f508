import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { markerKey } from '../src/keys.js';
import { usePrivateRedis } from './helpers/private-redis.js';

// Reserve paths that must neither lease a job twice nor strand or spin on a failure.

const { transport, admin } = usePrivateRedis();
const readyKey = (queue: string, priority: number) => `conveyor:{${queue}}:w${priority}`;
const uniqueOfId = (id: string) => id.slice(id.indexOf(':') + 1);

/** Resolves once a client is blocked (a reserve sits in its BLPOP). */
async function untilBlocked(): Promise<void> {
  for (;;) {
    const info = await admin().info('clients');
    if (Number(/blocked_clients:(\d+)/.exec(info)?.[1] ?? 0) >= 1) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Script calls (EVALSHA and EVAL) the server has run so far. */
async function scriptCalls(): Promise<number> {
  const stats = await admin().info('commandstats');
  let calls = 0;
  for (const match of stats.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)) {
    calls += Number(match[1]);
  }
  return calls;
}

describe('reserve', () => {
  it('leases a packed job once when its id is on the ready list twice', async () => {
    const queue = uniqueQueue('twice-packed');
    const envelope = makeEnvelope(queue, { priority: 5 });
    await transport().enqueue([{ envelope }]);
    // E.g. a raw re-enqueue of the id, behind the transport's back.
    await admin().rpush(readyKey(queue, 5), uniqueOfId(envelope.id));
    expect(await admin().lrange(readyKey(queue, 5), 0, -1)).toHaveLength(2);

    const reserved = await transport().reserve({
      queues: [queue],
      max: 10,
      leaseMs: 60_000,
      consumer: 'c',
    });
    expect(reserved.map((r) => r.envelope.id)).toEqual([envelope.id]);
    expect(await admin().zcard(`conveyor:{${queue}}:leases`)).toBe(1);
  });

  it('pauses after a failed wait when the reserve behind it answered (no spinning)', async () => {
    const t = transport();
    const queue = uniqueQueue('wait-fails');
    // A marker of the wrong type: every BLPOP on it fails at once.
    await admin().set(markerKey('conveyor', queue), 'not a list');
    await t.reserve({ queues: [queue], max: 1, leaseMs: 1_000, consumer: 'warm' });
    const before = await scriptCalls();
    const reserved = await t.reserve({
      queues: [queue],
      max: 1,
      leaseMs: 1_000,
      waitMs: 1_000,
      consumer: 'c',
    });
    expect(reserved).toEqual([]);
    // One reserve up front and one per failed wait, each wait paused 250 ms: at most about
    // five in the second, however slow the machine. Spinning made thousands.
    expect(await scriptCalls()).toBeLessThanOrEqual(before + 10);
  });

  it('gives back what earlier queues leased when a later queue fails', async () => {
    const t = transport();
    const first = uniqueQueue('fails-first');
    const second = uniqueQueue('fails-second');
    const envelope = makeEnvelope(first);
    await t.enqueue([{ envelope }]);
    // The second queue's script fails: its lease set is not a sorted set.
    await admin().set(`conveyor:{${second}}:leases`, 'not a sorted set');
    await expect(
      t.reserve({ queues: [first, second], max: 5, leaseMs: 60_000, consumer: 'c' }),
    ).rejects.toThrow();
    // Released (no attempt counted), not active until its lease expires a minute later.
    expect(await t.getJob(envelope.id)).toMatchObject({ state: 'waiting', attempts: 0 });
    const [again] = await t.reserve({ queues: [first], max: 1, leaseMs: 1_000, consumer: 'd' });
    expect(again?.envelope).toMatchObject({ id: envelope.id, attempt: 1 });
  });

  it('gives back what a followed reserve leased when dead-lettering fails', async () => {
    const t = transport();
    const queue = uniqueQueue('follow-dead-fails');
    const reserving = t.reserve({
      queues: [queue],
      max: 5,
      leaseMs: 60_000,
      waitMs: 30_000,
      consumer: 'c',
    });
    await untilBlocked();
    // A job of an unknown format version (dead-lettered at reserve), a dead set that is
    // not a sorted set (so the dead-lettering fails), then a good job whose marker wakes
    // the wait: the reserve behind the BLPOP leases both.
    await admin().hset(`conveyor:{${queue}}:j:newer`, 's', 'w', 'd', `95|3|${Date.now()}|0|t`);
    await admin().rpush(readyKey(queue, 5), 'newer');
    await admin().set(`conveyor:{${queue}}:dead`, 'not a sorted set');
    const envelope = makeEnvelope(queue, { priority: 5 });
    await t.enqueue([{ envelope }]);
    await expect(reserving).rejects.toThrow();
    expect(await t.getJob(envelope.id)).toMatchObject({ state: 'waiting', attempts: 0 });
  });
});
