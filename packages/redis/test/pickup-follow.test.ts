import { uniqueQueue } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { markerKey, queueKeys } from '../src/keys.js';
import { usePrivateRedis } from './helpers/private-redis.js';
import { enqueueMany, sleep } from './helpers/util.js';

const { transport, admin } = usePrivateRedis();
const PREFIX = 'conveyor';

/** Resolves once `count` clients are blocked (a reserve sits in its BLPOP). */
async function untilBlocked(count: number): Promise<void> {
  for (;;) {
    const info = await admin().info('clients');
    if (Number(/blocked_clients:(\d+)/.exec(info)?.[1] ?? 0) >= count) return;
    await sleep(5);
  }
}

/** Client ids of the blocking connections, from CLIENT LIST. */
async function blockingClientIds(): Promise<string[]> {
  const list = String(await admin().client('LIST'));
  return list
    .split('\n')
    .filter((line) => line.includes('name=conveyor:blocking'))
    .map((line) => /\bid=(\d+)/.exec(line)?.[1] ?? '');
}

/**
 * Hides the queue's ready jobs (and its marker), so that a reserve finds it empty and
 * blocks; `reveal` puts the jobs back without a marker, so the BLPOP stays blocked while
 * the reserve that follows it would lease them.
 */
async function hideReadyJobs(queue: string): Promise<{ reveal(): Promise<void> }> {
  const ready = queueKeys(PREFIX, queue).slice(1, 11);
  const hidden: Array<[string, string]> = [];
  for (const key of ready) {
    if ((await admin().exists(key)) === 0) continue;
    hidden.push([key, `${key}:hidden`]);
    await admin().rename(key, `${key}:hidden`);
  }
  await admin().del(markerKey(PREFIX, queue));
  return {
    async reveal() {
      for (const [key, away] of hidden) await admin().rename(away, key);
    },
  };
}

describe('a reserve that follows its wait on the blocking connection', () => {
  it('gives back the jobs it leased when the wait is aborted meanwhile', async () => {
    const t = transport();
    const queue = uniqueQueue('follow-abort');
    const [job] = await enqueueMany(t, queue, 1);
    const hidden = await hideReadyJobs(queue);
    const abort = new AbortController();
    const reserving = t.reserve({
      queues: [queue],
      max: 5,
      leaseMs: 60_000,
      waitMs: 30_000,
      consumer: 'a',
      signal: abort.signal,
    });
    await untilBlocked(1);
    await hidden.reveal();
    // Unblocked, the BLPOP answers nil and the reserve behind it leases the job.
    abort.abort();
    expect(await reserving).toEqual([]);
    // Released, not left active until its lease (a minute) expires; the attempt uncounted.
    expect(await t.getJob(job?.id ?? '')).toMatchObject({ state: 'waiting', attempts: 0 });
    const [again] = await t.reserve({ queues: [queue], max: 1, leaseMs: 1_000, consumer: 'b' });
    expect(again?.envelope).toMatchObject({ id: job?.id, attempt: 1 });
  });

  it('gives back the jobs it leased when the transport closes meanwhile', async () => {
    const t = transport();
    const other = transport();
    const queue = uniqueQueue('follow-close');
    const [job] = await enqueueMany(other, queue, 1);
    const hidden = await hideReadyJobs(queue);
    const reserving = t.reserve({
      queues: [queue],
      max: 5,
      leaseMs: 60_000,
      waitMs: 30_000,
      consumer: 'a',
    });
    await untilBlocked(1);
    await hidden.reveal();
    await t.close();
    expect(await reserving).toEqual([]);
    expect(await other.getJob(job?.id ?? '')).toMatchObject({ state: 'waiting', attempts: 0 });
  });

  it('keeps its blocking connection when aborted (unblocked, not dropped)', async () => {
    const t = transport();
    const queue = uniqueQueue('follow-warm');
    const abort = new AbortController();
    const first = t.reserve({
      queues: [queue],
      max: 1,
      leaseMs: 1_000,
      waitMs: 30_000,
      consumer: 'a',
      signal: abort.signal,
    });
    await untilBlocked(1);
    const before = await blockingClientIds();
    abort.abort();
    expect(await first).toEqual([]);
    const second = t.reserve({
      queues: [queue],
      max: 1,
      leaseMs: 1_000,
      waitMs: 30_000,
      consumer: 'a',
    });
    await untilBlocked(1);
    expect(await blockingClientIds()).toEqual(before);
    const [job] = await enqueueMany(t, queue, 1);
    expect((await second).map((r) => r.envelope.id)).toEqual([job?.id]);
  });
});

describe('the marker a reserve pushes for its first lease', () => {
  async function markerAfterFirstLease(leaseMs: number): Promise<number> {
    const t = transport();
    const queue = uniqueQueue('first-lease');
    await enqueueMany(t, queue, 1);
    await admin().del(markerKey(PREFIX, queue));
    expect(await t.reserve({ queues: [queue], max: 1, leaseMs, consumer: 'a' })).toHaveLength(1);
    return admin().llen(markerKey(PREFIX, queue));
  }

  it('is pushed for a lease shorter than the longest blocking wait (5 s)', async () => {
    expect(await markerAfterFirstLease(4_999)).toBe(1);
  });

  it('is not pushed for a longer lease: every blocked reserve wakes before it ends anyway', async () => {
    expect(await markerAfterFirstLease(5_000)).toBe(0);
  });
});
