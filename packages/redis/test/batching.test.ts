import type { Settlement } from '@conveyor/core';
import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { settleArgs } from '../src/wire/script-calls.js';
import { usePrivateRedis } from './helpers/private-redis.js';
import { enqueueMany } from './helpers/util.js';

// The scripts batch work per call (one EXISTS per enqueue batch, one ZREM of a settle
// batch's leases, or one ZMSCORE while an expired lease waits to be reclaimed; deferred
// RPUSH). These check the cases that batching could get wrong.

const { transport, admin } = usePrivateRedis();

describe('batched scripts', () => {
  it('never overwrites a job whose id comes twice in one enqueue batch', async () => {
    const t = transport();
    const queue = uniqueQueue('dup-batch');
    const first = makeEnvelope(queue, { input: { n: 1 } });
    const again = { ...first, input: { n: 2 } };
    const results = await t.enqueue([{ envelope: first }, { envelope: again }]);
    expect(results).toEqual([
      { id: first.id, duplicate: false },
      { id: first.id, duplicate: true },
    ]);
    expect((await t.getJob(first.id))?.envelope.input).toEqual({ n: 1 });
    const reserved = await t.reserve({ queues: [queue], max: 10, leaseMs: 10_000, consumer: 'c' });
    expect(reserved.map((r) => r.envelope.id)).toEqual([first.id]);
  });

  it('answers stale for the second settlement of one delivery in the same batch', async () => {
    const t = transport();
    const queue = uniqueQueue('settle-twice');
    await enqueueMany(t, queue, 1);
    const [job] = await t.reserve({ queues: [queue], max: 1, leaseMs: 10_000, consumer: 'c' });
    const ref = { id: job?.envelope.id ?? '', token: job?.token ?? '' };
    const statuses = await t.settle([
      { type: 'complete', ...ref, result: 'first' },
      { type: 'fail', ...ref, error: { name: 'E', message: 'late' }, deadLetter: true },
    ]);
    expect(statuses).toEqual(['ok', 'stale']);
    const record = await t.getJob(ref.id);
    expect(record?.state).toBe('completed');
    expect(record?.result).toBe('first');
  });

  it('tells valid from stale settlements in one batch, and keeps the lease a stale one names', async () => {
    const t = transport();
    const queue = uniqueQueue('mixed-batch');
    await enqueueMany(t, queue, 4);
    const jobs = await t.reserve({ queues: [queue], max: 4, leaseMs: 10_000, consumer: 'c' });
    const [a, b, c, d] = jobs.map((job) => ({ id: job.envelope.id, token: job.token }));
    if (!a || !b || !c || !d) throw new Error('expected four jobs');
    const leases = `conveyor:{${queue}}:leases`;
    const statuses = await t.settle([
      { type: 'complete', ...a, result: 1 },
      { type: 'complete', id: b.id, token: `${b.token}x`, result: 2 },
      { type: 'release', ...c },
      { type: 'complete', ...a, result: 3 },
      {
        type: 'fail',
        id: d.id,
        token: a.token,
        error: { name: 'E', message: 'wrong job' },
        deadLetter: false,
      },
    ]);
    expect(statuses).toEqual(['ok', 'stale', 'ok', 'stale', 'stale']);
    expect((await t.getJob(a.id))?.result).toBe(1);
    expect((await t.getJob(c.id))?.state).toBe('waiting');
    // b and d are still held under their own tokens: their leases stay, and settle later.
    expect(await admin().zcard(leases)).toBe(2);
    expect(
      await t.settle([
        { type: 'complete', ...b, result: 2 },
        { type: 'complete', ...d, result: 4 },
      ]),
    ).toEqual(['ok', 'ok']);
    expect(await admin().zcard(leases)).toBe(0);
  });

  it('checks deadlines per settlement while an expired lease waits to be reclaimed', async () => {
    const t = transport();
    const queue = uniqueQueue('expired-batch');
    await enqueueMany(t, queue, 2);
    // The long lease first: a reserve made after the short lease ran out would reclaim it.
    const [long] = await t.reserve({ queues: [queue], max: 1, leaseMs: 10_000, consumer: 'c' });
    const [short] = await t.reserve({ queues: [queue], max: 1, leaseMs: 50, consumer: 'c' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    // No reserve ran since: the expired lease is still in the set.
    expect(await admin().zcard(`conveyor:{${queue}}:leases`)).toBe(2);
    const statuses = await t.settle([
      { type: 'complete', id: short?.envelope.id ?? '', token: short?.token ?? '', result: 1 },
      { type: 'complete', id: long?.envelope.id ?? '', token: long?.token ?? '', result: 2 },
      { type: 'complete', id: long?.envelope.id ?? '', token: long?.token ?? '', result: 3 },
    ]);
    expect(statuses).toEqual(['stale', 'ok', 'stale']);
    // Only the expired lease is left, for housekeeping to reclaim.
    // Its member is the call's token and the job's unique id; the reservation's token is the
    // same two, joined.
    const unique = short?.envelope.id.slice(queue.length + 1) ?? '';
    const members = await admin().zrange(`conveyor:{${queue}}:leases`, '0', '-1');
    expect(members).toHaveLength(1);
    expect(members[0]?.replace(' ', '')).toBe(short?.token);
    expect(members[0]?.endsWith(` ${unique}`)).toBe(true);
    expect((await t.getJob(long?.envelope.id ?? ''))?.result).toBe(2);
  });

  it('answers stale, and leaves no partial record, when an active job hash was evicted', async () => {
    const t = transport();
    const queue = uniqueQueue('evicted');
    // An expiry keeps it out of the packed form: it has a hash of its own while leased.
    const envelope = makeEnvelope(queue, { expiresAt: Date.now() + 600_000 });
    await t.enqueue([{ envelope }]);
    const [job] = await t.reserve({ queues: [queue], max: 1, leaseMs: 10_000, consumer: 'c' });
    const unique = envelope.id.slice(queue.length + 1);
    // What an eviction policy other than noeviction does behind the scripts' back.
    expect(await admin().del(`conveyor:{${queue}}:j:${unique}`)).toBe(1);
    const statuses = await t.settle([
      { type: 'complete', id: job?.envelope.id ?? '', token: job?.token ?? '', result: 1 },
    ]);
    expect(statuses).toEqual(['stale']);
    expect(await admin().exists(`conveyor:{${queue}}:j:${unique}`)).toBe(0);
    expect(await t.getJob(envelope.id)).toBeNull();
  });

  it('answers stale, and leaves no partial record, when a leased packed job was evicted', async () => {
    const t = transport({ packLeasedFrom: 1 });
    const queue = uniqueQueue('evicted-packed');
    const [envelope] = await enqueueMany(t, queue, 1);
    const [job] = await t.reserve({
      queues: [queue],
      max: 1,
      leaseMs: 10_000,
      consumer: 'c',
      removeOnComplete: [queue],
    });
    const unique = (envelope?.id ?? '').slice(queue.length + 1);
    // Leased for a caller that removes it on completion, it stays a field of the queue's
    // hash of packed jobs: evicted with it.
    expect(await admin().del(`conveyor:{${queue}}:j:`)).toBe(1);
    const statuses = await t.settle([
      { type: 'complete', id: job?.envelope.id ?? '', token: job?.token ?? '', result: 1 },
    ]);
    expect(statuses).toEqual(['stale']);
    expect(await admin().exists(`conveyor:{${queue}}:j:${unique}`)).toBe(0);
    expect(await t.getJob(envelope?.id ?? '')).toBeNull();
  });

  it('decodes a reserve batch mixing plain jobs with jobs that have extras or an expiry', async () => {
    const t = transport();
    const queue = uniqueQueue('reply-shapes');
    const envelopes = [
      makeEnvelope(queue, { input: { n: 1 } }),
      makeEnvelope(queue, { input: { n: 2 }, expiresAt: Date.now() + 600_000 }),
      makeEnvelope(queue, { input: { n: 3 }, idempotencyKey: `k-${queue}` }),
      makeEnvelope(queue, { input: { n: 4 }, schema: 'sha256:abc', maxAttempts: 3 }),
      makeEnvelope(queue, { input: { n: 5 } }),
    ];
    await t.enqueue(envelopes.map((envelope) => ({ envelope })));
    const reserved = await t.reserve({ queues: [queue], max: 10, leaseMs: 10_000, consumer: 'c' });
    expect(reserved.map((r) => r.envelope)).toEqual(
      envelopes.map((envelope) => ({ ...envelope, attempt: 1 })),
    );
  });

  it('splits the packed reserve reply right for inputs with spaces, and settles texts with spaces', async () => {
    const t = transport();
    const queue = uniqueQueue('packed');
    const inputs = [
      { s: 'a b  c' },
      { s: ' lead', t: 'line\nbreak' },
      { s: 'é 漢字 🚀' },
      'just a string',
    ];
    const envelopes = inputs.map((input) => makeEnvelope(queue, { input }));
    await t.enqueue(envelopes.map((envelope) => ({ envelope })));
    const reserved = await t.reserve({ queues: [queue], max: 10, leaseMs: 10_000, consumer: 'c' });
    expect(reserved.map((r) => r.envelope.input)).toEqual(inputs);
    const [first, second, third, fourth] = reserved;
    const statuses = await t.settle([
      {
        type: 'complete',
        id: first?.envelope.id ?? '',
        token: first?.token ?? '',
        result: 'x y z',
      },
      {
        type: 'fail',
        id: second?.envelope.id ?? '',
        token: second?.token ?? '',
        error: { name: 'E', message: 'went  wrong here' },
        deadLetter: false,
      },
      {
        type: 'complete',
        id: third?.envelope.id ?? '',
        token: third?.token ?? '',
        result: undefined,
      },
      {
        type: 'complete',
        id: fourth?.envelope.id ?? '',
        token: 'not the token',
        result: undefined,
      },
    ]);
    expect(statuses).toEqual(['ok', 'ok', 'ok', 'stale']);
    expect((await t.getJob(first?.envelope.id ?? ''))?.result).toBe('x y z');
    expect((await t.getJob(second?.envelope.id ?? ''))?.error?.message).toBe('went  wrong here');
    expect((await t.getJob(third?.envelope.id ?? ''))?.state).toBe('completed');
    expect((await t.getJob(fourth?.envelope.id ?? ''))?.state).toBe('active');
  });

  it('dead-letters a job whose hash lost its input, and still delivers the rest of the batch', async () => {
    const t = transport();
    const queue = uniqueQueue('no-input');
    const [broken, fine] = await enqueueMany(t, queue, 2);
    // Both are packed (`<d> <input>` in the queue's hash of packed jobs): keep only the d.
    const packedKey = `conveyor:{${queue}}:j:`;
    const unique = (broken?.id ?? '').slice(queue.length + 1);
    const packed = (await admin().hget(packedKey, unique)) ?? '';
    await admin().hset(packedKey, unique, packed.slice(0, packed.indexOf(' ')));
    const reserved = await t.reserve({ queues: [queue], max: 10, leaseMs: 10_000, consumer: 'c' });
    expect(reserved.map((r) => r.envelope.id)).toEqual([fine?.id]);
    const record = await t.getJob(broken?.id ?? '');
    expect(record?.state).toBe('dead');
    expect(record?.error?.message).toContain(
      'has no `d` field (its task, priority and attempts) or `i` field (its input)',
    );
  });

  it('settles a batch that interleaves types and reserve calls, in order', async () => {
    const t = transport();
    const queue = uniqueQueue('groups');
    await enqueueMany(t, queue, 8);
    const a = await t.reserve({ queues: [queue], max: 4, leaseMs: 10_000, consumer: 'a' });
    const b = await t.reserve({ queues: [queue], max: 4, leaseMs: 10_000, consumer: 'b' });
    const ref = (job: (typeof a)[number] | undefined) => ({
      id: job?.envelope.id ?? '',
      token: job?.token ?? '',
    });
    const error = { name: 'E', message: 'no' };
    const batch: Settlement[] = [
      { type: 'complete', ...ref(a[0]), result: undefined },
      { type: 'complete', ...ref(a[1]), result: { r: 'a 1' } },
      { type: 'complete', ...ref(b[0]), result: undefined },
      { type: 'fail', ...ref(a[2]), error, deadLetter: false },
      { type: 'retry', ...ref(b[1]), error, delayMs: 0 },
      { type: 'release', ...ref(a[3]) },
      { type: 'complete', ...ref(b[2]), token: ref(b[3]).token, result: undefined },
      { type: 'complete', ...ref(b[3]), result: 3 },
    ];
    // Consecutive settlements of one type, number and call share a header.
    const args = settleArgs(batch, queue);
    expect(args.filter((arg) => /^[cfFrl]\S* \S+ \d+$/.test(arg))).toHaveLength(7);
    expect(args).toHaveLength(batch.length + 7);
    expect(await t.settle(batch)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'stale', 'ok']);
    const states = await Promise.all(batch.map((item) => t.getJob(item.id)));
    expect(states.map((record) => record?.state)).toEqual([
      'completed',
      'completed',
      'completed',
      'failed',
      'waiting',
      'waiting',
      'active',
      'completed',
    ]);
    expect(states[1]?.result).toEqual({ r: 'a 1' });
    expect(states[7]?.result).toBe(3);
  });

  it('keeps the record fields a delivery writes as one field readable', async () => {
    const t = transport();
    const queue = uniqueQueue('delivery');
    const [envelope] = await enqueueMany(t, queue, 1);
    const [job] = await t.reserve({
      queues: [queue],
      max: 1,
      leaseMs: 10_000,
      consumer: 'host:42:a|b',
    });
    const record = await t.getJob(envelope?.id ?? '');
    expect(record).toMatchObject({
      state: 'active',
      consumer: 'host:42:a|b',
      leaseExpiresAt: job?.leaseExpiresAt,
    });
    expect(record?.startedAt).toBe((job?.leaseExpiresAt ?? 0) - 10_000);
    const [renewed] = await t.renew([{ id: envelope?.id ?? '', token: job?.token ?? '' }], 20_000);
    expect(renewed).toBe('held');
    const after = await t.getJob(envelope?.id ?? '');
    expect(after?.consumer).toBe('host:42:a|b');
    expect(after?.startedAt).toBe(record?.startedAt);
    expect(after?.leaseExpiresAt).toBeGreaterThan(job?.leaseExpiresAt ?? 0);
  });
});
