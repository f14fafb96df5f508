import type { JobRecord } from '@conveyor/core';
import { partitionNameProblem, queueOfJobId } from '@conveyor/core/transport';
import type { DashboardCore, RequestContext } from '../context.js';
import { DashboardError } from '../errors.js';
import { optionalString } from '../http/params.js';
import type { Route } from '../http/router.js';
import { toJobDetail, toJobSummary } from '../job-view.js';
import { audit, auditView } from './audit.js';
import { pausedAmong } from './paused.js';

/** Audit entries shown on a job page. */
const JOB_AUDIT_LIMIT = 50;

export function jobId(params: Readonly<Record<string, string>>): string {
  const id = optionalString(params.id, 'job id', 256);
  if (id === undefined) throw new DashboardError('BAD_REQUEST', 'A job id is required.');
  return id;
}

export async function getJobOr404(core: DashboardCore, id: string): Promise<JobRecord> {
  // `emails~9of3:…` names a partition there is none of: say so, as the CLI does, rather than
  // that the job never existed.
  const colon = id.indexOf(':');
  const problem = colon > 0 ? partitionNameProblem(id.slice(0, colon)) : undefined;
  if (problem !== undefined) {
    throw new DashboardError(
      'BAD_REQUEST',
      `Invalid job id ${JSON.stringify(id)}: its queue part ${JSON.stringify(id.slice(0, colon))} is no partition: ${problem}.`,
    );
  }
  const record = await core.transport.getJob(id);
  if (record === null) {
    throw new DashboardError(
      'NOT_FOUND',
      `No job ${JSON.stringify(id)}: it never existed, or its record expired, was purged, or was deleted as it completed (removeOnComplete).`,
    );
  }
  return record;
}

/** Why a job that is not dead is not retried, and what to do instead, by its state. */
export function notRetryable(id: string, state: JobRecord['state']): string {
  const job = `Job ${JSON.stringify(id)}`;
  switch (state) {
    case 'failed':
      return `${job} failed, not dead: only dead jobs are retried. A failed job was refused for good (invalid input or NonRetryableError); enqueue it again with a fixed input.`;
    case 'completed':
    case 'cancelled':
    case 'expired':
      return `${job} ended ${state}, so it will never be dead: only dead jobs are retried. To run it again, enqueue it anew with its input (conveyor enqueue, or client.enqueue).`;
    default:
      return `${job} is ${state}, not dead: only dead jobs are retried. Wait until it ends; if it dies, retry it then.`;
  }
}

export function jobRoutes(core: DashboardCore): Route<RequestContext>[] {
  return [
    {
      method: 'GET',
      path: '/api/jobs/:id',
      async handle(_context, params) {
        const id = jobId(params);
        // Two calls, whatever the depth of the queue.
        const [record, entries] = await Promise.all([
          getJobOr404(core, id),
          core.admin.listAudit({ jobId: id, limit: JOB_AUDIT_LIMIT }),
        ]);
        return {
          job: toJobDetail(record, core.redactor),
          audit: entries.map((entry) => auditView(core, entry)),
        };
      },
    },
    {
      method: 'POST',
      path: '/api/jobs/:id/retry',
      async handle(context, params) {
        const id = jobId(params);
        const record = await getJobOr404(core, id);
        const queue = record.envelope.queue;
        const step = record.envelope.workflow;
        if (step) {
          // Its workflow recorded the step's outcome: a worker would acknowledge the job unrun.
          throw new DashboardError(
            'CONFLICT',
            `Job ${JSON.stringify(id)} is a step job of workflow ${step.id} (step ${JSON.stringify(step.step)}): retrying the job would not run the step again, as its workflow recorded the step's outcome. Retry the workflow instead (its page, or POST api/workflows/${step.id}/retry), which runs a failed workflow's failed steps again with new jobs.`,
          );
        }
        if (record.state !== 'dead') {
          throw new DashboardError('CONFLICT', notRetryable(id, record.state));
        }
        const moved = await core.admin.retryDead(queue, [id]);
        if (moved === 0) {
          throw new DashboardError(
            'CONFLICT',
            `Job ${JSON.stringify(id)} left the dead-letter set before it could be retried (retried or purged by someone else); reload it.`,
          );
        }
        await audit(core, context, {
          action: 'job.retry',
          jobId: id,
          queue,
          detail: { from: 'dead' },
        });
        const [after, paused] = await Promise.all([
          core.transport.getJob(id),
          pausedAmong(core, [queue]),
        ]);
        return { job: toJobSummary(after ?? record), paused };
      },
    },
    {
      method: 'POST',
      path: '/api/jobs/:id/cancel',
      async handle(context, params) {
        const id = jobId(params);
        const result = await core.transport.cancel(id);
        if (result !== 'not-found') {
          const queue = queueOfJobId(id);
          await audit(core, context, {
            action: 'job.cancel',
            jobId: id,
            ...(queue === undefined ? {} : { queue }),
            detail: { result },
          });
        }
        return { result };
      },
    },
  ];
}
