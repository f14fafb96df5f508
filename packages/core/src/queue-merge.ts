import { compareStoredQueues } from './queue-groups.js';
import type { JobRecord } from './transport.js';
import type { JobListState, JobPage } from './transport-admin.js';

/**
 * Pages through several stored queues (a partitioned queue's partitions) as one list in one
 * state, newest first across all of them, as each queue's own `listJobs` orders its jobs:
 * waiting by priority and then last enqueued first, delayed by latest due, active by latest
 * lease deadline, dead and finished by latest end. Each queue's own order is kept (a merge,
 * never a re-sort), so every job is listed once while the queues hold still.
 *
 * The cursor says, for each queue not yet read to its end, where its last read started (its
 * own cursor, none for its first page) and how many jobs from there earlier pages have
 * listed. A job that leaves or enters a queue between two pages may shift that queue's rest
 * by one: shown twice or not at all, as with any offset.
 */
export interface MergeCursor {
  queues: Array<{ queue: string; from?: string; skip: number }>;
}

/**
 * A {@link MergeCursor} as one URL-safe string, for a page's `next`: a queue still at its
 * start is its name alone, one with no cursor of its own `[name, skip]`, else `[name, cursor,
 * skip]`, so that a page of a queue of many partitions keeps a short cursor.
 */
export function encodeMergeCursor(cursor: MergeCursor): string {
  const entries = cursor.queues.map(({ queue, from, skip }) =>
    from !== undefined ? [queue, from, skip] : skip > 0 ? [queue, skip] : queue,
  );
  return Buffer.from(JSON.stringify({ merge: entries })).toString('base64url');
}

/** The cursor {@link encodeMergeCursor} wrote, or undefined for any other text. */
export function parseMergeCursor(text: string): MergeCursor | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    const entries = (parsed as { merge?: unknown } | null)?.merge;
    if (!Array.isArray(entries)) return undefined;
    const queues: MergeCursor['queues'] = [];
    for (const entry of entries) {
      const read = mergeEntry(entry);
      if (read === undefined) return undefined;
      queues.push(read);
    }
    return { queues };
  } catch {
    return undefined;
  }
}

function mergeEntry(entry: unknown): MergeCursor['queues'][number] | undefined {
  if (typeof entry === 'string') return { queue: entry, skip: 0 };
  if (!Array.isArray(entry) || entry.length < 2 || entry.length > 3) return undefined;
  const [queue, ...rest] = entry as unknown[];
  const skip = rest.at(-1);
  const from = rest.length === 2 ? rest[0] : undefined;
  if (typeof queue !== 'string' || !Number.isSafeInteger(skip) || (skip as number) < 0) {
    return undefined;
  }
  if (rest.length === 2 && typeof from !== 'string') return undefined;
  return from === undefined
    ? { queue, skip: skip as number }
    : { queue, from: from as string, skip: skip as number };
}

/** Newest first in `state`: positive when `a` comes after `b`. */
export function newestFirst(state: JobListState): (a: JobRecord, b: JobRecord) => number {
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
   * Reads made after the first read of each queue, at most (default 50): a page that
   * reaches it comes back short, with a cursor where it stopped.
   */
  maxRefills?: number;
  /** One page of one queue, from its own cursor, of at most `limit` jobs. */
  read(queue: string, cursor: string | undefined, limit: number): Promise<JobPage>;
}

/** What one queue has given a page so far. */
interface Source {
  queue: string;
  /** Its cursor of the read `jobs` came from; undefined for its first page. */
  from: string | undefined;
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

/**
 * One page of `queues` merged newest first (see {@link MergeCursor}), from `from` (every queue
 * from its start when absent), and the cursor of the next page, undefined at the end. Each
 * queue still to read costs one call, all at once; a queue read to the end of what it gave
 * costs one more per refill.
 */
export async function mergeQueues(
  queues: readonly string[],
  from: MergeCursor | undefined,
  options: MergeQueuesOptions,
): Promise<{ jobs: JobRecord[]; next?: MergeCursor }> {
  const { limit, read, maxRefills = 50 } = options;
  const starts: MergeCursor['queues'] =
    from?.queues ?? [...queues].sort(compareStoredQueues).map((queue) => ({ queue, skip: 0 }));
  // A share of the page each, twice over, and the refills below for a queue that has more.
  const share = Math.min(limit, Math.max(10, Math.ceil((2 * limit) / Math.max(1, starts.length))));
  const sources = await Promise.all(
    starts.map(async ({ queue, from: cursor, skip }): Promise<Source> => {
      const page = await read(queue, cursor, Math.min(MAX_READ, skip + share));
      const used = Math.min(skip, page.jobs.length);
      return { queue, from: cursor, jobs: page.jobs, used, next: page.next, owed: skip - used };
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
        if (refills >= maxRefills) break merging;
        refills++;
        const size = Math.min(MAX_READ, source.owed + limit - jobs.length);
        const page = await read(source.queue, source.next, size);
        const used = Math.min(source.owed, page.jobs.length);
        source.owed -= used;
        Object.assign(source, { from: source.next, jobs: page.jobs, used, next: page.next });
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
  const rest: MergeCursor['queues'] = [];
  for (const source of sources) {
    if (source.used < source.jobs.length) {
      rest.push({
        queue: source.queue,
        ...(source.from === undefined ? {} : { from: source.from }),
        skip: source.used,
      });
    } else if (source.next !== undefined) {
      rest.push({ queue: source.queue, from: source.next, skip: source.owed });
    }
  }
  return rest.length === 0 ? { jobs } : { jobs, next: { queues: rest } };
}
