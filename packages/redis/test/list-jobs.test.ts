import type { JobListState } from '@conveyor/core';
import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import type { RedisTransport } from '../src/index.js';
import { redisTransport } from '../src/index.js';
import { scanBudget } from '../src/wire/pages.js';
import { usePrivateRedis } from './helpers/private-redis.js';
import { enqueueMany } from './helpers/util.js';

const { transport, url } = usePrivateRedis();

/** Every id of the pages from `cursor` on, `limit` per page. */
async function pagesFrom(
  t: RedisTransport,
  queue: string,
  state: JobListState,
  limit: number,
  cursor: string | undefined,
  between: () => Promise<void> = async () => {},
  task?: string,
): Promise<string[]> {
  const ids: string[] = [];
  let next = cursor;
  for (let pages = 0; next !== undefined; pages++) {
    if (pages > 200) throw new Error('too many pages');
    await between();
    const page = await t.admin.listJobs(queue, {
      state,
      limit,
      cursor: next,
      ...(task && { task }),
    });
    ids.push(...page.jobs.map((job) => job.id));
    next = page.next;
  }
  return ids;
}

describe('listJobs on Redis', () => {
  it('pages the waiting lists without repeats while jobs are pushed between pages', async () => {
    const t = transport();
    const queue = uniqueQueue('list-pushed');
    const first = await enqueueMany(t, queue, 12);
    const page = await t.admin.listJobs(queue, { state: 'waiting', limit: 4 });
    expect(page.jobs.map((job) => job.id)).toEqual(
      first
        .slice(8)
        .reverse()
        .map((job) => job.id),
    );
    // Each page runs after more jobs joined the tail, which moves every offset.
    const rest = await pagesFrom(t, queue, 'waiting', 4, page.next, async () => {
      await enqueueMany(t, queue, 5);
    });
    expect(rest).toEqual(
      first
        .slice(0, 8)
        .reverse()
        .map((job) => job.id),
    );
  });

  it('pages the finished list without repeats while jobs finish between pages', async () => {
    const t = transport();
    const queue = uniqueQueue('list-finishing');
    const jobs = await enqueueMany(t, queue, 30);
    const finishSome = async (count: number) => {
      const held = await t.reserve({ queues: [queue], max: count, leaseMs: 10_000, consumer: 'c' });
      await t.settle(
        held.map(({ envelope, token }) => ({
          type: 'complete' as const,
          id: envelope.id,
          token,
          result: null,
        })),
      );
    };
    await finishSome(10);
    const page = await t.admin.listJobs(queue, { state: 'finished', limit: 3 });
    expect(page.jobs.map((job) => job.id)).toEqual(
      jobs
        .slice(7, 10)
        .reverse()
        .map((job) => job.id),
    );
    const rest = await pagesFrom(t, queue, 'finished', 3, page.next, () => finishSome(4));
    expect(rest).toEqual(
      jobs
        .slice(0, 7)
        .reverse()
        .map((job) => job.id),
    );
  });

  it('ends a filtered page at its scan budget with a cursor that goes on', async () => {
    const t = transport();
    const queue = uniqueQueue('list-budget');
    const wanted = makeEnvelope(queue, { task: 'rare.task' });
    await t.enqueue([{ envelope: wanted }]);
    // More jobs of another task, all newer, than one page of 1 may examine.
    const others = scanBudget(1) * 3;
    await enqueueMany(t, queue, others);
    const page = await t.admin.listJobs(queue, { state: 'waiting', task: 'rare.task', limit: 1 });
    expect(page.jobs).toEqual([]);
    expect(page.next).toBeDefined();
    const rest = await pagesFrom(t, queue, 'waiting', 1, page.next, undefined, 'rare.task');
    expect(rest).toEqual([wanted.id]);
    // Unfiltered, the same budget is plenty.
    const all = await t.admin.listJobs(queue, { state: 'waiting', limit: 500 });
    expect(all.jobs).toHaveLength(others + 1);
  });

  it('continues from a ZSET cursor whose job left, among jobs of the same score', async () => {
    const t = transport();
    const queue = uniqueQueue('list-ties');
    // One enqueue: every job has the same due time, so only the member orders them.
    const delayed = Array.from({ length: 9 }, () => makeEnvelope(queue));
    await t.enqueue(delayed.map((envelope) => ({ envelope, delayMs: 600_000 })));
    const whole = (await t.admin.listJobs(queue, { state: 'delayed', limit: 500 })).jobs.map(
      (job) => job.id,
    );
    expect(whole).toHaveLength(9);
    const page = await t.admin.listJobs(queue, { state: 'delayed', limit: 3 });
    expect(page.jobs.map((job) => job.id)).toEqual(whole.slice(0, 3));
    // The cursor's job is cancelled (it leaves the delayed set) before the next page.
    expect(await t.cancel(whole[2] as string)).toBe('cancelled');
    expect(await pagesFrom(t, queue, 'delayed', 3, page.next)).toEqual(whole.slice(3));
  });

  it('skips ids of jobs cancelled while waiting, and rejects a cursor of another state', async () => {
    const t = transport();
    const queue = uniqueQueue('list-skips');
    const jobs = await enqueueMany(t, queue, 4);
    expect(await t.cancel(jobs[1]?.id as string)).toBe('cancelled');
    const waiting = await t.admin.listJobs(queue, { state: 'waiting', limit: 2 });
    expect(waiting.jobs.map((job) => job.id)).toEqual([jobs[3]?.id, jobs[2]?.id]);
    expect(await pagesFrom(t, queue, 'waiting', 2, waiting.next)).toEqual([jobs[0]?.id]);
    await expect(
      t.admin.listJobs(queue, { state: 'dead', cursor: waiting.next as string }),
    ).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    expect(
      (await t.admin.listJobs(queue, { state: 'finished' })).jobs.map((job) => job.id),
    ).toEqual([jobs[1]?.id]);
  });

  it('counts and lists no finished jobs without a count bound, where no list is kept', async () => {
    const t = redisTransport({ url: url(), maxFinishedPerQueue: 0 });
    try {
      const queue = uniqueQueue('list-unbounded');
      const [job] = await enqueueMany(t, queue, 1);
      const [held] = await t.reserve({ queues: [queue], max: 1, leaseMs: 10_000, consumer: 'c' });
      await t.settle([
        { type: 'complete', id: job?.id as string, token: held?.token as string, result: null },
      ]);
      expect((await t.getJob(job?.id as string))?.state).toBe('completed');
      expect((await t.admin.queueCounts([queue]))[0]?.finished).toBe(0);
      expect(await t.admin.listJobs(queue, { state: 'finished' })).toEqual({ jobs: [] });
    } finally {
      await t.close();
    }
  });
});
