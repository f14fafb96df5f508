import {
  AmbiguousScheduleError,
  describeSchedules,
  type EnqueueResult,
  findSchedule,
  ScheduleNotFoundError,
  type ScheduleRow,
  type ScheduleSpec,
  scheduleJob,
  type TransportSchedules,
} from '@conveyor/core';
import { newJobId } from '@conveyor/core/transport';
import type { DashboardCore, RequestContext } from '../context.js';
import { DashboardError } from '../errors.js';
import { optionalString, scheduleId, storedQueueName } from '../http/params.js';
import type { Route } from '../http/router.js';
import { audit } from './audit.js';
import { pausedAmong } from './paused.js';

/** The capability, or 501 `CAPABILITY_MISSING`: the UI says schedules are unavailable. */
function schedulesOf(core: DashboardCore): TransportSchedules {
  if (core.schedules) return core.schedules;
  throw new DashboardError(
    'CAPABILITY_MISSING',
    `Schedules are unavailable: the ${JSON.stringify(core.transport.name)} transport has no schedules capability. Use a transport that has one (memory, Redis) to run and manage periodic schedules.`,
  );
}

function notFound(queue: string, id: string): DashboardError {
  return new DashboardError(
    'NOT_FOUND',
    `No schedule ${JSON.stringify(id)} in queue ${JSON.stringify(queue)}: it was removed, or never stored (GET api/schedules lists them).`,
  );
}

/**
 * The stored schedule a route names. `:queue` is a stored name (`reports`, `emails~3of8`, as
 * the list shows) or a partitioned queue's name (`emails`, as its tasks declare it): core's
 * lookup finds the partition the schedule is stored under.
 */
async function targetSpec(
  schedules: TransportSchedules,
  params: Readonly<Record<string, string>>,
): Promise<ScheduleSpec> {
  const queue = storedQueueName(params.queue);
  const id = scheduleId(params.id);
  try {
    return (await findSchedule(schedules, id, queue)).spec;
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) throw notFound(queue, id);
    if (error instanceof AmbiguousScheduleError) {
      throw new DashboardError(
        'CONFLICT',
        `Schedule ${JSON.stringify(id)} is stored in more than one partition of queue ${JSON.stringify(queue)} (${error.queues.map((name) => JSON.stringify(name)).join(', ')}); name the one to act on in the path, e.g. api/schedules/${error.queues[0]}/${id}/…`,
      );
    }
    throw error;
  }
}

export function scheduleRoutes(core: DashboardCore): Route<RequestContext>[] {
  const setPaused = (paused: boolean): Route<RequestContext> => ({
    method: 'POST',
    path: `/api/schedules/:queue/:id/${paused ? 'pause' : 'resume'}`,
    async handle(context, params) {
      const schedules = schedulesOf(core);
      const { queue, id } = await targetSpec(schedules, params);
      // Removed since the lookup: as if it had never been there.
      if (!(await schedules.setPaused(queue, id, paused))) throw notFound(queue, id);
      await audit(core, context, {
        action: paused ? 'schedule.pause' : 'schedule.resume',
        queue,
        detail: { schedule: id },
      });
      return { schedule: { queue, id, paused } };
    },
  });

  return [
    {
      method: 'GET',
      path: '/api/schedules',
      async handle({ url }) {
        schedulesOf(core);
        const only = optionalString(url.searchParams.get('queue'), 'queue');
        const rows: ScheduleRow[] = await describeSchedules(
          core.transport,
          only === undefined ? {} : { queues: [storedQueueName(only)] },
        );
        return {
          at: core.now(),
          schedules: rows.map((row) => ({ ...row, input: core.redactor.apply(row.input) })),
        };
      },
    },
    {
      method: 'POST',
      path: '/api/schedules/:queue/:id/run-now',
      async handle(context, params) {
        const spec = await targetSpec(schedulesOf(core), params);
        const { queue, id } = spec;
        // A plain enqueue under a new random id: it takes no slot, and the schedule's own
        // slots still fire as planned.
        const job = scheduleJob(spec, { id: newJobId(queue), enqueuedAt: core.now() });
        const [result] = await core.transport.enqueue([job]);
        const jobId = (result as EnqueueResult).id;
        await audit(core, context, {
          action: 'schedule.run-now',
          jobId,
          queue,
          detail: { schedule: id },
        });
        return { schedule: { queue, id }, jobId, paused: await pausedAmong(core, [queue]) };
      },
    },
    setPaused(true),
    setPaused(false),
  ];
}
