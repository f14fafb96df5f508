import { splitJobId } from './keys.js';
import { isIdOf } from './wire/script-calls.js';

/** Items of one queue, with their places in the caller's list. */
export interface QueueBatch<T> {
  queue: string;
  entries: Array<{ index: number; item: T }>;
}

/** Groups items by queue, keeping each queue's items in order. Unroutable items are skipped. */
export function byQueue<T>(
  items: readonly T[],
  queueOf: (item: T, index: number) => string | undefined,
): QueueBatch<T>[] {
  const batches = new Map<string, QueueBatch<T>>();
  items.forEach((item, index) => {
    const queue = queueOf(item, index);
    if (queue === undefined) return;
    let batch = batches.get(queue);
    if (!batch) {
      batch = { queue, entries: [] };
      batches.set(queue, batch);
    }
    batch.entries.push({ index, item });
  });
  return [...batches.values()];
}

/**
 * Groups items by the queue of their job id (renewals, settlements). Ids with no valid
 * queue are skipped. A batch's ids usually share one queue: an id of the queue the previous
 * one had is routed without parsing it again.
 */
export function byJobQueue<T extends { id: string }>(items: readonly T[]): QueueBatch<T>[] {
  let previous = '';
  return byQueue(items, ({ id }) => {
    if (previous !== '' && isIdOf(id, previous)) return previous;
    const queue = queueOfId(id);
    if (queue !== undefined) previous = queue;
    return queue;
  });
}

/** Splits `list` into chunks of at most `size`, so no script runs for long. */
export function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < list.length; start += size) out.push(list.slice(start, start + size));
  return out;
}

const QUEUE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** The queue of a job id, when the id names a valid queue; else undefined. */
export function queueOfId(id: string): string | undefined {
  const parts = splitJobId(id);
  if (!parts || !QUEUE_NAME.test(parts.queue)) return undefined;
  return parts.queue;
}
