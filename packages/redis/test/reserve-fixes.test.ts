import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { markerKey } from '../src/keys.js';
import { usePrivateRedis } from './helpers/private-redis.js';

// Reserve paths that must neither lease a job twice nor strand or spin on a failure.

const { transport, admin } = usePrivateRedis();
const readyKey = (queue: string, priority: number) => `conveyor:{${queue}}:w${priority}`;
const uniqueOfId = (id: string) => id.slice(id.indexOf(':') + 1);

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
});
