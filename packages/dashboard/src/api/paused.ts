import type { DashboardCore } from '../context.js';

/**
 * Which of `queues` are paused, sorted: a job retried, run or enqueued into one waits until
 * it is resumed [A13], and the answer says so as the bulk retry's does. Read after the action
 * ran: a failed read leaves the note out (`[]`) rather than answer 500 for an action done.
 */
export async function pausedAmong(
  core: DashboardCore,
  queues: Iterable<string>,
): Promise<string[]> {
  const names = [...new Set(queues)];
  if (names.length === 0) return [];
  try {
    const counts = await core.admin.queueCounts(names);
    return counts
      .filter((count) => count.paused)
      .map((count) => count.queue)
      .sort();
  } catch {
    return [];
  }
}
