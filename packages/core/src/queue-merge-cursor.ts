import { compareStoredQueues } from './queue-groups.js';

/**
 * Where a page of several stored queues merged newest first (`mergeQueues`) stopped: for each
 * queue not yet read to its end, how many of its jobs earlier pages listed (`shown`), and
 * where a read of it can start nearer to that than its beginning (`from`: one of its own
 * listJobs cursors, and how many of its jobs come before that cursor). A job that leaves or
 * enters a queue between two pages may shift that queue's rest by one: shown twice or not at
 * all, as with any offset.
 */
export interface MergeCursor {
  queues: MergeCursorEntry[];
}

export interface MergeCursorEntry {
  queue: string;
  shown: number;
  from?: { cursor: string; at: number };
}

/**
 * Characters of an encoded cursor past which it keeps no queue's own cursor, largest `shown`
 * kept longest: a page then re-reads those queues from their start, which costs reads but
 * keeps a URL of a queue of 256 partitions well under the 16 KB a Node server takes.
 */
const DEFAULT_MAX_LENGTH = 4_000;

/**
 * A {@link MergeCursor} as one URL-safe string, for a page's `next`. Queues are named by their
 * place among `stored` (the stored queues of the queue listed, as the next page will pass
 * them), and the count of `stored` is kept, so that a cursor outlived by a change of
 * partitions is refused instead of read against the wrong queues. A queue at its start is
 * its place alone, one without a cursor `[place, shown]`, else `[place, shown, cursor, at]`.
 */
export function encodeMergeCursor(
  cursor: MergeCursor,
  stored: readonly string[],
  maxLength = DEFAULT_MAX_LENGTH,
): string {
  const order = [...stored].sort(compareStoredQueues);
  const place = new Map(order.map((queue, index) => [queue, index]));
  const entries = cursor.queues.map((entry) => ({ entry, place: place.get(entry.queue) }));
  if (entries.some(({ place }) => place === undefined)) {
    throw new Error('[conveyor] a merge cursor names a queue outside the stored queues given');
  }
  // Each entry's JSON with its read position and without; the two differ only for a queue
  // with a cursor of its own.
  const items = entries.map(({ entry: { shown, from }, place }) => {
    const short = JSON.stringify(shown > 0 ? [place, shown] : place);
    const full = from === undefined ? short : JSON.stringify([place, shown, from.cursor, from.at]);
    return { shown, short, full, kept: true };
  });
  const head = `{"n":${order.length},"m":[`;
  const base64Length = (bytes: number) => Math.ceil((bytes * 4) / 3);
  let bytes = Buffer.byteLength(head) + 2 + Math.max(0, items.length - 1);
  for (const item of items) bytes += Buffer.byteLength(item.full);
  // Too long: the queues with the fewest jobs shown re-read from their start first.
  const droppable = items.filter((item) => item.full !== item.short);
  droppable.sort((x, y) => x.shown - y.shown);
  for (const item of droppable) {
    if (base64Length(bytes) <= maxLength) break;
    item.kept = false;
    bytes -= Buffer.byteLength(item.full) - Buffer.byteLength(item.short);
  }
  const json = `${head}${items.map((item) => (item.kept ? item.full : item.short)).join(',')}]}`;
  return Buffer.from(json).toString('base64url');
}

/**
 * The cursor {@link encodeMergeCursor} wrote for these `stored` queues, or undefined for any
 * other text, and for a cursor written when the queue had other stored queues.
 */
export function parseMergeCursor(text: string, stored: readonly string[]): MergeCursor | undefined {
  const order = [...stored].sort(compareStoredQueues);
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    const { n, m } = (parsed ?? {}) as { n?: unknown; m?: unknown };
    if (n !== order.length || !Array.isArray(m)) return undefined;
    const queues: MergeCursorEntry[] = [];
    for (const item of m) {
      const entry = readEntry(item, order);
      if (entry === undefined) return undefined;
      queues.push(entry);
    }
    return { queues };
  } catch {
    return undefined;
  }
}

const isCount = (value: unknown): value is number =>
  Number.isSafeInteger(value) && (value as number) >= 0;

function readEntry(item: unknown, order: readonly string[]): MergeCursorEntry | undefined {
  const [place, shown = 0, cursor, at] = (Array.isArray(item) ? item : [item]) as unknown[];
  const queue = isCount(place) ? order[place] : undefined;
  if (queue === undefined || !isCount(shown)) return undefined;
  if (Array.isArray(item) && item.length === 2) return { queue, shown };
  if (!Array.isArray(item)) return { queue, shown: 0 };
  if (item.length !== 4 || typeof cursor !== 'string' || !isCount(at) || at > shown) {
    return undefined;
  }
  return { queue, shown, from: { cursor, at } };
}
