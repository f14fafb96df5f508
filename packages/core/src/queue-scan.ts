import { compareStoredQueues } from './queue-groups.js';
import type { JobRecord } from './transport.js';
import type { JobPage } from './transport-admin.js';

/**
 * Pages through several stored queues as one list, one queue after the other: the dead-letter
 * sets across queues, and a search of a partitioned queue's partitions (the dashboard's).
 * The cursor names the stored queue it stopped in and that queue's own cursor. A partitioned
 * queue's jobs in one state are merged newest first instead (`mergeQueues`).
 */
export interface ScanCursor {
  queue: string;
  inner?: string;
}

/** A {@link ScanCursor} as one URL-safe string, for a page's `next`. */
export function encodeScanCursor(cursor: ScanCursor): string {
  return Buffer.from(JSON.stringify([cursor.queue, cursor.inner ?? null])).toString('base64url');
}

/** The cursor {@link encodeScanCursor} wrote, or undefined for any other text. */
export function parseScanCursor(text: string): ScanCursor | undefined {
  try {
    const [queue, inner] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    if (typeof queue === 'string' && (inner === null || typeof inner === 'string')) {
      return inner === null ? { queue } : { queue, inner };
    }
  } catch {
    // Not a cursor: undefined below.
  }
  return undefined;
}

/**
 * Reads `queues` in {@link compareStoredQueues} order, each through `read` (a page of one
 * queue, from its own cursor), calling `take` with each page's jobs until it returns false
 * or the queues run out. Starts at `from` (a queue gone since is passed over by its place in
 * the order). Returns where it stopped, undefined at the end.
 */
export async function scanQueues(
  queues: readonly string[],
  from: ScanCursor | undefined,
  read: (queue: string, cursor: string | undefined) => Promise<JobPage>,
  take: (jobs: JobRecord[]) => boolean,
): Promise<ScanCursor | undefined> {
  const ordered = [...queues].sort(compareStoredQueues);
  for (const [index, queue] of ordered.entries()) {
    if (from !== undefined && compareStoredQueues(queue, from.queue) < 0) continue;
    let inner = from !== undefined && queue === from.queue ? from.inner : undefined;
    do {
      const page = await read(queue, inner);
      inner = page.next;
      if (!take(page.jobs)) {
        if (inner !== undefined) return { queue, inner };
        const next = ordered[index + 1];
        return next === undefined ? undefined : { queue: next };
      }
    } while (inner !== undefined);
  }
  return undefined;
}
