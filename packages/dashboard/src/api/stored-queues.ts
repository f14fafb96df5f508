import { parsePartitionName, storedQueuesOf } from '@conveyor/core/transport';
import type { DashboardCore } from '../context.js';

/**
 * The stored queues a view of `queue` reads: a partition's name is itself; a queue's name is
 * the queue and its partitions (`emails~0of8`, …). Lists the queues only for a name that
 * could have partitions.
 */
export async function storedQueues(core: DashboardCore, queue: string): Promise<string[]> {
  if (parsePartitionName(queue)) return [queue];
  return storedQueuesOf(queue, await core.admin.listQueues());
}
