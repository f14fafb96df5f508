import type { TransportAdmin } from '@conveyor/core';
import { parsePartitionName, storedQueuesOf } from '@conveyor/core/transport';

/**
 * The stored queues a command acts on for `queue`: a partition's name is itself; a queue's
 * name is the queue and each of its partitions (`emails~0of8`, …). Reads the queue list
 * only for a name that could have partitions.
 */
export async function storedQueuesFor(admin: TransportAdmin, queue: string): Promise<string[]> {
  if (parsePartitionName(queue)) return [queue];
  return storedQueuesOf(queue, await admin.listQueues());
}

/**
 * `queue`, or `queue (8 partitions)` when it stands for several stored queues: its partitions,
 * and its plain name when stored (jobs enqueued before the queue was partitioned, which every
 * worker of the queue reads too, and a name that pausing the queue stores). The plain name is
 * not mentioned: `conveyor status`, which has the counts, says when it holds jobs. Partitions
 * of two counts read `queue (8 partitions, counts 3 and 5)`.
 */
export function queueLabel(queue: string, stored: readonly string[]): string {
  if (stored.length === 1 && stored[0] === queue) return queue;
  const partitions = stored.filter((name) => name !== queue);
  return `${queue} (${partitionsText(queue, partitions)}${mixedCounts(partitions)})`;
}

/**
 * `, counts 3 and 5` when the partitions are of more than one count (after a change of the
 * count), as `conveyor status` says it: `work (8 partitions)` alone read as a queue of 8.
 */
function mixedCounts(stored: readonly string[]): string {
  const counts = [
    ...new Set(stored.flatMap((name) => parsePartitionName(name)?.partitions ?? [])),
  ].sort((a, b) => a - b);
  if (counts.length < 2) return '';
  return `, counts ${counts.slice(0, -1).join(', ')} and ${counts.at(-1)}`;
}

/**
 * `8 partitions` (the queue's partition count, however many of them hold jobs: `emails~2of8`
 * alone is still one of 8), with `and the plain queue` when `queue` is among `stored`. Under
 * two counts (after a change of the count) the counts add up: `emails~1of4` beside
 * `emails~3of8` is `12 partitions`, as a command that pauses or lists every partition of each
 * count says, whichever of them hold jobs yet.
 */
export function partitionsText(queue: string, stored: readonly string[]): string {
  const counts = new Set(stored.flatMap((name) => parsePartitionName(name)?.partitions ?? []));
  const count = [...counts].reduce((sum, n) => sum + n, 0);
  const plain = stored.includes(queue) ? ' and the plain queue' : '';
  return `${count} partition${count === 1 ? '' : 's'}${plain}`;
}
