import type { QueueCounts, TransportAdmin } from '@conveyor/core';
import { isClusterNodeDown } from '@conveyor/redis';

/** A queue whose counts could not be read, and why. */
export interface UnreadableQueue {
  queue: string;
  error: string;
}

/**
 * The counts of `queues`. One queue whose own keys a script cannot read (a key of the wrong
 * type, written by something other than Conveyor: its error names the key and how to clear
 * it) does not take the others down, nor the rest of the command: its counts are left out,
 * with its error, also when it is the only queue. So is a queue on a Cluster master that is
 * down, while another queue answered. Any other failure (Redis unreachable) is thrown.
 */
export async function countQueues(
  admin: TransportAdmin,
  queues: readonly string[],
): Promise<{ counts: QueueCounts[]; unreadable: UnreadableQueue[] }> {
  try {
    return { counts: await admin.queueCounts(queues), unreadable: [] };
  } catch (error) {
    if (!ofQueueData(error) && !isClusterNodeDown(error)) throw error;
    const each =
      queues.length === 1
        ? [{ status: 'rejected' as const, reason: error }]
        : await Promise.allSettled(queues.map((queue) => admin.queueCounts([queue])));
    const counts: QueueCounts[] = [];
    const unreadable: UnreadableQueue[] = [];
    let ofData = 0;
    each.forEach((outcome, n) => {
      if (outcome.status === 'fulfilled') counts.push(...outcome.value);
      else if (ofQueueData(outcome.reason) || isClusterNodeDown(outcome.reason)) {
        if (ofQueueData(outcome.reason)) ofData += 1;
        unreadable.push({ queue: queues[n] as string, error: (outcome.reason as Error).message });
      } else throw outcome.reason;
    });
    // Every queue on a node that is down: the broker's failure, as before, not some queues'.
    if (counts.length === 0 && ofData === 0) throw error;
    return { counts, unreadable };
  }
}

/** A failure of one queue's data (Redis: a script error, or a job key overwritten). */
function ofQueueData(error: unknown): boolean {
  const failure = (error as { failure?: unknown } | null)?.failure;
  return failure === 'SCRIPT' || failure === 'CORRUPT';
}
