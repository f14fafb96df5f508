import { silentLogger } from '@conveyor/core';
import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type RedisTransport, redisTransport } from '../src/index.js';
import { usePrivateRedis } from './helpers/private-redis.js';

// The payload cap at the Redis transport (docs/transport.md [R3b]) and the input size a
// reservation reports, which the worker checks against its own cap.

const { transport, admin, url } = usePrivateRedis();
const jobKey = (queue: string, id: string) => `conveyor:{${queue}}:j:${id.slice(queue.length + 1)}`;
const MIB = 1024 * 1024;

const extra: RedisTransport[] = [];
afterEach(async () => {
  await Promise.all(extra.splice(0).map((created) => created.close()));
});

describe('redis: payload cap at enqueue', () => {
  it('refuses only the oversized call when calls of one tick share a script call', async () => {
    const t = transport();
    const queue = uniqueQueue('cap-tick');
    const small = makeEnvelope(queue);
    const big = makeEnvelope(queue, { input: 'x'.repeat(2 * MIB) });
    const [accepted, refused] = await Promise.allSettled([
      t.enqueue([{ envelope: small }]),
      t.enqueue([{ envelope: big }]),
    ]);
    expect(accepted).toEqual({ status: 'fulfilled', value: [{ id: small.id, duplicate: false }] });
    expect(refused).toMatchObject({ status: 'rejected', reason: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(await admin().exists(jobKey(queue, big.id))).toBe(0);
    expect((await t.getJob(small.id))?.state).toBe('waiting');
  });

  it('applies the maxPayloadBytes it was given', async () => {
    const t = redisTransport({ url: url(), logger: silentLogger, maxPayloadBytes: 1_000 });
    extra.push(t);
    const queue = uniqueQueue('cap-option');
    const big = makeEnvelope(queue, { input: 'x'.repeat(1_000) });
    await expect(t.enqueue([{ envelope: big }])).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      limit: 1_000,
    });
    expect(await admin().exists(jobKey(queue, big.id))).toBe(0);
    expect(() => redisTransport({ url: url(), maxPayloadBytes: 0 })).toThrow(
      'Invalid maxPayloadBytes 0: expected a number of bytes (a positive integer).',
    );
  });
});

describe('redis: input size on reserve', () => {
  it('reports the size of an input written straight into Redis, past any producer check', async () => {
    const t = transport();
    const queue = uniqueQueue('cap-raw');
    const envelope = makeEnvelope(queue);
    await t.enqueue([{ envelope }]);
    const raw = JSON.stringify({ blob: 'é'.repeat(2_000) + 'x'.repeat(5 * MIB) });
    // A waiting job is packed: `<d> <input>` in the queue's hash of packed jobs.
    const packedKey = `conveyor:{${queue}}:j:`;
    const unique = envelope.id.slice(queue.length + 1);
    const packed = (await admin().hget(packedKey, unique)) ?? '';
    await admin().hset(packedKey, unique, `${packed.slice(0, packed.indexOf(' '))} ${raw}`);
    const [reservation] = await t.reserve({
      queues: [queue],
      max: 1,
      leaseMs: 10_000,
      consumer: 'c',
    });
    expect(reservation?.inputBytes).toBe(Buffer.byteLength(raw, 'utf8'));
    expect(reservation?.inputBytes).toBeGreaterThan(5 * MIB);
  });
});
