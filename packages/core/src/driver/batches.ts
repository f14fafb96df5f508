import { isJobIdOf, queueOfJobId } from '../ids.js';

/** Items of one queue, and their places in the caller's list. */
interface QueueGroup<T> {
  items: T[];
  places: number[];
}

/**
 * Runs `call` once per queue that the items' job ids name, with at most `maxBatch` items
 * a call, all calls at once, and answers in item order. An item whose id names no queue
 * answers `unroutable` without a call (its job cannot exist).
 */
export function perQueue<T extends { id: string }, R>(
  items: readonly T[],
  maxBatch: number,
  unroutable: R,
  call: (items: readonly T[], queue: string) => Promise<R[]>,
): Promise<R[]> {
  const first = items[0];
  if (first === undefined) return Promise.resolve([]);
  const queue = queueOfJobId(first.id);
  // The usual batch (one worker's heartbeat or acks): one queue, one call, no copies.
  if (queue !== undefined && items.length <= maxBatch && allOfQueue(items, queue)) {
    return call(items, queue);
  }
  return grouped(items, maxBatch, unroutable, call);
}

function allOfQueue(items: readonly { id: string }[], queue: string): boolean {
  for (let place = 1; place < items.length; place++) {
    if (!isJobIdOf((items[place] as { id: string }).id, queue)) return false;
  }
  return true;
}

function grouped<T extends { id: string }, R>(
  items: readonly T[],
  maxBatch: number,
  unroutable: R,
  call: (items: readonly T[], queue: string) => Promise<R[]>,
): Promise<R[]> {
  const answers = new Array<R>(items.length).fill(unroutable);
  const groups = new Map<string, QueueGroup<T>>();
  let lastQueue = '';
  let lastGroup: QueueGroup<T> | undefined;
  for (let place = 0; place < items.length; place++) {
    const item = items[place] as T;
    // Neighbours usually share a queue: its name is parsed once per run.
    if (!lastGroup || !isJobIdOf(item.id, lastQueue)) {
      const queue = queueOfJobId(item.id);
      if (queue === undefined) continue;
      lastQueue = queue;
      lastGroup = groups.get(queue);
      if (!lastGroup) {
        lastGroup = { items: [], places: [] };
        groups.set(queue, lastGroup);
      }
    }
    lastGroup.items.push(item);
    lastGroup.places.push(place);
  }
  const calls: Promise<void>[] = [];
  for (const [queue, group] of groups) {
    for (let start = 0; start < group.items.length; start += maxBatch) {
      const chunk =
        group.items.length <= maxBatch ? group.items : group.items.slice(start, start + maxBatch);
      calls.push(
        call(chunk, queue).then((chunkAnswers) => {
          for (let i = 0; i < chunk.length; i++) {
            answers[group.places[start + i] as number] = chunkAnswers[i] as R;
          }
        }),
      );
    }
  }
  return Promise.all(calls).then(() => answers);
}

/**
 * Runs `call` on the ids of `queue` among `ids`, at most `maxBatch` a call, one call after
 * another, and sums the counts. Ids of other queues are ignored [R23, R24].
 */
export async function countPerChunk(
  ids: readonly string[],
  queue: string,
  maxBatch: number,
  call: (ids: readonly string[]) => Promise<number>,
): Promise<number> {
  const own = ids.filter((id) => isJobIdOf(id, queue));
  let total = 0;
  for (let start = 0; start < own.length; start += maxBatch) {
    total += await call(own.length <= maxBatch ? own : own.slice(start, start + maxBatch));
  }
  return total;
}
