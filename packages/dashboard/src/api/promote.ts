// Run now of delayed jobs [A14]: one job from its page, or every delayed job of a queue from
// its Delayed list. Each becomes waiting at the end of its priority's line, as BullMQ's
// promote does; on a paused queue it waits for the resume, and the answer says so.

import { AUDIT_LIMITS, type JobRecord } from '@conveyor/core';
import { delayedJobIds, isUnknownQueue, queuesSeen } from '@conveyor/core/transport';
import type { DashboardCore, RequestContext } from '../context.js';
import { DashboardError, quote } from '../errors.js';
import { storedQueueName } from '../http/params.js';
import type { Route } from '../http/router.js';
import { toJobSummary } from '../job-view.js';
import { audit } from './audit.js';
import { getJobOr404, jobId } from './jobs.js';
import { pausedAmong } from './paused.js';
import { storedQueues } from './stored-queues.js';

/** The audit log's names, as `conveyor promote` records them: one job, and a queue's all. */
export const JOB_PROMOTE_ACTION = 'job.promote';
export const QUEUE_PROMOTE_ACTION = 'queue.promote';

/** Why a job that is not delayed is not run now, and what to do instead, by its state. */
export function notDelayed(id: string, state: JobRecord['state']): string {
  const job = `Job ${quote(id)}`;
  switch (state) {
    case 'waiting':
      return `${job} is waiting, not delayed: it runs as soon as a worker is free, so there is nothing to run now.`;
    case 'active':
      return `${job} is active, not delayed: a worker is running it already.`;
    case 'dead':
      return `${job} is dead, not delayed: only a delayed job is run now. Retry it instead (Retry on its page, or POST api/jobs/<id>/retry).`;
    default:
      return `${job} ended ${state}, so there is nothing to run now: only a delayed job is run now. To run it again, enqueue it anew (conveyor enqueue, or client.enqueue).`;
  }
}

/** `POST api/jobs/<id>/promote`: the delayed job becomes waiting now. */
async function promoteOne(
  core: DashboardCore,
  context: RequestContext,
  id: string,
): Promise<{ job: ReturnType<typeof toJobSummary>; paused: string[] }> {
  const record = await getJobOr404(core, id);
  if (record.state !== 'delayed')
    throw new DashboardError('CONFLICT', notDelayed(id, record.state));
  const queue = record.envelope.queue;
  const moved = await core.admin.promoteDelayed(queue, [id]);
  if (moved === 0) {
    // It came due, or was cancelled, between the read and the move: say what it is now.
    const now = await getJobOr404(core, id);
    throw new DashboardError(
      'CONFLICT',
      `${notDelayed(id, now.state)} It left the delayed set before it could be run now (it came due, or someone else acted on it); reload it.`,
    );
  }
  await audit(core, context, {
    action: JOB_PROMOTE_ACTION,
    jobId: id,
    queue,
    detail: {
      promoted: 1,
      ...(record.dueAt === undefined ? {} : { wasDue: new Date(record.dueAt).toISOString() }),
    },
  });
  const [after, paused] = await Promise.all([
    core.transport.getJob(id),
    pausedAmong(core, [queue]),
  ]);
  return { job: toJobSummary(after ?? record), paused };
}

/**
 * `POST api/queues/<q>/promote`: every delayed job of the queue becomes waiting now, in the
 * order they were due, a partitioned queue's in each of its partitions (as its pause and its
 * dead-letter purge cover them all); a partition's name runs that partition's only. One
 * promote call per stored queue, whatever the number of jobs; the answer counts the jobs
 * moved. The audit entry names them (up to `AUDIT_LIMITS.jobIds`), as `conveyor promote
 * --all` does.
 */
async function promoteQueue(
  core: DashboardCore,
  context: RequestContext,
  queue: string,
): Promise<{ queue: string; promoted: number; paused: string[] }> {
  if (isUnknownQueue(queue, await queuesSeen(core.admin))) {
    throw new DashboardError(
      'NOT_FOUND',
      `No queue ${quote(queue)} is known here: nothing has been enqueued to it, so it has no delayed jobs to run. Check the name.`,
    );
  }
  const stored = await storedQueues(core, queue);
  const counts = stored.length === 0 ? [] : await core.admin.queueCounts(stored);
  const ids: string[] = [];
  const moved: string[] = [];
  let promoted = 0;
  for (const name of stored) {
    const delayed = counts.find((count) => count.queue === name)?.delayed ?? 0;
    if (delayed > 0 && ids.length < AUDIT_LIMITS.jobIds) {
      ids.push(...(await delayedJobIds(core.admin, name, AUDIT_LIMITS.jobIds - ids.length)));
    }
    const count = await core.admin.promoteDelayed(name);
    if (count > 0) moved.push(name);
    promoted += count;
  }
  await audit(core, context, {
    action: QUEUE_PROMOTE_ACTION,
    queue,
    jobIds: ids,
    detail: {
      promoted,
      all: true,
      ...(moved.some((name) => name !== queue) ? { queues: moved } : {}),
    },
  });
  return { queue, promoted, paused: await pausedAmong(core, moved) };
}

export function promoteRoutes(core: DashboardCore): Route<RequestContext>[] {
  return [
    {
      method: 'POST',
      path: '/api/jobs/:id/promote',
      handle: (context, params) => promoteOne(core, context, jobId(params)),
    },
    {
      method: 'POST',
      path: '/api/queues/:queue/promote',
      handle: (context, params) => promoteQueue(core, context, storedQueueName(params.queue)),
    },
  ];
}
