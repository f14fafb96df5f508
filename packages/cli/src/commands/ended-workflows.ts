import { type EndedWorkflow, type EndedWorkflowStatus, listEndedWorkflows } from '@conveyor/core';
import type { Connection } from '../connection.js';
import { CliError } from '../errors.js';
import type { FollowUp } from '../follow-up.js';
import {
  type Column,
  formatDuration,
  type Io,
  jobErrorLine,
  printJson,
  renderTable,
} from '../output.js';
import { terminalText } from '../terminal-text.js';
import { workflowTransport } from './workflows.js';

/** `charge #321`: the step that failed, with its child's index when it is a map's child. */
function stepCell(failure: EndedWorkflow['failure']): string {
  if (!failure) return '-';
  return failure.child === undefined ? failure.step : `${failure.step} #${failure.child}`;
}

/**
 * The ERROR cell: the failure's error, then a compensation that failed after it (the undo
 * did not happen), e.g. `DECLINED: card declined; compensation reject failed: comp broke`.
 * Each error is cut as a job's is in a table.
 */
function errorCell(w: EndedWorkflow): string {
  const failed = w.failure ? jobErrorLine(w.failure.error) : '-';
  if (!w.compensation) return failed;
  const { step, error } = w.compensation;
  return `${failed}; compensation ${terminalText(step)} failed: ${jobErrorLine(error)}`;
}

/**
 * `conveyor workflows list --status failed|compensated|cancelled|completed`: the workflows
 * that ended with that status and are still kept, the most recently ended first, with the
 * step whose failure ended a failed or compensated one and its error. Pages as the running
 * list does: `--limit` of them, and a line (or `more` in JSON) when there are more.
 */
export async function listEndedWorkflowsCommand(
  connection: Connection,
  options: { status: EndedWorkflowStatus; json?: boolean; limit: number; followUp: FollowUp },
  io: Io,
): Promise<void> {
  const { status, limit, followUp } = options;
  const transport = workflowTransport(connection, `\`conveyor workflows list --status ${status}\``);
  // `ended` came after `running` [W15b]: a transport written before it lists only those.
  if (typeof transport.workflows.ended !== 'function') {
    throw new CliError(
      'CAPABILITY_MISSING',
      terminalText(
        `The transport ${JSON.stringify(transport.name)} cannot list ended workflows: its transport.workflows has no ended(). \`conveyor workflows list\` lists the running ones; \`conveyor inspect <id>\` shows any kept workflow.`,
      ),
    );
  }
  const page = await listEndedWorkflows(transport, { status, limit });
  if (options.json) {
    printJson(io, { workflows: page.workflows, more: page.next !== undefined });
    return;
  }
  if (page.workflows.length === 0) {
    // The CLI cannot read the transport's result TTL: it says what rules, not how long. The
    // transport's (defaultResultTtlMs), not a task's resultTtl: that one keeps a job's result.
    const retried = status === 'failed' ? ', and a retried one is running again' : '';
    io.stdout(
      `No ${status} workflow is kept: a finished workflow's record is kept for the transport's result TTL (defaultResultTtlMs, 24 h by default) after it ends${retried}.`,
    );
    return;
  }
  const now = Date.now() + connection.clockOffsetMs;
  const columns: Column<EndedWorkflow>[] = [
    { header: 'ID', value: (w) => w.id },
    { header: 'WORKFLOW', value: (w) => w.name },
    { header: 'FINISHED', value: (w) => `${formatDuration(now - w.finishedAt)} ago` },
    { header: 'STARTED', value: (w) => `${formatDuration(now - w.createdAt)} ago` },
  ];
  if (status === 'failed' || status === 'compensated') {
    columns.push(
      { header: 'STEP', value: (w) => stepCell(w.failure) },
      { header: 'ERROR', value: errorCell },
    );
  }
  for (const line of renderTable(page.workflows, columns)) io.stdout(line);
  if (page.next !== undefined) {
    io.stdout(
      // A page can hold fewer than --limit (runs retried between the listing and the read).
      `More ${status} workflows are kept: these are the ones that ended last; raise --limit (now ${limit}) to see more.`,
    );
  }
  if (status === 'failed') {
    io.stdout(
      `Retry one from its failed step with \`${followUp.command`workflows retry <id>`}\`${followUp.note}; \`${followUp.command`inspect <id>`}\` shows its steps.`,
    );
  }
}
