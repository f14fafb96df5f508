import {
  actOnWorkflow as act,
  addStepResults,
  describeWorkflowWithJobs,
  listRunningWorkflows,
  requireCapability,
  type TransportWith,
  type TransportWorkflows,
  type WorkflowAction,
  type WorkflowRecord,
  type WorkflowView,
  workflowConflictMessage,
} from '@conveyor/core';
import { recordAction } from '../audit-trail.js';
import type { Connection } from '../connection.js';
import { CliError } from '../errors.js';
import { formatDuration, type Io, printJson, renderTable } from '../output.js';
import { type Redaction, SHOW_AS_STORED } from '../redaction.js';
import { terminalText } from '../terminal-text.js';
import { describeWorkflowTree } from '../workflow-tree.js';

/** The transport, with `CAPABILITY_MISSING` (exit 10) when it has no workflows. */
export function workflowTransport(
  connection: Connection,
  neededBy: string,
): TransportWith<'workflows'> {
  const { transport } = connection;
  requireCapability(transport, 'workflows', neededBy);
  return transport as TransportWith<'workflows'>;
}

function workflowNotFound(id: string): CliError {
  return new CliError(
    'NOT_FOUND',
    `No workflow ${JSON.stringify(id)}: it never started, or it finished and its record expired (the result TTL). Check the id your producer logged (handle.id).`,
  );
}

async function getRecord(workflows: TransportWorkflows, id: string): Promise<WorkflowRecord> {
  const record = await workflows.get(id);
  if (!record) throw workflowNotFound(id);
  return record;
}

/** `conveyor inspect <wf_…>`: the workflow's tree, with each listed step job's attempts. */
export async function inspectWorkflow(
  connection: Connection,
  id: string,
  options: { json?: boolean; all?: boolean; redaction?: Redaction },
  io: Io,
): Promise<void> {
  const { workflows } = workflowTransport(connection, '`conveyor inspect <workflow id>`');
  const redaction = options.redaction ?? SHOW_AS_STORED;
  const record = await getRecord(workflows, id);
  const listing = options.all ? { children: 'all' as const } : {};
  const described = await describeWorkflowWithJobs(connection.transport, record, listing);
  // The input, and each step's result as it is read, as the dashboard shows them.
  described.input = redaction.value(described.input);
  const view: WorkflowView = await addStepResults(workflows, described, (value) =>
    redaction.value(value),
  );
  if (options.json) {
    printJson(io, view);
    return;
  }
  for (const line of describeWorkflowTree(view, Date.now() + connection.clockOffsetMs)) {
    io.stdout(line);
  }
}

export type { WorkflowAction };

/**
 * `conveyor workflows cancel|retry <id>`. Cancel marks the workflow cancelled, then cancels
 * its ready and running step jobs (running ones see `ctx.signal` fire); retry runs a failed
 * workflow again from its failed steps and enqueues their new jobs.
 */
export async function actOnWorkflow(
  connection: Connection,
  action: WorkflowAction,
  id: string,
  options: { json?: boolean },
  io: Io,
): Promise<void> {
  const transport = workflowTransport(connection, `\`conveyor workflows ${action}\``);
  const outcome = await act(transport, id, action);
  if (!outcome.done) {
    if (outcome.status === 'gone') throw workflowNotFound(id);
    throw new CliError('CONFLICT', workflowConflictMessage(id, outcome.status, action));
  }
  const { jobIds } = outcome;
  await recordAction(
    connection,
    {
      action: `workflow.${action}`,
      jobIds,
      detail:
        action === 'cancel' ? { workflow: id, cancelledJobs: jobIds.length } : { workflow: id },
    },
    io,
  );
  const name = terminalText(JSON.stringify(id));
  if (action === 'cancel') {
    if (options.json) printJson(io, { workflow: id, status: 'cancelled', cancelledJobs: jobIds });
    else
      io.stdout(
        `Cancelled workflow ${name}: ${jobIds.length} step job${jobIds.length === 1 ? '' : 's'} cancelled; no step starts after this.`,
      );
    return;
  }
  if (options.json) printJson(io, { workflow: id, status: 'running', enqueuedJobs: jobIds });
  else
    io.stdout(
      `Retrying workflow ${name} from its failed step: enqueued ${jobIds.map(terminalText).join(', ')}. Completed steps keep their results.`,
    );
}

/**
 * `conveyor workflows list` (`--status running`, the default): the running workflows in the
 * order they began to run, with the stage each is in and how long since each changed. The
 * other statuses are listed by `listEndedWorkflowsCommand` (ended-workflows.ts).
 */
export async function listWorkflows(
  connection: Connection,
  options: { json?: boolean; limit: number },
  io: Io,
): Promise<void> {
  const transport = workflowTransport(connection, '`conveyor workflows list`');
  const page = await listRunningWorkflows(transport, { limit: options.limit });
  if (options.json) {
    printJson(io, { workflows: page.workflows, more: page.next !== undefined });
    return;
  }
  if (page.workflows.length === 0) {
    io.stdout('No workflow is running.');
    return;
  }
  const now = Date.now() + connection.clockOffsetMs;
  for (const line of renderTable(page.workflows, [
    { header: 'ID', value: (w) => w.id },
    { header: 'WORKFLOW', value: (w) => w.name },
    { header: 'STAGE', value: (w) => `${w.stage + 1}/${w.stages}`, align: 'right' },
    {
      header: 'STEPS',
      value: (w) => w.steps.map((step) => `${step.name} ${step.state}`).join(', '),
    },
    { header: 'CHANGED', value: (w) => `${formatDuration(now - w.updatedAt)} ago` },
    { header: 'STARTED', value: (w) => `${formatDuration(now - w.createdAt)} ago` },
  ])) {
    io.stdout(line);
  }
  if (page.next !== undefined) {
    io.stdout(
      // A page can hold fewer than --limit (runs that ended between the listing and the read).
      `More are running: these are the ones that started first; raise --limit (now ${options.limit}) to see more.`,
    );
  }
}
