import type { JobPage, JobRecord } from '@conveyor/core';
import type { DashboardCore, RequestContext } from '../context.js';
import { DashboardError } from '../errors.js';
import { indexValue, listState, optionalString, pageLimit, queueName } from '../http/params.js';
import type { Route } from '../http/router.js';
import { type JobSummary, toJobSummary } from '../job-view.js';
import { isStale } from './workers.js';

/** One queue on the overview. */
export interface QueueOverview {
  name: string;
  counts: { waiting: number; delayed: number; active: number; dead: number; finished: number };
  /** Since counting began; null without the `metrics` capability. */
  totals: { completed: number; failed: number; retried: number } | null;
}

/** `GET /api/queues`, and the data of the event stream's `counts` events. */
export interface Overview {
  at: number;
  queues: QueueOverview[];
  workers: { live: number; stale: number };
}

/**
 * Every queue's counts, totals and the worker tally: four transport calls whatever the
 * number of queues or jobs (listQueues, queueCounts, metrics.totals, listWorkers).
 */
export async function readOverview(core: DashboardCore): Promise<Overview> {
  const names = await core.admin.listQueues();
  const [counts, totals, workers] = await Promise.all([
    names.length === 0 ? [] : core.admin.queueCounts(names),
    core.metrics && names.length > 0 ? core.metrics.totals(names) : undefined,
    core.admin.listWorkers(),
  ]);
  const totalsByQueue = new Map<string, { completed: number; failed: number; retried: number }>();
  if (totals) {
    for (const row of totals) {
      const sum = totalsByQueue.get(row.queue) ?? { completed: 0, failed: 0, retried: 0 };
      sum.completed += row.completed;
      sum.failed += row.failed;
      sum.retried += row.retried;
      totalsByQueue.set(row.queue, sum);
    }
  }
  const now = core.now();
  const stale = workers.filter((worker) => isStale(worker, now)).length;
  return {
    at: now,
    queues: counts.map((count) => ({
      name: count.queue,
      counts: {
        waiting: count.waiting,
        delayed: count.delayed,
        active: count.active,
        dead: count.dead,
        finished: count.finished ?? 0,
      },
      totals: totals
        ? (totalsByQueue.get(count.queue) ?? { completed: 0, failed: 0, retried: 0 })
        : null,
    })),
    workers: { live: workers.length - stale, stale },
  };
}

function page(result: JobPage): { jobs: JobSummary[]; next: string | null } {
  return { jobs: result.jobs.map(toJobSummary), next: result.next ?? null };
}

export function queueRoutes(core: DashboardCore): Route<RequestContext>[] {
  return [
    {
      method: 'GET',
      path: '/api/queues',
      handle: () => readOverview(core),
    },
    {
      method: 'GET',
      path: '/api/queues/:queue/jobs',
      async handle({ url }, params) {
        const queue = queueName(params.queue);
        const query = url.searchParams;
        const task = optionalString(query.get('task'), 'task');
        const limit = pageLimit(query.get('limit'));
        const cursor = optionalString(query.get('cursor'), 'cursor');
        const id = optionalString(query.get('id'), 'id');
        if (id !== undefined) {
          // One getJob: a job page's cost, whatever the queue's depth.
          const record: JobRecord | null = await core.transport.getJob(id);
          const found =
            record !== null &&
            record.envelope.queue === queue &&
            (task === undefined || record.envelope.task === task);
          return { jobs: found ? [toJobSummary(record)] : [], next: null };
        }
        const field = optionalString(query.get('field'), 'field', 256);
        if (field !== undefined) {
          if (task === undefined) {
            throw new DashboardError(
              'BAD_REQUEST',
              `A search by field ${JSON.stringify(field)} needs the task whose index it is: add &task=<task name> (GET api/queues/${queue}/fields lists them).`,
            );
          }
          if (core.redactor.hides(field)) {
            throw new DashboardError(
              'REDACTED_FIELD',
              `Field ${JSON.stringify(field)} is redacted, so it cannot be searched: a search would tell its value.`,
            );
          }
          const value = indexValue(query.get('value'));
          return page(await core.admin.findByIndex(queue, { task, field, value, cursor, limit }));
        }
        const state = listState(query.get('state'));
        return page(await core.admin.listJobs(queue, { state, cursor, limit, task }));
      },
    },
    {
      method: 'GET',
      path: '/api/queues/:queue/fields',
      async handle(_context, params) {
        const queue = queueName(params.queue);
        const fields = await core.admin.indexedFields(queue);
        return { fields: fields.filter(({ field }) => !core.redactor.hides(field)) };
      },
    },
  ];
}
