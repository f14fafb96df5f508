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
