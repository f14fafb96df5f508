import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { usePrivateRedis } from './helpers/private-redis.js';

// The idempotency claim's key and value (README, "Key layout"): scoped to queue, task and
// key [R5], holding the input fingerprint beside the unique id [R5a].

describe('idempotency claims in Redis', () => {
  const { transport, admin } = usePrivateRedis();

  it('are `P:{q}:i:<task length>:<task>:<key>` holding `<fingerprint> <unique>`, with the window as PTTL', async () => {
    const t = transport();
    const queue = uniqueQueue('claims');
    const envelope = makeEnvelope(queue, { task: 'shop.charge', idempotencyKey: 'order 1:{x}' });
    await t.enqueue([{ envelope, inputFingerprint: '0123abcd', dedupeWindowMs: 60_000 }]);
    const key = `conveyor:{${queue}}:i:11:shop.charge:order 1:{x}`;
    const unique = envelope.id.slice(queue.length + 1);
    expect(await admin().get(key)).toBe(`0123abcd ${unique}`);
    const ttl = await admin().pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    // Without a fingerprint the claim holds an empty one.
    const bare = makeEnvelope(queue, { task: 'shop.charge', idempotencyKey: 'order-2' });
    await t.enqueue([{ envelope: bare }]);
    expect(await admin().get(`conveyor:{${queue}}:i:11:shop.charge:order-2`)).toBe(
      ` ${bare.id.slice(queue.length + 1)}`,
    );
  });

  it('read a claim holding only an id as one without a fingerprint', async () => {
    const t = transport();
    const queue = uniqueQueue('bare-claim');
    const first = makeEnvelope(queue, { task: 't', idempotencyKey: 'k' });
    await t.enqueue([{ envelope: first }]);
    await admin().set(`conveyor:{${queue}}:i:1:t:k`, first.id.slice(queue.length + 1));
    const again = makeEnvelope(queue, { task: 't', idempotencyKey: 'k' });
    expect(await t.enqueue([{ envelope: again, inputFingerprint: 'ffff' }])).toEqual([
      { id: first.id, duplicate: true },
    ]);
  });

  it('refuse a fingerprint with whitespace before anything is stored', async () => {
    const t = transport();
    const queue = uniqueQueue('bad-fingerprint');
    const envelope = makeEnvelope(queue, { idempotencyKey: 'k' });
    await expect(t.enqueue([{ envelope, inputFingerprint: 'two words' }])).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      message: expect.stringContaining('inputFingerprint "two words"'),
    });
    expect(await t.getJob(envelope.id)).toBeNull();
  });
});
