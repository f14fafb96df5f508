import { createHash } from 'node:crypto';
import type { EnqueueRequest } from '@conveyor/core';
import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { luaScript } from '../src/scripts.js';
import { enqueueOneArgs } from '../src/wire/enqueue-one.js';
import { usePrivateRedis } from './helpers/private-redis.js';

// A single plain ready job goes through enqueue-one.lua instead of enqueue.lua (its header):
// the same stored job, the same duplicate rule [R3a], and the same order with jobs that came
// due before it [R7], which it leaves to enqueue.lua.

const { transport, admin } = usePrivateRedis();
const packedKey = (queue: string) => `conveyor:{${queue}}:j:`;
const uniqueOfId = (id: string) => id.slice(id.indexOf(':') + 1);
const reserve = (queue: string, max: number, leaseMs = 10_000) =>
  transport().reserve({ queues: [queue], max, leaseMs, consumer: 'c' });
const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

/** Resolves once Redis' clock has passed `ms` (epoch ms): what the scripts compare with. */
async function redisTimePast(ms: number): Promise<void> {
  for (;;) {
    const [seconds, micros] = await admin().time();
    if (Number(seconds) * 1_000 + Math.floor(Number(micros) / 1_000) > ms) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('which requests take the single-job path', () => {
  const queue = 'q';
  const plain = (): EnqueueRequest => ({ envelope: makeEnvelope(queue, { schema: 'abc123' }) });

  it('takes a plain ready job, with or without a packable schema fingerprint', () => {
    const request = plain();
    const args = enqueueOneArgs(request, queue, true);
    expect(args).toEqual([
      uniqueOfId(request.envelope.id),
      `15|3`,
      String(request.envelope.enqueuedAt),
      'conformance.task #abc123 {"conformance":true}',
    ]);
    const bare: EnqueueRequest = { envelope: makeEnvelope(queue) };
    expect(enqueueOneArgs(bare, queue, true)?.[3]).toBe('conformance.task {"conformance":true}');
  });

  it('leaves every other request to enqueue.lua', () => {
    const cases: Array<[string, EnqueueRequest]> = [
      ['delay', { ...plain(), delayMs: 10 }],
      ['run time', { ...plain(), runAt: Date.now() + 10 }],
      ['index entries', { ...plain(), index: [{ field: 'sku', value: 'A' }] }],
      ['expiry', { envelope: makeEnvelope(queue, { expiresAt: Date.now() + 1_000 }) }],
      ['idempotency key', { envelope: makeEnvelope(queue, { idempotencyKey: 'k' }) }],
      [
        'workflow',
        { envelope: makeEnvelope(queue, { workflow: { id: 'w', step: 's', kind: 'run' } }) },
      ],
      ['task with a space', { envelope: makeEnvelope(queue, { task: 'a b' }) }],
      ['schema JSON would escape', { envelope: makeEnvelope(queue, { schema: 'a"b' }) }],
      ['schema with a space', { envelope: makeEnvelope(queue, { schema: 'a b' }) }],
      ['input read as a fingerprint', { envelope: makeEnvelope(queue), inputJson: '#x' }],
    ];
    for (const [what, request] of cases) {
      expect(enqueueOneArgs(request, queue, true), what).toBeUndefined();
    }
    expect(enqueueOneArgs(plain(), queue, false), 'packWaitingJobs: false').toBeUndefined();
  });
});

describe('enqueue-one.lua on Redis', () => {
  it('runs for a single plain enqueue and stores the job as a batch would', async () => {
    const queue = uniqueQueue('one-store');
    const single = makeEnvelope(queue, { schema: 'fp1' });
    const [first, second] = [makeEnvelope(queue, { schema: 'fp1' }), makeEnvelope(queue)];
    await admin().script('FLUSH');
    expect(await admin().script('EXISTS', sha1(luaScript('enqueue-one')))).toEqual([0]);
    await transport().enqueue([{ envelope: single }]);
    expect(await admin().script('EXISTS', sha1(luaScript('enqueue-one')))).toEqual([1]);
    await transport().enqueue([{ envelope: first }, { envelope: second }]);

    // `<d> #<schema> <input>` with d = <version><priority>|<maxAttempts>|<enqueuedAt>|<offset>|<task>.
    const stored = await admin().hget(packedKey(queue), uniqueOfId(single.id));
    const batched = await admin().hget(packedKey(queue), uniqueOfId(first.id));
    const shape = (value: string | null) => value?.replace(/^(\d+\|\d+)\|\d+\|-?\d+\|/, '$1|T|O|');
    expect(shape(stored)).toBe(shape(batched));
    expect(shape(stored)).toBe('15|3|T|O|conformance.task #fp1 {"conformance":true}');

    const jobs = await reserve(queue, 3);
    expect(jobs.map((job) => job.envelope.id)).toEqual([single.id, first.id, second.id]);
    expect(jobs[0]?.envelope).toEqual({ ...single, attempt: 1 });
  });

  it('refuses an id already stored, packed or in its own hash [R3a]', async () => {
    const queue = uniqueQueue('one-dup');
    const envelope = makeEnvelope(queue);
    expect(await transport().enqueue([{ envelope }])).toEqual([
      { id: envelope.id, duplicate: false },
    ]);
    expect(await transport().enqueue([{ envelope }])).toEqual([
      { id: envelope.id, duplicate: true },
    ]);
    // Leased: its own hash now, and no packed field for a second enqueue to add.
    expect(await reserve(queue, 1)).toHaveLength(1);
    expect(await transport().enqueue([{ envelope }])).toEqual([
      { id: envelope.id, duplicate: true },
    ]);
    expect(await admin().hexists(packedKey(queue), uniqueOfId(envelope.id))).toBe(0);
    expect(await reserve(queue, 5)).toEqual([]);
  });

  it('leaves a delayed job that came due before it ahead of it [R7]', async () => {
    const queue = uniqueQueue('one-due');
    const delayed = makeEnvelope(queue);
    await transport().enqueue([{ envelope: delayed, delayMs: 1 }]);
    const [seconds, micros] = await admin().time();
    await redisTimePast(Number(seconds) * 1_000 + Math.floor(Number(micros) / 1_000) + 1);
    const fresh = makeEnvelope(queue);
    await transport().enqueue([{ envelope: fresh }]);
    const jobs = await reserve(queue, 2);
    expect(jobs.map((job) => job.envelope.id)).toEqual([delayed.id, fresh.id]);
  });

  it('leaves a job whose lease ran out before it ahead of it [R7]', async () => {
    const queue = uniqueQueue('one-lease');
    const lost = makeEnvelope(queue);
    await transport().enqueue([{ envelope: lost }]);
    const [leased] = await reserve(queue, 1, 1);
    expect(leased?.envelope.id).toBe(lost.id);
    const deadline = Number(
      (await admin().zrange(`conveyor:{${queue}}:leases`, '0', '0', 'WITHSCORES'))[1],
    );
    await redisTimePast(deadline);
    const fresh = makeEnvelope(queue);
    await transport().enqueue([{ envelope: fresh }]);
    const jobs = await reserve(queue, 2);
    expect(jobs.map((job) => [job.envelope.id, job.envelope.attempt])).toEqual([
      [lost.id, 2],
      [fresh.id, 1],
    ]);
  });
});
