import { type JobError, type Reservation, silentLogger } from '@conveyor/core';
import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { redisTransport } from '../src/index.js';
import { usePrivateRedis } from './helpers/private-redis.js';
import { untilRedisTimePasses } from './helpers/util.js';

// A worker whose tasks all remove their jobs on completion reserves with the
// `removeOnComplete` hint: its packed jobs (packed-jobs.test.ts) stay packed while leased,
// with one hash per reserve call `P:{q}:c:<token>` (src/scripts/includes/packed-job.lua).
// The conformance suite's cluster runs reserve with the hint for every rule; these tests
// look at what Redis holds on each path, and that no call hash is left behind.

const { transport: plain, admin, url } = usePrivateRedis();
/** Transports that leave every job of a pop packed (`packLeasedFrom: 1`; the default is 8). */
const transport = () => plain({ packLeasedFrom: 1 });
const packedKey = (queue: string) => `conveyor:{${queue}}:j:`;
const uniqueOf = (id: string) => id.slice(id.indexOf(':') + 1);
const jobKey = (queue: string, id: string) => `conveyor:{${queue}}:j:${uniqueOf(id)}`;
const ERROR: JobError = { name: 'Error', message: 'boom' };

/** The queue's keys but its wake-up marker: its jobs, leases and call hashes. */
const jobKeys = async (queue: string) =>
  (await admin().keys(`conveyor:{${queue}}:*`)).filter((key) => !key.endsWith(':marker'));
/** Keys of the queue's reserve-call hashes. */
const callHashes = (queue: string) => admin().keys(`conveyor:{${queue}}:c:*`);

async function enqueue(queue: string, count: number, maxAttempts = 3) {
  const envelopes = Array.from({ length: count }, (_, index) =>
    makeEnvelope(queue, { input: { index }, maxAttempts }),
  );
  await transport().enqueue(envelopes.map((envelope) => ({ envelope })));
  return envelopes;
}

function reserve(
  queue: string,
  options: { max?: number; leaseMs?: number; startNow?: number; consumer?: string } = {},
): Promise<Reservation[]> {
  return transport().reserve({
    queues: [queue],
    max: options.max ?? 10,
    leaseMs: options.leaseMs ?? 60_000,
    consumer: options.consumer ?? 'worker-1',
    removeOnComplete: [queue],
    ...(options.startNow !== undefined && { startNow: options.startNow }),
  });
}

describe('jobs leased for a worker that removes them on completion', () => {
  it('stay packed, read as active with their worker, and leave nothing once completed', async () => {
    const queue = uniqueQueue('leased-packed');
    const envelopes = await enqueue(queue, 3);
    const before = await admin().hgetall(packedKey(queue));
    const jobs = await reserve(queue, { startNow: 1 });
    expect(jobs.map((job) => job.envelope.attempt)).toEqual([1, 1, 1]);
    // Nothing per job was written: the packed fields are as they were, no job hash.
    expect(await admin().hgetall(packedKey(queue))).toEqual(before);
    for (const { id } of envelopes) expect(await admin().exists(jobKey(queue, id))).toBe(0);
    const [call] = await callHashes(queue);
    const fields = await admin().hgetall(call ?? '');
    // Three leased packed, the two past startNow held unstarted [R27].
    expect(fields.n).toBe('3');
    expect(Object.values(fields).filter((value) => value === '1')).toHaveLength(2);

    const record = await transport().getJob(envelopes[0]?.id ?? '');
    expect(record).toMatchObject({ state: 'active', attempts: 1, consumer: 'worker-1' });
    expect(record?.startedAt).toBeGreaterThan(0);
    expect(record?.leaseExpiresAt).toBe(jobs[0]?.leaseExpiresAt);
    const page = await transport().admin.listJobs(queue, { state: 'active' });
    expect(page.jobs.map((job) => job.state)).toEqual(['active', 'active', 'active']);
    expect(new Set(page.jobs.map((job) => job.consumer))).toEqual(new Set(['worker-1']));
    const [counts] = await transport().admin.queueCounts([queue]);
    expect(counts).toMatchObject({ waiting: 0, active: 3 });

    const statuses = await transport().settle(
      jobs.map(({ envelope, token }) => ({
        type: 'complete' as const,
        id: envelope.id,
        token,
        result: undefined,
        remove: true,
      })),
    );
    expect(statuses).toEqual(['ok', 'ok', 'ok']);
    expect(await jobKeys(queue)).toEqual([]);
  });

  it('write the whole record when completed with the result kept', async () => {
    const queue = uniqueQueue('leased-packed-kept');
    const [envelope] = await enqueue(queue, 1);
    const [job] = await reserve(queue);
    expect(
      await transport().settle([
        {
          type: 'complete',
          id: job?.envelope.id ?? '',
          token: job?.token ?? '',
          result: { ok: 1 },
        },
      ]),
    ).toEqual(['ok']);
    const record = await transport().getJob(envelope?.id ?? '');
    expect(record).toMatchObject({
      state: 'completed',
      result: { ok: 1 },
      attempts: 1,
      envelope: { input: envelope?.input, task: envelope?.task },
    });
    expect(record?.startedAt).toBeGreaterThan(0);
    expect(await admin().hexists(packedKey(queue), uniqueOf(envelope?.id ?? ''))).toBe(0);
    expect(await callHashes(queue)).toEqual([]);
  });

  it('get their own hash when they fail, retry or are released, and the rules go on', async () => {
    const queue = uniqueQueue('leased-packed-moves');
    const [a, b, c] = await enqueue(queue, 3);
    const jobs = await reserve(queue);
    const tokenOf = (id?: string) => jobs.find((job) => job.envelope.id === id)?.token ?? '';
    expect(
      await transport().settle([
        { type: 'fail', id: a?.id ?? '', token: tokenOf(a?.id), error: ERROR, deadLetter: false },
        { type: 'retry', id: b?.id ?? '', token: tokenOf(b?.id), error: ERROR, delayMs: 0 },
        { type: 'release', id: c?.id ?? '', token: tokenOf(c?.id) },
      ]),
    ).toEqual(['ok', 'ok', 'ok']);
    const failed = await transport().getJob(a?.id ?? '');
    expect(failed).toMatchObject({ state: 'failed', attempts: 1, error: { message: 'boom' } });
    expect(failed?.history?.[0]?.startedAt).toBeGreaterThan(0);
    expect(await transport().getJob(b?.id ?? '')).toMatchObject({ state: 'waiting', attempts: 1 });
    expect(await transport().getJob(c?.id ?? '')).toMatchObject({ state: 'waiting', attempts: 0 });
    expect(await admin().hlen(packedKey(queue))).toBe(0);
    expect(await callHashes(queue)).toEqual([]);
    // Released to the head of the queue, then the retried job.
    const again = await reserve(queue);
    expect(again.map((job) => [job.envelope.id, job.envelope.attempt])).toEqual([
      [c?.id, 1],
      [b?.id, 2],
    ]);
  });

  it('count an expired lease of a started job, and give a held one back uncounted [R11, R27]', async () => {
    const queue = uniqueQueue('leased-packed-expiry');
    const [started, held] = await enqueue(queue, 2);
    const jobs = await reserve(queue, { leaseMs: 200, startNow: 1 });
    expect(jobs.map((job) => job.envelope.id)).toEqual([started?.id, held?.id]);
    await untilRedisTimePasses(admin(), jobs[0]?.leaseExpiresAt ?? 0);
    // The next call on the queue reclaims both.
    const back = await reserve(queue, { consumer: 'worker-2' });
    expect(back.map((job) => [job.envelope.id, job.envelope.attempt])).toEqual([
      [held?.id, 1],
      [started?.id, 2],
    ]);
    const refunded = await transport().getJob(held?.id ?? '');
    expect(refunded?.history?.[0]).toMatchObject({ attempt: 1, counted: false });
    const counted = await transport().getJob(started?.id ?? '');
    expect(counted?.history?.[0]?.counted).toBeUndefined();
    expect(counted?.history?.[0]?.error.message).toMatch(/Lease expired on attempt 1 of 3/);
    // Both have hashes of their own now: only the second reserve's call would be packed.
    expect(await callHashes(queue)).toEqual([]);
  });

  it('stay packed through renewals; a start clears the held mark, progress gives a hash [R10, R27]', async () => {
    const queue = uniqueQueue('leased-packed-renew');
    const [envelope] = await enqueue(queue, 1);
    const [job] = await reserve(queue, { startNow: 0, leaseMs: 30_000 });
    const id = job?.envelope.id ?? '';
    const token = job?.token ?? '';
    const [call] = await callHashes(queue);
    expect(await admin().hget(call ?? '', uniqueOf(id))).toBe('1');

    expect(await transport().renew([{ id, token, started: true }], 60_000)).toEqual(['held']);
    expect(await admin().hget(call ?? '', uniqueOf(id))).toBeNull();
    expect(await admin().exists(jobKey(queue, id))).toBe(0);
    const renewed = await transport().getJob(id);
    expect(renewed?.leaseExpiresAt).toBeGreaterThan(job?.leaseExpiresAt ?? 0);

    expect(await transport().renew([{ id, token: `${token}x` }], 60_000)).toEqual(['lost']);
    expect(await transport().renew([{ id, token, progress: { done: 1 } }], 60_000)).toEqual([
      'held',
    ]);
    expect(await admin().hget(jobKey(queue, id), 's')).toBe('a');
    expect(await transport().getJob(envelope?.id ?? '')).toMatchObject({
      state: 'active',
      progress: { done: 1 },
      consumer: 'worker-1',
    });
    expect(await callHashes(queue)).toEqual([]);
  });

  it('take a cancel as any running job does: signalled, then cancelled when the run fails [R18]', async () => {
    const queue = uniqueQueue('leased-packed-cancel');
    const [envelope] = await enqueue(queue, 1);
    const [job] = await reserve(queue);
    expect(await transport().cancel(envelope?.id ?? '')).toBe('signalled');
    expect(
      await transport().renew([{ id: job?.envelope.id ?? '', token: job?.token ?? '' }], 60_000),
    ).toEqual(['cancel-requested']);
    expect(
      await transport().settle([
        {
          type: 'fail',
          id: job?.envelope.id ?? '',
          token: job?.token ?? '',
          error: ERROR,
          deadLetter: false,
        },
      ]),
    ).toEqual(['ok']);
    expect((await transport().getJob(envelope?.id ?? ''))?.state).toBe('cancelled');
    expect(await callHashes(queue)).toEqual([]);
  });

  it('answer a settle with a token that never held the job stale, and keep the lease', async () => {
    const queue = uniqueQueue('leased-packed-stale');
    await enqueue(queue, 2);
    const [a, b] = await reserve(queue);
    const complete = (job: Reservation | undefined, token = job?.token ?? '') => ({
      type: 'complete' as const,
      id: job?.envelope.id ?? '',
      token,
      result: undefined,
      remove: true,
    });
    // One batch: a valid, b under a forged token (the ZREM removes fewer than sent).
    expect(await transport().settle([complete(a), complete(b, `${b?.token}x`)])).toEqual([
      'ok',
      'stale',
    ]);
    expect((await transport().getJob(b?.envelope.id ?? ''))?.state).toBe('active');
    expect(await transport().settle([complete(b)])).toEqual(['ok']);
    expect(await jobKeys(queue)).toEqual([]);
  });

  it('read and cancel a waiting job by id without looking through the leases', async () => {
    const queue = uniqueQueue('leased-packed-reads');
    await enqueue(queue, 50);
    await reserve(queue, { max: 50 });
    const [waiting] = await enqueue(queue, 1);
    await admin().config('RESETSTAT');
    expect((await transport().getJob(waiting?.id ?? ''))?.state).toBe('waiting');
    expect(await transport().cancel(waiting?.id ?? '')).toBe('cancelled');
    // The queue's index of jobs leased packed answers by id; the leases set is not scanned
    // (a ZSCAN of every lease per read, on a queue with thousands running).
    expect(await admin().info('commandstats')).not.toMatch(/cmdstat_zscan/);
  });

  it('are not left packed by a transport made with packWaitingJobs: false', async () => {
    const queue = uniqueQueue('leased-packed-off');
    const [envelope] = await enqueue(queue, 1);
    const unpacking = redisTransport({ url: url(), packWaitingJobs: false, logger: silentLogger });
    try {
      // A rolling upgrade: workers of the release before would strand a job left packed.
      const [job] = await unpacking.reserve({
        queues: [queue],
        max: 1,
        leaseMs: 60_000,
        consumer: 'c',
        removeOnComplete: [queue],
      });
      expect(job?.envelope.id).toBe(envelope?.id);
      expect(await admin().hget(jobKey(queue, envelope?.id ?? ''), 's')).toBe('a');
      expect(await callHashes(queue)).toEqual([]);
    } finally {
      await unpacking.close();
    }
  });

  it('write the hashes of a pop under packLeasedFrom (default 8), and leave a larger one packed', async () => {
    const queue = uniqueQueue('leased-packed-from');
    await enqueue(queue, 10);
    const request = { queues: [queue], leaseMs: 60_000, consumer: 'c', removeOnComplete: [queue] };
    // An idle queue's pickup: a pop of 2 costs less with the jobs' own hashes.
    const few = await plain().reserve({ ...request, max: 2 });
    for (const job of few)
      expect(await admin().hget(jobKey(queue, job.envelope.id), 's')).toBe('a');
    expect(await callHashes(queue)).toEqual([]);
    const many = await plain().reserve({ ...request, max: 8 });
    expect(many).toHaveLength(8);
    for (const job of many) expect(await admin().exists(jobKey(queue, job.envelope.id))).toBe(0);
    expect(await callHashes(queue)).toHaveLength(1);
  });
});
