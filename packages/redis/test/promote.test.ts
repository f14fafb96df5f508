import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { queueKeys } from '../src/keys.js';
import { usePrivateRedis } from './helpers/private-redis.js';

const { transport, admin } = usePrivateRedis();

describe('promoteDelayed on Redis', () => {
  it('promotes more delayed jobs than one call of promote.lua moves (1,000), past a stale member', async () => {
    const t = transport();
    const queue = uniqueQueue('promote-many');
    const envelopes = Array.from({ length: 2_300 }, (_, index) =>
      makeEnvelope(queue, { input: { index } }),
    );
    await t.enqueue(envelopes.map((envelope) => ({ envelope, delayMs: 3_600_000 })));
    // A member of the delayed set whose job is gone, due before every real one: the call
    // that looks at it moves one fewer, and the next call still runs.
    const delayedKey = queueKeys('conveyor', queue)[11] as string;
    expect(await admin().zcard(delayedKey)).toBe(2_300);
    await admin().zadd(delayedKey, 1, 'gone-job');
    expect(await t.admin.promoteDelayed(queue)).toBe(2_300);
    expect(await admin().zcard(delayedKey)).toBe(0);
    const [counts] = await t.admin.queueCounts([queue]);
    expect(counts).toMatchObject({ waiting: 2_300, delayed: 0 });
    const first = await t.reserve({ queues: [queue], max: 3, leaseMs: 60_000, consumer: 'c' });
    expect(first).toHaveLength(3);
  });
});
