import {
  applyWorkflowEffects,
  cancelJobs,
  describeWorkflowWithJobs,
  hasCapability,
  isWorkflowId,
  type TransportWith,
  WORKFLOW_ID_RULE,
  type WorkflowRecord,
  type WorkflowView,
} from '@conveyor/core';
import type { DashboardCore, RequestContext } from '../context.js';
import { badRequest, DashboardError } from '../errors.js';
import type { Route } from '../http/router.js';
import { audit } from './audit.js';

/** The transport with its workflows, or 501 `CAPABILITY_MISSING`: the page says so. */
function workflowTransport(core: DashboardCore): TransportWith<'workflows'> {
  const { transport } = core;
  if (hasCapability(transport, 'workflows')) return transport;
  throw new DashboardError(
    'CAPABILITY_MISSING',
    `Workflows are unavailable: the ${JSON.stringify(transport.name)} transport has no workflows capability. Use a transport that has one (memory, Redis) to run and inspect workflows.`,
  );
}

function workflowId(params: Readonly<Record<string, string>>): string {
  const id = params.id;
  if (!isWorkflowId(id)) throw badRequest('workflow id', id, WORKFLOW_ID_RULE);
  return id;
}

async function getOr404(transport: TransportWith<'workflows'>, id: string) {
  const record = await transport.workflows.get(id);
  if (record === null) {
    throw new DashboardError(
      'NOT_FOUND',
      `No workflow ${JSON.stringify(id)}: it never started, or it finished and its record expired (the result TTL).`,
    );
  }
  return record;
}

/** The page's view: the tree with the step jobs' attempts, the input through the redactor. */
async function viewOf(
  core: DashboardCore,
  record: WorkflowRecord,
  all: boolean,
): Promise<WorkflowView> {
  const listing = all ? { children: 'all' as const } : {};
  const view = await describeWorkflowWithJobs(core.transport, record, listing);
  return { ...view, input: core.redactor.apply(view.input) };
}

function conflict(id: string, status: string, action: 'cancel' | 'retry'): DashboardError {
  return new DashboardError(
    'CONFLICT',
    action === 'cancel'
      ? `Workflow ${JSON.stringify(id)} is ${status}, not running: there is nothing to cancel.`
      : `Workflow ${JSON.stringify(id)} is ${status}, not failed: only a failed workflow can be retried (from its failed step).`,
  );
}

/**
 * `GET /api/workflows/:id` (the tree; `?all=1` lists every map child), and
 * `POST /api/workflows/:id/cancel` and `/retry`, audited as `workflow.cancel` and
 * `workflow.retry`.
 */
export function workflowRoutes(core: DashboardCore): Route<RequestContext>[] {
  return [
    {
      method: 'GET',
      path: '/api/workflows/:id',
      async handle({ url }, params) {
        const transport = workflowTransport(core);
        const id = workflowId(params);
        const record = await getOr404(transport, id);
        const all = url.searchParams.get('all') === '1';
        return { at: core.now(), workflow: await viewOf(core, record, all) };
      },
    },
    {
      method: 'POST',
      path: '/api/workflows/:id/cancel',
      async handle(context, params) {
        const transport = workflowTransport(core);
        const id = workflowId(params);
        const record = await getOr404(transport, id);
        if (record.status !== 'running') throw conflict(id, record.status, 'cancel');
        const { cancelled, cancel } = await transport.workflows.cancel(id);
        if (!cancelled) {
          throw conflict(id, (await transport.workflows.get(id))?.status ?? 'gone', 'cancel');
        }
        await cancelJobs(transport, cancel);
        await audit(core, context, {
          action: 'workflow.cancel',
          jobIds: cancel,
          detail: { workflow: id, cancelledJobs: cancel.length },
        });
        return { workflow: { id, status: 'cancelled' }, cancelledJobs: cancel };
      },
    },
    {
      method: 'POST',
      path: '/api/workflows/:id/retry',
      async handle(context, params) {
        const transport = workflowTransport(core);
        const id = workflowId(params);
        const record = await getOr404(transport, id);
        if (record.status !== 'failed') throw conflict(id, record.status, 'retry');
        const { retried, dispatch } = await transport.workflows.retry(id);
        if (!retried) {
          throw conflict(id, (await transport.workflows.get(id))?.status ?? 'gone', 'retry');
        }
        await applyWorkflowEffects(transport, id, { dispatch });
        const jobIds = dispatch.map((entry) => entry.jobId);
        await audit(core, context, {
          action: 'workflow.retry',
          jobIds,
          detail: { workflow: id },
        });
        return { workflow: { id, status: 'running' }, enqueuedJobs: jobIds };
      },
    },
  ];
}
