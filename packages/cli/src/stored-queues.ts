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
 * and `and the plain queue` when `queue` itself is among them (jobs enqueued before the queue
 * was partitioned, which every worker of the queue reads too).
 */
export function queueLabel(queue: string, stored: readonly string[]): string {
  if (stored.length === 1 && stored[0] === queue) return queue;
  return `${queue} (${partitionsText(queue, stored)})`;
}

/** `3 partitions`, or `3 partitions and the plain queue` when `queue` is among `stored`. */
export function partitionsText(queue: string, stored: readonly string[]): string {
  const count = stored.filter((name) => parsePartitionName(name) !== undefined).length;
  const plain = stored.includes(queue) ? ' and the plain queue' : '';
  return `${count} partition${count === 1 ? '' : 's'}${plain}`;
}
