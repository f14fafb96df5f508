import type { TransportAdmin } from '@conveyor/core';
import type { AdminConnection } from '../connection.js';
import { CliError } from '../errors.js';
import { type FollowUp, followUp as noFlags } from '../follow-up.js';
import { type Io, printJson, renderTable } from '../output.js';
import { noteUnknownQueue } from '../queue-names.js';
import { queueLabel, storedQueuesFor } from '../stored-queues.js';
import { terminalText } from '../terminal-text.js';

export interface RetryAllDeadOptions {
  json?: boolean;
  /** Do not ask (required when stdin is not a terminal). */
  yes?: boolean;
  /** Count what a retry would do, and change nothing. */
  dryRun?: boolean;
  followUp?: FollowUp;
}

/** Dead jobs read per call while reading a queue's dead-letter set. */
const DEAD_PAGE = 200;

/** What one stored queue's dead-letter set holds for a retry. */
interface DeadSurvey {
  queue: string;
  /** Dead jobs a retry moves back to waiting. */
  retriable: number;
  /** The workflow id of each step job a retry leaves dead. */
  steps: string[];
}

/**
 * Reads the dead-letter set of one stored queue, a page at a time, and sorts its jobs into
 * those a retry moves and workflow step jobs, which it leaves to their workflows' retry.
 * Reads at most as many jobs as were dead at the start.
 */
async function surveyDead(admin: TransportAdmin, queue: string): Promise<DeadSurvey> {
  const survey: DeadSurvey = { queue, retriable: 0, steps: [] };
  let total: number | undefined;
  for (let offset = 0; total === undefined || offset < total; ) {
    const page = await admin.listDead(queue, { offset, limit: DEAD_PAGE });
    total ??= page.total;
    if (page.jobs.length === 0) break;
    offset += page.jobs.length;
    for (const job of page.jobs) {
      if (job.envelope.workflow) survey.steps.push(job.envelope.workflow.id);
      else survey.retriable++;
    }
  }
  return survey;
}

/** {@link surveyDead} of each stored queue, one after the other. */
async function surveyAll(admin: TransportAdmin, stored: readonly string[]) {
  const surveys: DeadSurvey[] = [];
  for (const name of stored) surveys.push(await surveyDead(admin, name));
  return surveys;
}

/**
 * Retries the dead jobs of one stored queue except its workflow step jobs (a step job's
 * retry would not run it again: its workflow recorded the step's failure; see `retryJob`),
 * a page at a time, oldest first. The step jobs stay dead, so each page starts after those
 * left before it. Reads at most as many jobs as were dead at the start: one that dies again
 * meanwhile is not retried twice.
 */
async function retryDeadJobs(
  admin: TransportAdmin,
  queue: string,
): Promise<{ retried: number; steps: string[] }> {
  let retried = 0;
  let offset = 0;
  let read = 0;
  let total: number | undefined;
  /** The workflow id of each step job left dead. */
  const steps: string[] = [];
  while (total === undefined || read < total) {
    const page = await admin.listDead(queue, { offset, limit: DEAD_PAGE });
    total ??= page.total;
    if (page.jobs.length === 0) break;
    read += page.jobs.length;
    const ids: string[] = [];
    for (const job of page.jobs) {
      if (job.envelope.workflow) steps.push(job.envelope.workflow.id);
      else ids.push(job.id);
    }
    const moved = ids.length === 0 ? 0 : await admin.retryDead(queue, ids);
    retried += moved;
    offset += page.jobs.length - moved;
  }
  return { retried, steps };
}

/** Workflow ids a message names before it says `…`. */
const WORKFLOWS_NAMED = 5;

const jobs = (count: number, what = 'dead job') => `${count} ${what}${count === 1 ? '' : 's'}`;

/**
 * `Skipped 2 workflow step jobs, left dead: … Retry their workflows with …: wf_a, wf_b.`
 * (`Would skip` in a dry run); undefined when there were none.
 */
function skippedLine(steps: readonly string[], dryRun: boolean, followUp: FollowUp) {
  if (steps.length === 0) return undefined;
  const workflows = [...new Set(steps)];
  const named = workflows.slice(0, WORKFLOWS_NAMED).join(', ');
  const more = workflows.length > WORKFLOWS_NAMED ? `, … (${workflows.length} workflows)` : '';
  const verb = dryRun ? 'Would skip' : 'Skipped';
  return terminalText(
    `${verb} ${jobs(steps.length, 'workflow step job')}, left dead: \`conveyor retry\` would not run them again. Retry their workflow${workflows.length === 1 ? '' : 's'} with \`${followUp.command`workflows retry <id>`}\`${followUp.note}: ${named}${more}.`,
  );
}

/**
 * `conveyor retry --all-dead --queue q`: moves every dead job of a queue (of a partitioned
 * queue, of each partition) back to waiting, but workflow step jobs, which it counts and
 * leaves to `conveyor workflows retry`. As `purge` does, it asks first on a terminal (unless
 * `--yes`, or there is nothing to retry) and refuses without `--yes` otherwise (exit 5).
 * `--dry-run` counts what it would retry and skip, and changes nothing.
 */
export async function retryAllDead(
  connection: AdminConnection,
  queue: string,
  options: RetryAllDeadOptions,
  io: Io,
): Promise<void> {
  const { admin } = connection;
  const followUp = options.followUp ?? noFlags();
  if (!options.dryRun && !options.yes && !io.interactive) {
    throw new CliError(
      'REFUSED',
      `Refusing to retry the dead jobs of queue ${queue} without confirmation: stdin is not a terminal. Pass --yes to retry them, or --dry-run to count them.`,
    );
  }
  const stored = await storedQueuesFor(admin, queue);
  const label = queueLabel(queue, stored);
  if (options.dryRun) {
    await previewRetry(connection, queue, stored, { ...options, followUp }, io);
    return;
  }
  if (!options.yes) {
    const surveys = await surveyAll(admin, stored);
    const retriable = surveys.reduce((sum, s) => sum + s.retriable, 0);
    const steps = surveys.reduce((sum, s) => sum + s.steps.length, 0);
    const left =
      steps === 0
        ? ''
        : ` (${jobs(steps, 'workflow step job')} stay${steps === 1 ? 's' : ''} dead)`;
    // Nothing to retry is nothing to confirm: the retry below reports 0.
    if (
      retriable > 0 &&
      !(await io.confirm(`Retry ${jobs(retriable)} of queue ${label}${left}? [y/N] `))
    ) {
      throw new CliError('REFUSED', `Not retried: queue ${label} is unchanged.`);
    }
  }
  const partitions: Array<{ queue: string; retried: number }> = [];
  const steps: string[] = [];
  for (const name of stored) {
    const done = await retryDeadJobs(admin, name);
    partitions.push({ queue: name, retried: done.retried });
    steps.push(...done.steps);
  }
  const retried = partitions.reduce((sum, p) => sum + p.retried, 0);
  if (retried === 0 && steps.length === 0) await noteUnknownQueue(admin, queue, io);
  if (options.json) {
    printJson(io, {
      queue,
      retried,
      ...(steps.length > 0
        ? { skippedStepJobs: steps.length, workflows: [...new Set(steps)] }
        : {}),
      ...(label === queue ? {} : { partitions }),
    });
    return;
  }
  io.stdout(`Retried ${jobs(retried)} of queue ${label}.`);
  const skipped = skippedLine(steps, false, followUp);
  if (skipped) io.stdout(skipped);
}

/**
 * `--dry-run`: how many dead jobs the retry would move, per partition of a partitioned
 * queue, and how many workflow step jobs it would leave dead (and whose); nothing changes.
 */
async function previewRetry(
  connection: AdminConnection,
  queue: string,
  stored: readonly string[],
  options: RetryAllDeadOptions & { followUp: FollowUp },
  io: Io,
): Promise<void> {
  const { admin } = connection;
  const surveys = await surveyAll(admin, stored);
  const wouldRetry = surveys.reduce((sum, s) => sum + s.retriable, 0);
  const steps = surveys.flatMap((s) => s.steps);
  if (wouldRetry === 0 && steps.length === 0) await noteUnknownQueue(admin, queue, io);
  const label = queueLabel(queue, stored);
  const partitioned = label !== queue;
  const partitions = surveys.map((s) => ({
    queue: s.queue,
    wouldRetry: s.retriable,
    skippedStepJobs: s.steps.length,
  }));
  if (options.json) {
    printJson(io, {
      queue,
      dryRun: true,
      wouldRetry,
      skippedStepJobs: steps.length,
      workflows: [...new Set(steps)],
      ...(partitioned ? { partitions } : {}),
    });
    return;
  }
  io.stdout(`Dry run: would retry ${jobs(wouldRetry)} of queue ${label}.`);
  if (partitioned) {
    const table = renderTable(partitions, [
      { header: 'PARTITION', value: (p) => p.queue },
      { header: 'WOULD RETRY', value: (p) => p.wouldRetry },
      { header: 'STEP JOBS SKIPPED', value: (p) => p.skippedStepJobs },
    ]);
    for (const line of table) io.stdout(`  ${line}`);
  }
  const skipped = skippedLine(steps, true, options.followUp);
  if (skipped) io.stdout(skipped);
  const { command, note } = options.followUp;
  io.stdout(
    wouldRetry === 0
      ? 'Nothing was changed.'
      : `Nothing was changed. To retry them: \`${command`retry --all-dead --queue ${queue}`}\`${note}.`,
  );
}
