import { isWorkerStale, type TransportAdmin } from '@conveyor/core';
import { parsePartitionName } from '@conveyor/core/transport';
import { namedList } from './output.js';

/**
 * The line after a retry that put jobs back on stored queues no live worker reads, while live
 * workers read other partitions of the same queue: after a change of a queue's partition count
 * (`emails~1of4` while the workers read `emails~*of8`), a retried job waits there unseen.
 * Undefined when every such queue is read, or no live worker reads the queue at all (then
 * nothing runs it anyway, and `conveyor status` says so). `now` is the broker's clock.
 */
export async function unreadQueuesLine(
  admin: TransportAdmin,
  retriedInto: readonly string[],
  now: number,
): Promise<string | undefined> {
  if (retriedInto.length === 0) return undefined;
  // Live as `conveyor schedules` judges it; a malformed record (no queue list) reads nothing.
  const live = (await admin.listWorkers()).filter((worker) => !isWorkerStale(worker, now));
  const read = queuesRead(live);
  const baseOf = (name: string) => parsePartitionName(name)?.queue ?? name;
  const readBases = new Set([...read].map(baseOf));
  const unread = retriedInto.filter((name) => !read.has(name) && readBases.has(baseOf(name)));
  if (unread.length === 0) return undefined;
  const readers = [...read].filter((name) => unread.some((u) => baseOf(u) === baseOf(name)));
  const one = unread.length === 1;
  return `Note: no live worker reads ${namedList(unread, 'queues')}, where ${one ? 'its' : 'their'} retried jobs went back (the live workers read ${namedList(readers.sort(), 'queues')}): they wait there until a worker reads ${one ? 'it' : 'them'}. After a change of partition count, give a worker the old partitions in its \`queues\` too (docs/partitions.md, "Choosing and changing n").`;
}

/**
 * The stored queues `workers` read, from their records; a malformed record (no queue list)
 * reads nothing.
 */
export function queuesRead(workers: ReadonlyArray<{ queues?: unknown }>): Set<string> {
  return new Set(
    workers.flatMap((worker) =>
      Array.isArray(worker.queues)
        ? worker.queues.filter((q): q is string => typeof q === 'string')
        : [],
    ),
  );
}
