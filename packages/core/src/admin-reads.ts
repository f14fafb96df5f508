import type { TransportAdmin } from './transport-admin.js';

/** Delayed jobs read per page by {@link delayedJobIds}. */
const ID_PAGE = 500;

/**
 * The ids of up to `cap` delayed jobs of `queue` (a stored name), newest first: what an
 * operator's "run them all now" names in its audit entry, read before the promote, as
 * `admin.promoteDelayed(queue)` answers a count only. A job that comes due in between is
 * named and not moved.
 */
export async function delayedJobIds(
  admin: TransportAdmin,
  queue: string,
  cap: number,
): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  while (ids.length < cap) {
    const page = await admin.listJobs(queue, {
      state: 'delayed',
      limit: Math.min(ID_PAGE, cap - ids.length),
      ...(cursor === undefined ? {} : { cursor }),
    });
    ids.push(...page.jobs.map((job) => job.id));
    if (page.next === undefined) break;
    cursor = page.next;
  }
  return ids;
}

/**
 * Which of `queues` (stored names) are paused, sorted: jobs an action made waiting there
 * (a retry, a promote, an enqueue) wait until a resume [A13]. Read after the action ran, so a
 * failed read answers `[]`: the note is left out rather than fail an action that is done.
 */
export async function pausedQueuesAmong(
  admin: TransportAdmin,
  queues: Iterable<string>,
): Promise<string[]> {
  const names = [...new Set(queues)];
  if (names.length === 0) return [];
  try {
    const counts = await admin.queueCounts(names);
    return counts
      .filter((count) => count.paused)
      .map((count) => count.queue)
      .sort();
  } catch {
    return [];
  }
}
