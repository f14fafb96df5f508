import {
  describeSchedules,
  type EnqueueResult,
  type ScheduleRow,
  scheduleJob,
  type TransportSchedules,
} from '@conveyor/core';
import { newJobId } from '@conveyor/core/transport';
import type { DashboardCore, RequestContext } from '../context.js';
import { DashboardError } from '../errors.js';
import { optionalString, scheduleId, storedQueueName } from '../http/params.js';
import type { Route } from '../http/router.js';
import { audit } from './audit.js';

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

function target(params: Readonly<Record<string, string>>): { queue: string; id: string } {
  return { queue: storedQueueName(params.queue), id: scheduleId(params.id) };
}

export function scheduleRoutes(core: DashboardCore): Route<RequestContext>[] {
  const setPaused = (paused: boolean): Route<RequestContext> => ({
    method: 'POST',
    path: `/api/schedules/:queue/:id/${paused ? 'pause' : 'resume'}`,
    async handle(context, params) {
      const schedules = schedulesOf(core);
      const { queue, id } = target(params);
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
        const schedules = schedulesOf(core);
        const { queue, id } = target(params);
        const list = await schedules.list([queue]);
        const state = list.schedules.find(
          (each) => each.spec.queue === queue && each.spec.id === id,
        );
        if (state === undefined) throw notFound(queue, id);
        // A plain enqueue under a new random id: it takes no slot, and the schedule's own
        // slots still fire as planned.
        const job = scheduleJob(state.spec, { id: newJobId(queue), enqueuedAt: core.now() });
        const [result] = await core.transport.enqueue([job]);
        const jobId = (result as EnqueueResult).id;
        await audit(core, context, {
          action: 'schedule.run-now',
          jobId,
          queue,
          detail: { schedule: id },
        });
        return { schedule: { queue, id }, jobId };
      },
    },
    setPaused(true),
    setPaused(false),
  ];
}
