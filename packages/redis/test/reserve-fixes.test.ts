import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { usePrivateRedis } from './helpers/private-redis.js';

// Reserve paths that must neither lease a job twice nor strand or spin on a failure.

const { transport, admin } = usePrivateRedis();
const readyKey = (queue: string, priority: number) => `conveyor:{${queue}}:w${priority}`;
const uniqueOfId = (id: string) => id.slice(id.indexOf(':') + 1);

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
});
