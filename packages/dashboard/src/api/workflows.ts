import {
  actOnWorkflow,
  addStepResults,
  describeWorkflowWithJobs,
  ENDED_WORKFLOW_STATUSES,
  type EndedWorkflow,
  type EndedWorkflowStatus,
  hasCapability,
  isWorkflowId,
  type JobError,
  listEndedWorkflows,
  listRunningWorkflows,
  type TransportWith,
  WORKFLOW_ID_RULE,
  type WorkflowAction,
  type WorkflowRecord,
  type WorkflowView,
  workflowConflictMessage,
} from '@conveyor/core';
import { queueOfJobId } from '@conveyor/core/transport';
import type { DashboardCore, RequestContext } from '../context.js';
import { badRequest, DashboardError } from '../errors.js';
import { optionalString, pageLimit } from '../http/params.js';
import type { Route } from '../http/router.js';
import { audit } from './audit.js';
import { pausedAmong } from './paused.js';

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

function notFound(id: string): DashboardError {
  return new DashboardError(
    'NOT_FOUND',
    `No workflow ${JSON.stringify(id)}: it never started, or it finished and its record expired (the transport's result TTL).`,
  );
}

async function getOr404(transport: TransportWith<'workflows'>, id: string) {
  const record = await transport.workflows.get(id);
  if (record === null) throw notFound(id);
  return record;
}

/**
 * The page's view: the tree with the step jobs' attempts and the completed steps' results (from
 * the workflow's record, so also for jobs removed on completion), the input and each result
 * through the redactor.
 */
async function viewOf(
  core: DashboardCore,
  transport: TransportWith<'workflows'>,
  record: WorkflowRecord,
  all: boolean,
): Promise<WorkflowView> {
  const listing = all ? { children: 'all' as const } : {};
  const view = await describeWorkflowWithJobs(transport, record, listing);
  view.input = core.redactor.apply(view.input);
  return addStepResults(transport.workflows, view, (value) => core.redactor.apply(value));
}

/** Carries out `action`, or the 404/409 that says why it was refused. */
async function act(
  transport: TransportWith<'workflows'>,
  id: string,
  action: WorkflowAction,
): Promise<string[]> {
  const outcome = await actOnWorkflow(transport, id, action);
  if (outcome.done) return outcome.jobIds;
  if (outcome.status === 'gone') throw notFound(id);
  throw new DashboardError('CONFLICT', workflowConflictMessage(id, outcome.status, action));
}

/**
 * `<at>:<id>` of the last workflow of a page (`at`: when it began to run, or for an ended
 * list when it ended), where the next one starts.
 */
function parseAfter(value: string | undefined): { at: number; id: string } | undefined {
  if (value === undefined) return undefined;
  const colon = value.indexOf(':');
  const at = Number(value.slice(0, colon));
  const id = value.slice(colon + 1);
  if (colon < 1 || !Number.isSafeInteger(at) || !isWorkflowId(id)) {
    throw badRequest('cursor', value, 'the `next` cursor of the previous page');
  }
  return { at, id };
}

const LIST_STATUSES = ['running', ...ENDED_WORKFLOW_STATUSES] as const;

/** `?status=`: `running` (the default) or a status workflows end with. */
function listStatus(value: string | null): 'running' | EndedWorkflowStatus {
  if (value === null || value === '') return 'running';
  if (!(LIST_STATUSES as readonly string[]).includes(value)) {
    throw badRequest('status', value, `one of ${LIST_STATUSES.join(', ')}`);
  }
  return value as 'running' | EndedWorkflowStatus;
}

/** An error as the lists show it: its name, code and message (no stack, data or cause). */
function listedError(error: JobError): JobError {
  return { name: error.name, message: error.message, ...(error.code && { code: error.code }) };
}

/**
 * An ended workflow as the list shows it: its failure's error, and a failed compensation's,
 * cut to name, code and message (the workflow's page has the rest), as the job lists show a
 * job's error.
 */
function endedSummary(workflow: EndedWorkflow): EndedWorkflow {
  const { failure, compensation, ...rest } = workflow;
  const summary: EndedWorkflow = { ...rest };
  if (failure) {
    const { step, child } = failure;
    summary.failure = {
      step,
      ...(child !== undefined && { child }),
      error: listedError(failure.error),
    };
  }
  if (compensation) {
    summary.compensation = { step: compensation.step, error: listedError(compensation.error) };
  }
  return summary;
}

/**
 * `GET /api/workflows?status=&limit=&cursor=`: the running workflows in the order they began
 * to run (`listRunningWorkflows`), each with the stage it is in; with `status=failed`
 * (`compensated`, `cancelled`, `completed`) the workflows that ended so, the most recently
 * ended first (`listEndedWorkflows`), each with when it finished and the failed step and its
 * error. `next` pages on.
 */
function listRoute(core: DashboardCore): Route<RequestContext> {
  return {
    method: 'GET',
    path: '/api/workflows',
    async handle({ url }) {
      const transport = workflowTransport(core);
      const query = url.searchParams;
      const status = listStatus(query.get('status'));
      const limit = pageLimit(query.get('limit'));
      const after = parseAfter(optionalString(query.get('cursor'), 'cursor'));
      const options = after ? { limit, after } : { limit };
      const page =
        status === 'running'
          ? await listRunningWorkflows(transport, options)
          : await listEndedWorkflows(transport, { ...options, status }).then((ended) => ({
              ...ended,
              workflows: ended.workflows.map(endedSummary),
            }));
      const next = page.next && `${page.next.at}:${page.next.id}`;
      return { at: core.now(), status, workflows: page.workflows, ...(next ? { next } : {}) };
    },
  };
}

/**
 * `GET /api/workflows` (the running ones, or `?status=failed` …), `GET /api/workflows/:id` (the tree; `?all=1`
 * lists every map child), and
 * `POST /api/workflows/:id/cancel` and `/retry`, audited as `workflow.cancel` and
 * `workflow.retry`.
 */
export function workflowRoutes(core: DashboardCore): Route<RequestContext>[] {
  return [
    listRoute(core),
    {
      method: 'GET',
      path: '/api/workflows/:id',
      async handle({ url }, params) {
        const transport = workflowTransport(core);
        const id = workflowId(params);
        const record = await getOr404(transport, id);
        const all = url.searchParams.get('all') === '1';
        return { at: core.now(), workflow: await viewOf(core, transport, record, all) };
      },
    },
    {
      method: 'POST',
      path: '/api/workflows/:id/cancel',
      async handle(context, params) {
        const transport = workflowTransport(core);
        const id = workflowId(params);
        const cancel = await act(transport, id, 'cancel');
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
        const jobIds = await act(transport, id, 'retry');
        await audit(core, context, {
          action: 'workflow.retry',
          jobIds,
          detail: { workflow: id },
        });
        const queues = jobIds.flatMap((jobId) => queueOfJobId(jobId) ?? []);
        return {
          workflow: { id, status: 'running' },
          enqueuedJobs: jobIds,
          paused: await pausedAmong(core, queues),
        };
      },
    },
  ];
}
