import type { Logger, Transport } from '@conveyor/core';
import { parsePartitionName } from '@conveyor/core/transport';

/**
 * Warns, once at start-up, about queues this worker reads that are paused (`conveyor pause`,
 * the dashboard's pause button): it takes none of their jobs until they are resumed, and
 * without this a worker that runs nothing looks broken. Needs the transport's `admin`; one
 * count call, and never fails the worker.
 */
export async function warnPausedQueues(
  transport: Transport,
  queues: readonly string[],
  logger: Logger,
): Promise<void> {
  const admin = transport.admin;
  if (!admin || queues.length === 0) return;
  try {
    const paused = (await admin.queueCounts(queues)).filter((row) => row.paused);
    const byQueue = new Map<string, string[]>();
    for (const { queue } of paused) {
      const base = parsePartitionName(queue)?.queue ?? queue;
      byQueue.set(base, [...(byQueue.get(base) ?? []), queue]);
    }
    for (const [queue, stored] of byQueue) {
      const which = stored.length === 1 && stored[0] === queue ? '' : ` (${stored.join(', ')})`;
      logger.warn(
        { queue, paused: stored },
        `queue ${JSON.stringify(queue)}${which} is paused: this worker takes none of its jobs until it is resumed with \`conveyor resume ${queue}\` or the dashboard.`,
      );
    }
  } catch {
    // Start-up advice only: the reserve loop reports a broker that does not answer.
  }
}
