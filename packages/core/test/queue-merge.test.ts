import { describe, expect, it } from 'vitest';
import {
  encodeMergeCursor,
  type MergeCursor,
  mergeQueues,
  parseMergeCursor,
} from '../src/driver/index.js';
import type { JobPage, JobRecord } from '../src/index.js';
import { makeEnvelope } from '../src/testing/index.js';

/** A dead job of `queue` that died at `finishedAt`. */
function dead(queue: string, finishedAt: number): JobRecord {
  const envelope = makeEnvelope(queue, { id: `${queue}:${finishedAt}`, maxAttempts: 1 });
  return { id: envelope.id, state: 'dead', attempts: 1, enqueuedAt: 0, finishedAt, envelope };
}

/**
 * Queues as lists, newest first, read the way listJobs reads them: the cursor is an offset,
 * and a read returns at most `budget` jobs (listJobs' scan budget can cut a page short).
 */
function lists(queues: Record<string, JobRecord[]>, budget = Number.POSITIVE_INFINITY) {
  const calls: Array<{ queue: string; cursor: string | undefined; limit: number }> = [];
  const read = async (queue: string, cursor: string | undefined, limit: number) => {
    calls.push({ queue, cursor, limit });
    const all = queues[queue] ?? [];
    const start = cursor === undefined ? 0 : Number(cursor);
    const jobs = all.slice(start, start + Math.min(limit, budget));
    const end = start + jobs.length;
    const page: JobPage = end < all.length ? { jobs, next: String(end) } : { jobs };
    return page;
  };
  return { read, calls };
}

/** Every page from the first, through the cursor each page returns as text. */
async function allPages(
  queues: Record<string, JobRecord[]>,
  limit: number,
  budget?: number,
  maxRefills?: number,
  maxLength?: number,
): Promise<JobRecord[][]> {
  const { read } = lists(queues, budget);
  const pages: JobRecord[][] = [];
  let from: MergeCursor | undefined;
  do {
    const page = await mergeQueues(Object.keys(queues), from, {
      state: 'dead',
      limit,
      read,
      ...(maxRefills === undefined ? {} : { maxRefills }),
    });
    pages.push(page.jobs);
    const stored = Object.keys(queues);
    from = page.next && parseMergeCursor(encodeMergeCursor(page.next, stored, maxLength), stored);
    expect(pages.length).toBeLessThan(500);
  } while (from !== undefined);
  return pages;
}

const times = (jobs: JobRecord[]) => jobs.map((job) => job.finishedAt);

describe('mergeQueues', () => {
  // Three partitions whose deaths interleave: 100..1 spread over them unevenly.
  const queues: Record<string, JobRecord[]> = { 'q~0of3': [], 'q~1of3': [], 'q~2of3': [] };
  for (let at = 100; at >= 1; at--) {
    const queue = at % 7 === 0 ? 'q~2of3' : at % 2 === 0 ? 'q~0of3' : 'q~1of3';
    queues[queue]?.push(dead(queue, at));
  }

  it('lists the newest across all the queues first, not one queue after the other', async () => {
    const { read } = lists(queues);
    const page = await mergeQueues(Object.keys(queues), undefined, {
      state: 'dead',
      limit: 5,
      read,
    });
    expect(times(page.jobs)).toEqual([100, 99, 98, 97, 96]);
    expect(page.next).toBeDefined();
  });

  it.each([
    [1, undefined],
    [7, undefined],
    [50, undefined],
    [500, undefined],
    [10, 3],
  ])(
    'pages through every job once, in order (page of %i, reads of at most %s)',
    async (limit, budget) => {
      const pages = await allPages(queues, limit, budget);
      const listed = times(pages.flat());
      expect(listed).toEqual(Array.from({ length: 100 }, (_, k) => 100 - k));
      for (const page of pages.slice(0, -1)) expect(page).toHaveLength(limit);
    },
  );

  it("pages through every job once when the cursor is too long to keep the queues' own cursors", async () => {
    // Each page then re-reads every queue from its start and passes over what it listed.
    const pages = await allPages(queues, 7, 3, undefined, 1);
    expect(times(pages.flat())).toEqual(Array.from({ length: 100 }, (_, k) => 100 - k));
  });

  it('keeps each queue in its own order where the times disagree with it', async () => {
    // A job pushed back to the head of its queue reads older than the ones behind it.
    const own = { a: [dead('a', 5), dead('a', 9), dead('a', 1)], b: [dead('b', 7), dead('b', 3)] };
    const pages = await allPages(own, 2);
    expect(pages.flat().map((job) => job.id)).toEqual(['b:7', 'a:5', 'a:9', 'b:3', 'a:1']);
  });

  it('reads past its refill budget until the page has a job', async () => {
    // Reads that find nothing (a task filter matching few jobs): a page with no job and a
    // cursor would move on only through the queues' own cursors, which a long cursor drops.
    const sparse = { a: [dead('a', 3)], b: [dead('b', 9)] };
    const read = async (queue: string, cursor: string | undefined) => {
      const step = cursor === undefined ? 0 : Number(cursor);
      // Eight empty reads before each queue's one job.
      if (step < 8) return { jobs: [], next: String(step + 1) };
      return { jobs: sparse[queue as 'a' | 'b'] };
    };
    const page = await mergeQueues(['a', 'b'], undefined, {
      state: 'dead',
      limit: 5,
      maxRefills: 2,
      read,
    });
    expect(page.jobs.length).toBeGreaterThan(0);
    expect(times(page.jobs)).toEqual([9, 3].slice(0, page.jobs.length));
  });

  it('stops short at its refill budget, with a cursor that loses nothing', async () => {
    // Every read gives 1 job, one refill per page: the pages come back short.
    const pages = await allPages(queues, 20, 1, 1);
    expect(pages[0]?.length).toBeLessThan(20);
    expect(times(pages.flat())).toEqual(Array.from({ length: 100 }, (_, k) => 100 - k));
  });

  it('passes over what earlier pages listed when a later read comes back shorter', async () => {
    // A read of the same cursor can give fewer jobs the next time (listJobs' scan budget
    // with a task filter, jobs gone): the jobs earlier pages listed are still passed over.
    const own: Record<string, JobRecord[]> = {
      a: [80, 70, 60, 50, 40].map((at) => dead('a', at)),
      b: [75, 5, 4].map((at) => dead('b', at)),
    };
    let budget = 6;
    const read = async (queue: string, cursor: string | undefined, limit: number) => {
      const all = own[queue] ?? [];
      const start = cursor === undefined ? 0 : Number(cursor);
      const jobs = all.slice(start, start + Math.min(limit, budget));
      const end = start + jobs.length;
      return end < all.length ? { jobs, next: String(end) } : { jobs };
    };
    const first = await mergeQueues(['a', 'b'], undefined, { state: 'dead', limit: 4, read });
    expect(times(first.jobs)).toEqual([80, 75, 70, 60]);
    budget = 2;
    const listed = [...first.jobs];
    let from = first.next;
    while (from !== undefined) {
      const page = await mergeQueues([], from, { state: 'dead', limit: 4, read });
      listed.push(...page.jobs);
      from = page.next;
    }
    expect(times(listed)).toEqual([80, 75, 70, 60, 50, 40, 5, 4]);
  });

  it('reads each queue once for a page that its first reads cover', async () => {
    const { read, calls } = lists(queues);
    await mergeQueues(Object.keys(queues), undefined, { state: 'dead', limit: 6, read });
    expect(calls.map((call) => call.queue).sort()).toEqual(['q~0of3', 'q~1of3', 'q~2of3']);
  });

  it('breaks a tie by partition order', async () => {
    const tied = { 'q~1of2': [dead('q~1of2', 4)], 'q~0of2': [dead('q~0of2', 4)] };
    const { read } = lists(tied);
    const page = await mergeQueues(Object.keys(tied), undefined, { state: 'dead', limit: 2, read });
    expect(page.jobs.map((job) => job.envelope.queue)).toEqual(['q~0of2', 'q~1of2']);
    expect(page.next).toBeUndefined();
  });
});
