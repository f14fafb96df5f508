import { pausedQueuesAmong } from '@conveyor/core/transport';
import type { DashboardCore } from '../context.js';

/**
 * Which of `queues` are paused, sorted: a job retried, run or enqueued into one waits until
 * it is resumed [A13], and the answer says so as the bulk retry's does. A failed read leaves
 * the note out (`[]`) rather than answer 500 for an action done.
 */
export function pausedAmong(core: DashboardCore, queues: Iterable<string>): Promise<string[]> {
  return pausedQueuesAmong(core.admin, queues);
}
