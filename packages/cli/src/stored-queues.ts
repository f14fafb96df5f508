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

/** `queue`, or `queue (8 partitions)` when it stands for several stored queues. */
export function queueLabel(queue: string, stored: readonly string[]): string {
  return stored.length > 1 || stored[0] !== queue
    ? `${queue} (${stored.length} partition${stored.length === 1 ? '' : 's'})`
    : queue;
}
