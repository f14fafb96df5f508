import type { Logger, Transport } from '@conveyor/core';
import { compareStoredQueues, parsePartitionName } from '@conveyor/core/transport';

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
    const rows = await admin.queueCounts(queues);
    const byQueue = new Map<string, { paused: string[]; running: string[] }>();
    for (const row of rows) {
      const base = parsePartitionName(row.queue)?.queue ?? row.queue;
      const group = byQueue.get(base) ?? { paused: [], running: [] };
      (row.paused ? group.paused : group.running).push(row.queue);
      byQueue.set(base, group);
    }
    for (const [queue, { paused, running }] of byQueue) {
      if (paused.length === 0) continue;
      paused.sort(compareStoredQueues);
      running.sort(compareStoredQueues);
      const resume = `resume it with \`conveyor resume ${queue}\` (on this worker's Redis and prefix) or the dashboard`;
      const message =
        running.length === 0
          ? `queue ${JSON.stringify(queue)}${paused.length === 1 && paused[0] === queue ? '' : ` (${paused.join(', ')})`} is paused: this worker takes none of its jobs until it is resumed; ${resume}.`
          : `queue ${JSON.stringify(queue)} is paused in part: ${paused.join(', ')} paused, ${running.join(', ')} not. This worker takes none of the paused ones' jobs and runs the others'. \`conveyor pause ${queue}\` or \`conveyor resume ${queue}\` (on this worker's Redis and prefix) makes them agree; \`conveyor status --partitions\` shows each.`;
      logger.warn({ queue, paused, running }, message);
    }
  } catch {
    // Start-up advice only: the reserve loop reports a broker that does not answer.
  }
}
