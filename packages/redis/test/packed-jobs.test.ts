import { silentLogger } from '@conveyor/core';
import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { redisTransport } from '../src/index.js';
import { JOB_FORMAT_VERSION } from '../src/wire/job-hash.js';
import { usePrivateRedis } from './helpers/private-redis.js';

// A job that has only waited since it was enqueued, with no idempotency key, schema,
// workflow or expiry, is packed: a field of the queue's hash `P:{q}:j:` (unique id ->
// `<d> <input>`) instead of a hash of its own (the README's "Job hash"). Its first move
// gives it its own hash. Jobs stored before packing existed (their own hash while waiting)
// are read as before.

const { transport, admin, url } = usePrivateRedis();
const packedKey = (queue: string) => `conveyor:{${queue}}:j:`;
const jobKey = (queue: string, unique: string) => `conveyor:{${queue}}:j:${unique}`;
const uniqueOfId = (id: string) => id.slice(id.indexOf(':') + 1);
const reserveAll = (queue: string) =>
  transport().reserve({ queues: [queue], max: 10, leaseMs: 10_000, consumer: 'c' });

/**
 * A waiting job as the previous layout stored it (`@conveyor/redis` before packing, job
 * format version 1): its own hash `s` `d` `i`, its id on the ready list.
 */
async function storePreviousLayout(queue: string, enqueuedAt: number): Promise<string> {
  const unique = `prev${Math.random().toString(36).slice(2, 10)}`;
  await admin().hset(
    jobKey(queue, unique),
    's',
    'w',
    'd',
    `15|3|${enqueuedAt}|4|shop.sendReceipt`,
    'i',
    '{"order":1}',
  );
  await admin().rpush(`conveyor:{${queue}}:w5`, unique);
  return `${queue}:${unique}`;
}

describe('packed waiting jobs', () => {
  it('stores a plain waiting job as one field of the queue hash, and unpacks it at reserve', async () => {
    const queue = uniqueQueue('packed-store');
    const envelope = makeEnvelope(queue, { priority: 7, maxAttempts: 2, task: 'a|b:c' });
    const unique = uniqueOfId(envelope.id);
    await transport().enqueue([{ envelope }]);
    expect(await admin().exists(jobKey(queue, unique))).toBe(0);
    const packed = await admin().hget(packedKey(queue), unique);
    expect(packed).toMatch(
      new RegExp(`^${JOB_FORMAT_VERSION}7\\|2\\|\\d+\\|-?\\d+\\|a\\|b:c \\{"conformance":true\\}$`),
    );
    expect(await transport().getJob(envelope.id)).toMatchObject({
      state: 'waiting',
      attempts: 0,
      envelope: { ...envelope, attempt: 0 },
    });

    const [job] = await reserveAll(queue);
    expect(job?.envelope).toEqual({ ...envelope, attempt: 1 });
    expect(await admin().exists(packedKey(queue))).toBe(0);
    const own = await admin().hgetall(jobKey(queue, unique));
    expect(own).toMatchObject({ s: 'a', n: '1', i: '{"conformance":true}' });
    expect(own.d).toBe(packed?.slice(0, packed.indexOf(' ')));
    // A released job waits in its own hash, back on its priority's list (a release does
    // not count as an attempt).
    await transport().settle([{ type: 'release', id: envelope.id, token: job?.token ?? '' }]);
    expect(await admin().lrange(`conveyor:{${queue}}:w7`, 0, -1)).toEqual([unique]);
    expect(await admin().hget(jobKey(queue, unique), 's')).toBe('w');
    const [again] = await reserveAll(queue);
    expect(again?.envelope).toEqual({ ...envelope, attempt: 1 });
  });

  it('keeps a job with an idempotency key, expiry or delay in its own hash', async () => {
    const queue = uniqueQueue('packed-not');
    const keyed = makeEnvelope(queue, { idempotencyKey: 'k-1' });
    const expiring = makeEnvelope(queue, { expiresAt: Date.now() + 60_000 });
    const delayed = makeEnvelope(queue);
    await transport().enqueue([
      { envelope: keyed },
      { envelope: expiring },
      { envelope: delayed, delayMs: 60_000 },
    ]);
    for (const { id } of [keyed, expiring, delayed]) {
      expect(await admin().exists(jobKey(queue, uniqueOfId(id)))).toBe(1);
    }
    expect(await admin().exists(packedKey(queue))).toBe(0);
  });

  it('treats a packed id as taken, whatever the second enqueue carries', async () => {
    const queue = uniqueQueue('packed-dup');
    const first = makeEnvelope(queue);
    await transport().enqueue([{ envelope: first }]);
    const results = await transport().enqueue([
      { envelope: { ...first, input: { other: 1 } } },
      { envelope: { ...first, expiresAt: Date.now() + 60_000 } },
    ]);
    expect(results.map((result) => result.duplicate)).toEqual([true, true]);
    expect(await admin().exists(jobKey(queue, uniqueOfId(first.id)))).toBe(0);
    const [job] = await reserveAll(queue);
    expect(job?.envelope.input).toEqual(first.input);
    expect(await reserveAll(queue)).toEqual([]);
  });

  it('cancels, lists, finds and purges packed jobs', async () => {
    const queue = uniqueQueue('packed-admin');
    const t = transport();
    const [a, b, c] = [makeEnvelope(queue), makeEnvelope(queue), makeEnvelope(queue)];
    await t.enqueue([
      { envelope: a, index: [{ field: 'customer', value: 'c-1' }] },
      { envelope: b },
      { envelope: c },
    ]);
    expect(await t.cancel(b.id)).toBe('cancelled');
    expect(await t.getJob(b.id)).toMatchObject({ state: 'cancelled' });
    expect(await admin().hexists(packedKey(queue), uniqueOfId(b.id))).toBe(0);

    const waiting = await t.admin.listJobs(queue, { state: 'waiting' });
    expect(waiting.jobs.map((job) => job.id)).toEqual([c.id, a.id]);
    const byTask = await t.admin.listJobs(queue, { state: 'waiting', task: a.task });
    expect(byTask.jobs.map((job) => job.envelope)).toEqual([
      { ...c, attempt: 0 },
      { ...a, attempt: 0 },
    ]);
    const found = await t.admin.findByIndex(queue, {
      task: a.task,
      field: 'customer',
      value: 'c-1',
    });
    expect(found.jobs.map((job) => [job.id, job.state])).toEqual([[a.id, 'waiting']]);

    expect(await t.admin.purgeQueue(queue)).toBe(2);
    expect(await admin().exists(packedKey(queue))).toBe(0);
    expect(await t.getJob(a.id)).toBeNull();
    expect(await reserveAll(queue)).toEqual([]);
  });
});

describe('packed jobs with a schema fingerprint', () => {
  // What codegen stamps: the first 16 hex digits of a SHA-256.
  const schema = '3f9a1c0b7d2e4f61';

  it('packs a job whose only extra is its fingerprint, and gives the fingerprint back', async () => {
    const queue = uniqueQueue('packed-schema');
    const envelope = makeEnvelope(queue, { schema, priority: 6 });
    const unique = uniqueOfId(envelope.id);
    await transport().enqueue([{ envelope }]);
    expect(await admin().exists(jobKey(queue, unique))).toBe(0);
    expect(await admin().hget(packedKey(queue), unique)).toMatch(
      new RegExp(
        `^${JOB_FORMAT_VERSION}6\\|3\\|\\d+\\|-?\\d+\\|conformance\\.task #${schema} \\{"conformance":true\\}$`,
      ),
    );
    expect(await transport().getJob(envelope.id)).toMatchObject({
      state: 'waiting',
      envelope: { ...envelope, attempt: 0 },
    });
    const page = await transport().admin.listJobs(queue, { state: 'waiting', task: envelope.task });
    expect(page.jobs.map((job) => job.envelope)).toEqual([{ ...envelope, attempt: 0 }]);

    const [job] = await reserveAll(queue);
    expect(job?.envelope).toEqual({ ...envelope, attempt: 1 });
    expect(await admin().exists(packedKey(queue))).toBe(0);
    expect(await admin().hget(jobKey(queue, unique), 'y')).toBe(`[null,"${schema}"]`);
    // Released, it waits in its own hash and keeps the fingerprint.
    await transport().settle([{ type: 'release', id: envelope.id, token: job?.token ?? '' }]);
    const [again] = await reserveAll(queue);
    expect(again?.envelope).toEqual({ ...envelope, attempt: 1 });
  });

  it('keeps the fingerprint through cancel and a batch of packed jobs with and without one', async () => {
    const queue = uniqueQueue('packed-schema-mixed');
    const [a, b, c] = [
      makeEnvelope(queue, { schema }),
      makeEnvelope(queue),
      makeEnvelope(queue, { schema, input: 'a "quoted" #string' }),
    ];
    const cancelled = makeEnvelope(queue, { schema });
    await transport().enqueue([a, b, c, cancelled].map((envelope) => ({ envelope })));
    expect(await admin().hlen(packedKey(queue))).toBe(4);
    expect(await transport().cancel(cancelled.id)).toBe('cancelled');
    expect(await transport().getJob(cancelled.id)).toMatchObject({
      state: 'cancelled',
      envelope: { schema },
    });
    const jobs = await reserveAll(queue);
    expect(jobs.map((job) => job.envelope)).toEqual(
      [a, b, c].map((envelope) => ({ ...envelope, attempt: 1 })),
    );
  });

  it("does not read a '#' at the start of a job's own input as a fingerprint", async () => {
    // reserve.lua's compact reply puts a packed job's fingerprint after `d` as `#<schema>`;
    // input written behind the scripts' back that starts with '#' is not JSON, and stays so.
    const queue = uniqueQueue('packed-schema-hash-input');
    const unique = `own${Math.random().toString(36).slice(2, 10)}`;
    await admin().hset(
      jobKey(queue, unique),
      's',
      'w',
      'd',
      `15|3|${Date.now()}|0|t`,
      'i',
      `#${schema} {"a":1}`,
    );
    await admin().rpush(`conveyor:{${queue}}:w5`, unique);
    expect(await reserveAll(queue)).toEqual([]);
    const stored = await admin().hmget(jobKey(queue, unique), 's', 'e');
    expect(stored[0]).toBe('x');
    expect(JSON.parse(stored[1] ?? '{}')).toMatchObject({ code: 'INVALID_ENVELOPE' });
  });

  it('gives a fingerprint JSON would escape, or with a space, its own hash', async () => {
    const queue = uniqueQueue('packed-schema-odd');
    const odd = ['with space', 'quote"d', 'back\\slash', 'tab\tted', ''].map((print) =>
      makeEnvelope(queue, { schema: print }),
    );
    await transport().enqueue(odd.map((envelope) => ({ envelope })));
    for (const { id } of odd) expect(await admin().exists(jobKey(queue, uniqueOfId(id)))).toBe(1);
    expect(await admin().exists(packedKey(queue))).toBe(0);
    const jobs = await reserveAll(queue);
    expect(jobs.map((job) => job.envelope)).toEqual(
      odd.map((envelope) => ({ ...envelope, attempt: 1 })),
    );
  });
});

describe('packWaitingJobs: false', () => {
  it('gives every waiting job its own hash, as releases before packing stored them', async () => {
    const queue = uniqueQueue('packed-off');
    const unpacked = redisTransport({ url: url(), logger: silentLogger, packWaitingJobs: false });
    try {
      const plain = makeEnvelope(queue);
      const stamped = makeEnvelope(queue, { schema: '3f9a1c0b7d2e4f61' });
      await unpacked.enqueue([{ envelope: plain }, { envelope: stamped }]);
      // A schedule's job is enqueued by fire-schedule.lua: the option holds there too.
      await unpacked.schedules.upsert([
        {
          id: 'nightly',
          queue,
          task: 'conformance.task',
          every: 60_000,
          tz: 'UTC',
          input: {},
          misfire: 'latest',
          overlap: 'allow',
          enabled: true,
          source: 'code',
          maxAttempts: 3,
          priority: 5,
        },
      ]);
      const fired = await unpacked.schedules.fire({
        scheduleId: 'nightly',
        revision: 1,
        slotAt: Date.now() - 1_000,
        job: { envelope: makeEnvelope(queue, { schema: '3f9a1c0b7d2e4f61' }) },
      });
      expect(fired.fired).toBe(true);
      expect(await admin().exists(jobKey(queue, uniqueOfId(fired.jobId)))).toBe(1);
      expect(await admin().exists(packedKey(queue))).toBe(0);
      expect(await admin().hgetall(jobKey(queue, uniqueOfId(plain.id)))).toEqual({
        s: 'w',
        d: expect.stringMatching(/^1\d\|/),
        i: '{"conformance":true}',
      });
      expect(await admin().hget(jobKey(queue, uniqueOfId(stamped.id)), 'y')).toBe(
        '[null,"3f9a1c0b7d2e4f61"]',
      );
      const jobs = await reserveAll(queue);
      expect(jobs.map((job) => job.envelope.id)).toEqual([plain.id, stamped.id, fired.jobId]);
    } finally {
      await unpacked.close();
    }
  });
});

describe('jobs stored in the previous layout', () => {
  it('reads, lists, reserves and completes a waiting job stored in its own hash', async () => {
    const queue = uniqueQueue('packed-previous');
    const enqueuedAt = Date.now();
    const previous = await storePreviousLayout(queue, enqueuedAt);
    const packed = makeEnvelope(queue);
    await transport().enqueue([{ envelope: packed }]);
    const expected = {
      v: 1,
      id: previous,
      task: 'shop.sendReceipt',
      queue,
      input: { order: 1 },
      maxAttempts: 3,
      priority: 5,
      enqueuedAt: enqueuedAt - 4,
    };
    expect(await transport().getJob(previous)).toMatchObject({
      state: 'waiting',
      envelope: { ...expected, attempt: 0 },
    });
    const page = await transport().admin.listJobs(queue, { state: 'waiting' });
    expect(page.jobs.map((job) => job.id)).toEqual([packed.id, previous]);

    const jobs = await reserveAll(queue);
    expect(jobs.map((job) => job.envelope)).toEqual([
      { ...expected, attempt: 1 },
      { ...packed, attempt: 1 },
    ]);
    await transport().settle(
      jobs.map((job) => ({ type: 'complete', id: job.envelope.id, token: job.token, result: 1 })),
    );
    expect(await transport().getJob(previous)).toMatchObject({ state: 'completed', result: 1 });
    expect(await transport().getJob(packed.id)).toMatchObject({ state: 'completed', result: 1 });
  });

  it('cancels and purges waiting jobs stored in their own hash', async () => {
    const queue = uniqueQueue('packed-previous-admin');
    const [first, second] = [
      await storePreviousLayout(queue, Date.now()),
      await storePreviousLayout(queue, Date.now()),
    ];
    expect(await transport().cancel(first)).toBe('cancelled');
    expect(await transport().admin.purgeQueue(queue)).toBe(1);
    expect(await admin().exists(jobKey(queue, uniqueOfId(second)))).toBe(0);
    expect(await transport().getJob(first)).toMatchObject({ state: 'cancelled' });
  });
});

describe('the job format version of a packed job', () => {
  /** A packed job as a newer release could store it: version 9 at the start of its d. */
  async function storeNewerPacked(queue: string): Promise<string> {
    const unique = `newer${Math.random().toString(36).slice(2, 10)}`;
    await admin().hset(packedKey(queue), unique, `95|3|${Date.now()}|0|t {"a":1}`);
    await admin().rpush(`conveyor:{${queue}}:w5`, unique);
    return `${queue}:${unique}`;
  }

  it('is refused by getJob with INVALID_ENVELOPE', async () => {
    const queue = uniqueQueue('packed-version-read');
    const newer = await storeNewerPacked(queue);
    await expect(transport().getJob(newer)).rejects.toMatchObject({
      code: 'INVALID_ENVELOPE',
      message: expect.stringContaining('job format version "9"'),
    });
  });

  it('dead-letters the job at reserve, in its own hash, without blocking the queue', async () => {
    const queue = uniqueQueue('packed-version-reserve');
    const newer = await storeNewerPacked(queue);
    const after = makeEnvelope(queue);
    await transport().enqueue([{ envelope: after }]);
    const reserved = await reserveAll(queue);
    expect(reserved.map((job) => job.envelope.id)).toEqual([after.id]);
    const stored = await admin().hmget(jobKey(queue, uniqueOfId(newer)), 's', 'd', 'e');
    expect(stored[0]).toBe('x');
    expect(stored[1]).toMatch(/^95\|/);
    expect(JSON.parse(stored[2] ?? '{}')).toMatchObject({ code: 'INVALID_ENVELOPE' });
    expect(await admin().hexists(packedKey(queue), uniqueOfId(newer))).toBe(0);
  });
});
