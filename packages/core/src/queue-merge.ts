import { compareStoredQueues } from './queue-groups.js';
import {
  encodeMergeCursor,
  type MergeCursor,
  type MergeCursorEntry,
} from './queue-merge-cursor.js';
import type { JobRecord } from './transport.js';
import {
  isEndedListState,
  type JobListState,
  type JobPage,
  type TransportAdmin,
} from './transport-admin.js';

/** Newest first in `state`: positive when `a` comes after `b`. */
function newestFirst(state: JobListState): (a: JobRecord, b: JobRecord) => number {
  switch (state) {
    case 'waiting':
      return (a, b) => b.envelope.priority - a.envelope.priority || b.enqueuedAt - a.enqueuedAt;
    case 'delayed':
      return (a, b) => (b.dueAt ?? 0) - (a.dueAt ?? 0);
    case 'active':
      return (a, b) => (b.leaseExpiresAt ?? 0) - (a.leaseExpiresAt ?? 0);
    default:
      return (a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0);
  }
}

export interface MergeQueuesOptions {
  state: JobListState;
  /** Jobs on the page, at most. */
  limit: number;
  /**
   * Reads made after the first read of each queue, at most (default 50), once the page has
   * a job: a page that reaches it comes back short, with a cursor where it stopped. A page
   * with no job yet reads on, so that every page but the last lists at least one job and
   * moves the cursor on, whatever of it the encoded cursor keeps.
   */
  maxRefills?: number;
  /** One page of one queue, from its own cursor, of at most `limit` jobs. */
  read(queue: string, cursor: string | undefined, limit: number): Promise<JobPage>;
}

/** What one queue has given a page so far. */
interface Source {
  queue: string;
  /** Its cursor of the read `jobs` came from; undefined for its start. */
  from: string | undefined;
  /** How many of its jobs come before `jobs`. */
  at: number;
  jobs: JobRecord[];
  /** Of `jobs`, how many are listed (or were, by earlier pages). */
  used: number;
  /** Its cursor after `jobs`; undefined when `jobs` reach its end. */
  next: string | undefined;
  /**
   * Jobs after `jobs` that earlier pages listed, still to pass over: a read can come back
   * with fewer jobs than asked (listJobs' scan budget, a task filter) and still have more.
   */
  owed: number;
}

/** Jobs a listJobs call returns at most. */
const MAX_READ = 500;

/** Reads `source` on from `source.next`, passing over what it still owes. */
async function refill(source: Source, size: number, read: MergeQueuesOptions['read']) {
  const page = await read(source.queue, source.next, Math.min(MAX_READ, source.owed + size));
  const used = Math.min(source.owed, page.jobs.length);
  source.at += source.jobs.length;
  source.owed -= used;
  source.from = source.next;
  source.jobs = page.jobs;
  source.used = used;
  source.next = page.next;
}

/**
 * One page of `queues` merged newest first (see {@link MergeCursor}), from `from` (every queue
 * from its start when absent), and the cursor of the next page, undefined at the end. Each
 * queue still to read costs one call, all at once; a queue read to the end of what it gave
 * costs one more per refill, and one per 500 jobs earlier pages listed from it when the
 * cursor kept no cursor of its own (see `encodeMergeCursor`).
 */
export async function mergeQueues(
  queues: readonly string[],
  from: MergeCursor | undefined,
  options: MergeQueuesOptions,
): Promise<{ jobs: JobRecord[]; next?: MergeCursor }> {
  const { limit, read, maxRefills = 50 } = options;
  const starts: MergeCursorEntry[] =
    from?.queues ?? [...queues].sort(compareStoredQueues).map((queue) => ({ queue, shown: 0 }));
  // A share of the page each, twice over, and the refills below for a queue that has more.
  const share = Math.min(limit, Math.max(10, Math.ceil((2 * limit) / Math.max(1, starts.length))));
  const sources = await Promise.all(
    starts.map(async ({ queue, shown, from: start }): Promise<Source> => {
      const at = start?.at ?? 0;
      // Read from `start` (the queue's own cursor, or its beginning), passing over what
      // earlier pages listed from there.
      const source: Source = {
        queue,
        from: undefined,
        at,
        jobs: [],
        used: 0,
        next: start?.cursor,
        owed: shown - at,
      };
      await refill(source, share, read);
      while (source.owed > 0 && source.next !== undefined) await refill(source, share, read);
      return source;
    }),
  );
  const compare = newestFirst(options.state);
  const jobs: JobRecord[] = [];
  let refills = 0;
  merging: while (jobs.length < limit) {
    let best: Source | undefined;
    for (const source of sources) {
      while (source.used >= source.jobs.length && source.next !== undefined) {
        // Nothing of it to compare until it is read further.
        if (refills >= maxRefills && jobs.length > 0) break merging;
        refills++;
        await refill(source, limit - jobs.length, read);
      }
      const head = source.jobs[source.used];
      if (head === undefined) continue;
      const bestHead = best?.jobs[best.used];
      if (bestHead === undefined || compare(head, bestHead) < 0) best = source;
    }
    if (best === undefined) break;
    jobs.push(best.jobs[best.used] as JobRecord);
    best.used++;
  }
  const rest: MergeCursorEntry[] = [];
  for (const source of sources) {
    const shown = source.at + source.used + source.owed;
    if (source.used < source.jobs.length) {
      rest.push({
        queue: source.queue,
        shown,
        ...(source.from === undefined ? {} : { from: { cursor: source.from, at: source.at } }),
      });
    } else if (source.next !== undefined) {
      rest.push({
        queue: source.queue,
        shown,
        from: { cursor: source.next, at: source.at + source.jobs.length },
      });
    }
  }
  return rest.length === 0 ? { jobs } : { jobs, next: { queues: rest } };
}

/**
 * A page of the jobs in `state` of `stored` (a queue's stored queues, or one) through
 * `admin.listJobs`, merged newest first by {@link mergeQueues}, with the next page's cursor
 * encoded (`encodeMergeCursor`), undefined at the end. A first page asks `queueCounts` once,
 * so that queues with no job in the state cost no read; a later page reads the queues its
 * cursor names. The caller parses the cursor (`parseMergeCursor`), since a bad one is its
 * user's mistake, told in its own way.
 */
export async function mergeJobPages(
  admin: Pick<TransportAdmin, 'queueCounts' | 'listJobs'>,
  stored: readonly string[],
  from: MergeCursor | undefined,
  options: { state: JobListState; limit: number; task?: string; maxRefills?: number },
): Promise<{ jobs: JobRecord[]; next?: string }> {
  const { state, limit, task, maxRefills } = options;
  // The counts have one figure for every final state but dead.
  const counted = isEndedListState(state) ? 'finished' : state;
  const holding =
    from === undefined
      ? (await admin.queueCounts(stored))
          .filter((count) => (count[counted] ?? 0) > 0)
          .map((count) => count.queue)
      : [];
  const { jobs, next } = await mergeQueues(holding, from, {
    state,
    limit,
    ...(maxRefills === undefined ? {} : { maxRefills }),
    read: (queue, cursor, size) =>
      admin.listJobs(queue, {
        state,
        limit: size,
        ...(cursor === undefined ? {} : { cursor }),
        ...(task === undefined ? {} : { task }),
      }),
  });
  return next === undefined ? { jobs } : { jobs, next: encodeMergeCursor(next, stored) };
}
