import { isUnknownQueue, pauseTargets, queuesSeen } from '@conveyor/core/transport';
import type { DashboardCore, RequestContext } from '../context.js';
import { DashboardError, quote } from '../errors.js';
import { storedQueueName } from '../http/params.js';
import type { Route } from '../http/router.js';
import { audit } from './audit.js';

/** `POST api/queues/<q>/pause` and `/resume`. */
export interface QueuePauseResult {
  /** The queue (or partition) as the path named it. */
  queue: string;
  /** Its state now: true after a pause, false after a resume. */
  paused: boolean;
  /** The stored queues whose state this request changed (none when all were so already). */
  changed: string[];
}

/**
 * Pauses or resumes a queue [A13]: the stored queues core's `pauseTargets` names (a
 * partitioned queue's every partition, as `conveyor pause` does), one call each, then one
 * audit entry. A name the broker has never seen (no job, no worker) is 404, for a pause
 * and a resume alike: a typo in a URL should neither pause a queue nobody uses nor answer
 * as if it had resumed one.
 */
async function pauseOrResume(
  core: DashboardCore,
  context: RequestContext,
  queue: string,
  pause: boolean,
): Promise<QueuePauseResult> {
  const seen = await queuesSeen(core.admin);
  if (isUnknownQueue(queue, seen)) {
    // A typo in a URL neither pauses a queue nobody uses nor answers "resumed" for one.
    throw new DashboardError(
      'NOT_FOUND',
      pause
        ? `No queue ${quote(queue)} is known here: nothing has been enqueued to it and no live worker serves it, so nothing was paused. Check the name; to pause a queue before its first job, use \`conveyor pause ${queue} --new\`.`
        : `No queue ${quote(queue)} is known here: nothing has been enqueued to it and no live worker serves it, so nothing was resumed. Check the name.`,
    );
  }
  const changed: string[] = [];
  for (const name of pauseTargets(queue, seen)) {
    const did = pause ? await core.admin.pauseQueue(name) : await core.admin.resumeQueue(name);
    if (did) changed.push(name);
  }
  await audit(core, context, {
    action: pause ? 'queue.pause' : 'queue.resume',
    queue,
    detail: { changed },
  });
  return { queue, paused: pause, changed };
}

export function queuePauseRoutes(core: DashboardCore): Route<RequestContext>[] {
  const route = (pause: boolean): Route<RequestContext> => ({
    method: 'POST',
    path: `/api/queues/:queue/${pause ? 'pause' : 'resume'}`,
    handle: (context, params) => pauseOrResume(core, context, storedQueueName(params.queue), pause),
  });
  return [route(true), route(false)];
}
