import { AUDIT_LIMITS, type TransportAdmin } from '@conveyor/core';
import { pausedQueuesAmong } from '@conveyor/core/transport';
import { recordAction } from '../audit-trail.js';
import type { AdminConnection } from '../connection.js';
import { CliError } from '../errors.js';
import { type FollowUp, followUp as noFlags } from '../follow-up.js';
import { noteOnInterrupt } from '../interrupt-note.js';
import { type Io, isUnreadable, namedList, printJson, renderTable } from '../output.js';
import { pausedLines } from '../paused-note.js';
import { noteUnknownQueue } from '../queue-names.js';
import { queueLabel, storedQueuesFor } from '../stored-queues.js';
import { terminalText } from '../terminal-text.js';
import { unreadQueuesLine } from '../unread-queues.js';
import { DEAD_PAGE, deadPages, StepJobs, UnreadableJobs } from './dead-pages.js';
import { PROGRESS_EVERY, progressOf } from './dead-progress.js';
import { notFailedLine, notFailedWorkflows } from './settled-workflows.js';

export interface RetryAllDeadOptions {
  json?: boolean;
  /** Do not ask (required when stdin is not a terminal). */
  yes?: boolean;
  /** Count what a retry would do, and change nothing. */
  dryRun?: boolean;
  followUp?: FollowUp;
}

export { DEAD_PAGE } from './dead-pages.js';
export { PROGRESS_EVERY } from './dead-progress.js';

/** Workflow ids, each once, in the order of the lists given. */
const distinct = (lists: ReadonlyArray<readonly string[]>) => [...new Set(lists.flat())];

/** What one stored queue's dead-letter set holds for a retry. */
interface DeadSurvey {
  queue: string;
  /** Dead jobs a retry moves back to waiting. */
  retriable: number;
  /** The step jobs a retry leaves dead. */
  steps: StepJobs;
  /** The jobs a retry leaves dead because they cannot be read here. */
  unreadable: UnreadableJobs;
}

/**
 * Reads the dead-letter set of each stored queue, a page at a time, and sorts its jobs into
 * those a retry moves and workflow step jobs, which it leaves to their workflows' retry.
 */
async function surveyAll(
  admin: TransportAdmin,
  stored: readonly string[],
  progress: (read: number) => void,
): Promise<DeadSurvey[]> {
  const surveys: DeadSurvey[] = [];
  let read = 0;
  for (const queue of stored) {
    const survey: DeadSurvey = {
      queue,
      retriable: 0,
      steps: new StepJobs(),
      unreadable: new UnreadableJobs(),
    };
    for await (const jobs of deadPages(admin, queue)) {
      for (const job of jobs) {
        if (isUnreadable(job)) survey.unreadable.add(job.id);
        else if (job.envelope.workflow) survey.steps.add(job.envelope.workflow.id);
        else survey.retriable++;
      }
      read += jobs.length;
      progress(read);
    }
    surveys.push(survey);
  }
  return surveys;
}

/**
 * Retries the dead jobs of one stored queue except its workflow step jobs (a step job's
 * retry would not run it again: its workflow recorded the step's failure; see `retryJob`),
 * a page at a time ({@link deadPages}): each page's other jobs are retried by id before the
 * next page is read. Each job dead when the run reaches it is retried once; one that dies
 * again meanwhile is not retried twice. `onPage` gets the jobs read and retried so far.
 */
async function retryDeadJobs(
  admin: TransportAdmin,
  queue: string,
  onPage: (read: number, retried: number) => void,
): Promise<{
  read: number;
  retried: number;
  steps: StepJobs;
  unreadable: UnreadableJobs;
  /** The ids sent to be retried, for the audit log (at most its cap). */
  sent: string[];
}> {
  const sent: string[] = [];
  let retried = 0;
  let read = 0;
  const steps = new StepJobs();
  const unreadable = new UnreadableJobs();
  for await (const jobs of deadPages(admin, queue)) {
    const ids: string[] = [];
    for (const job of jobs) {
      if (isUnreadable(job)) unreadable.add(job.id);
      else if (job.envelope.workflow) steps.add(job.envelope.workflow.id);
      else ids.push(job.id);
    }
    // Ids no longer dead (retried or purged by someone else since the read) are not counted.
    if (ids.length > 0) retried += await admin.retryDead(queue, ids);
    sent.push(...ids.slice(0, AUDIT_LIMITS.jobIds - sent.length));
    read += jobs.length;
    onPage(read, retried);
  }
  return { read, retried, steps, unreadable, sent };
}

const jobs = (count: number, what = 'dead job') => `${count} ${what}${count === 1 ? '' : 's'}`;

/**
 * `Skipped 2 workflow step jobs, left dead: … Retry their workflows with …: wf_a, wf_b.`
 * (`Would skip` in a dry run); undefined when there were none.
 */
function skippedLine(
  count: number,
  workflows: readonly string[],
  dryRun: boolean,
  followUp: FollowUp,
) {
  if (count === 0) return undefined;
  const verb = dryRun ? 'Would skip' : 'Skipped';
  const skipped = `${verb} ${jobs(count, 'workflow step job')}, left dead: \`conveyor retry\` would not run them again.`;
  // Every one's workflow is no longer failed: the line after says so.
  if (workflows.length === 0) return skipped;
  return terminalText(
    `${skipped} Retry their workflow${workflows.length === 1 ? '' : 's'} with \`${followUp.command`workflows retry <id>`}\`${followUp.note}: ${namedList(workflows, 'workflows')}.`,
  );
}

/**
 * `Left 1 dead job this CLI cannot read: emails:x. …` (`Would leave` in a dry run);
 * undefined when there were none.
 */
function unreadableLine(
  unreadable: UnreadableJobs,
  queue: string,
  dryRun: boolean,
  followUp: FollowUp,
): string | undefined {
  const { count, ids } = unreadable;
  if (count === 0) return undefined;
  const more = count > ids.length ? `, … (${count} jobs)` : '';
  const verb = dryRun ? 'Would leave' : 'Left';
  return terminalText(
    `${verb} ${jobs(count)} this CLI cannot read, which a worker like it would only dead-letter again: ${ids.join(', ')}${more}. \`${followUp.command`dead ${queue}`}\`${followUp.note} says why.`,
  );
}

/**
 * `conveyor retry --all-dead --queue q`: moves every dead job of a queue (of a partitioned
 * queue, of each partition) back to waiting, but workflow step jobs, which it counts and
 * leaves to `conveyor workflows retry`. As `purge` does, it asks first on a terminal and
 * refuses with the count otherwise (exit 5), unless `--yes` or there is nothing to retry.
 * `--dry-run` counts what it would retry and skip, and changes nothing. Each reads and
 * retries {@link DEAD_PAGE} jobs at a time, whatever the size of the dead-letter set, and
 * says how far it got on stderr every {@link PROGRESS_EVERY} jobs.
 */
export async function retryAllDead(
  connection: AdminConnection,
  queue: string,
  options: RetryAllDeadOptions,
  io: Io,
): Promise<void> {
  const { admin } = connection;
  const followUp = options.followUp ?? noFlags();
  const stored = await storedQueuesFor(admin, queue);
  const label = queueLabel(queue, stored);
  if (options.dryRun) {
    await previewRetry(connection, queue, stored, { ...options, followUp }, io);
    return;
  }
  if (!options.yes) {
    const counting = await progressOf(admin, stored, `Counting dead jobs of queue ${label}`, io);
    const surveys = await surveyAll(admin, stored, counting);
    const retriable = surveys.reduce((sum, s) => sum + s.retriable, 0);
    const steps = surveys.reduce((sum, s) => sum + s.steps.count, 0);
    const left =
      steps === 0
        ? ''
        : ` (${jobs(steps, 'workflow step job')} stay${steps === 1 ? 's' : ''} dead)`;
    const what = `${jobs(retriable)} of queue ${label}${left}`;
    // Nothing to retry is nothing to confirm, on a terminal or not (as purge): the retry
    // below reports 0. A refusal gives the count, which it left out, as purge's does.
    if (retriable > 0 && !io.interactive) {
      const yes = followUp.command`retry --all-dead --queue ${queue} --yes`;
      throw new CliError(
        'REFUSED',
        `Refusing to retry ${what} without confirmation: stdin is not a terminal. Pass --yes to retry them (\`${yes}\`${followUp.note}), or --dry-run to see what it would retry.`,
      );
    }
    if (retriable > 0 && !(await io.confirm(`Retry ${what}? [y/N] `))) {
      throw new CliError('REFUSED', `Not retried: queue ${label} is unchanged.`);
    }
  }
  const progress = await progressOf(
    admin,
    stored,
    `Retrying dead jobs of queue ${label}`,
    io,
    (done, total) =>
      `Interrupted: ${done} of about ${total} dead jobs of queue ${label} retried; run the same command again to continue.`,
  );
  const partitions: Array<{ queue: string; retried: number; skippedStepJobs: number }> = [];
  const workflowLists: string[][] = [];
  const unreadable = new UnreadableJobs();
  let stepJobs = 0;
  let read = 0;
  let retried = 0;
  const sent: string[] = [];
  for (const name of stored) {
    const [readBefore, retriedBefore] = [read, retried];
    const done = await retryDeadJobs(admin, name, (pageRead, pageRetried) =>
      progress(readBefore + pageRead, retriedBefore + pageRetried),
    );
    partitions.push({ queue: name, retried: done.retried, skippedStepJobs: done.steps.count });
    workflowLists.push(done.steps.workflows());
    sent.push(...done.sent);
    unreadable.addAll(done.unreadable);
    stepJobs += done.steps.count;
    read += done.read;
    retried += done.retried;
  }
  noteOnInterrupt(undefined);
  await recordAction(
    connection,
    { action: 'dead.retry', queue, jobIds: sent, detail: { retried, skippedStepJobs: stepJobs } },
    io,
  );
  const workflows = distinct(workflowLists);
  if (retried === 0 && stepJobs === 0 && unreadable.count === 0) {
    await noteUnknownQueue(admin, queue, io);
  }
  const into = partitions.filter((p) => p.retried > 0).map((p) => p.queue);
  const paused = await pausedQueuesAmong(admin, into);
  if (options.json) {
    printJson(io, {
      queue,
      retried,
      paused,
      // The fields of --dry-run's answer, so that a script reads both the same way.
      skippedStepJobs: stepJobs,
      workflows,
      ...(unreadable.count > 0 ? { skippedUnreadable: unreadable.count } : {}),
      ...(label === queue ? {} : { partitions }),
    });
    return;
  }
  io.stdout(`Retried ${jobs(retried)} of queue ${label}.`);
  const settled = await notFailedWorkflows(connection.transport, workflows);
  const skipped = skippedLine(stepJobs, without(workflows, settled), false, followUp);
  if (skipped) io.stdout(skipped);
  const done = notFailedLine(settled, queue, false, followUp);
  if (done) io.stdout(done);
  const left = unreadableLine(unreadable, queue, false, followUp);
  if (left) io.stdout(left);
  const given = label === queue ? undefined : queue;
  for (const line of pausedLines(paused, into, retried, followUp, given, 'retried')) {
    io.stdout(line);
  }
  const unread = await unreadQueuesLine(admin, into, Date.now() + connection.clockOffsetMs);
  if (unread) io.stdout(unread);
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
  const label = queueLabel(queue, stored);
  const counting = await progressOf(admin, stored, `Counting dead jobs of queue ${label}`, io);
  const surveys = await surveyAll(admin, stored, counting);
  const wouldRetry = surveys.reduce((sum, s) => sum + s.retriable, 0);
  const stepJobs = surveys.reduce((sum, s) => sum + s.steps.count, 0);
  const workflows = distinct(surveys.map((s) => s.steps.workflows()));
  const unreadable = new UnreadableJobs();
  for (const survey of surveys) unreadable.addAll(survey.unreadable);
  if (wouldRetry === 0 && stepJobs === 0 && unreadable.count === 0) {
    await noteUnknownQueue(admin, queue, io);
  }
  const partitioned = label !== queue;
  const partitions = surveys.map((s) => ({
    queue: s.queue,
    wouldRetry: s.retriable,
    skippedStepJobs: s.steps.count,
  }));
  if (options.json) {
    printJson(io, {
      queue,
      dryRun: true,
      wouldRetry,
      skippedStepJobs: stepJobs,
      workflows,
      ...(unreadable.count > 0 ? { skippedUnreadable: unreadable.count } : {}),
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
  const settled = await notFailedWorkflows(connection.transport, workflows);
  const skipped = skippedLine(stepJobs, without(workflows, settled), true, options.followUp);
  if (skipped) io.stdout(skipped);
  const done = notFailedLine(settled, queue, true, options.followUp);
  if (done) io.stdout(done);
  const left = unreadableLine(unreadable, queue, true, options.followUp);
  if (left) io.stdout(left);
  const { command, note } = options.followUp;
  io.stdout(
    wouldRetry === 0
      ? 'Nothing was changed.'
      : `Nothing was changed. To retry them: \`${command`retry --all-dead --queue ${queue} --yes`}\`${note}.`,
  );
}

/** `workflows` but those in `settled`: the ones a `workflows retry` can still act on. */
function without(workflows: readonly string[], settled: ReadonlyArray<{ id: string }>): string[] {
  const gone = new Set(settled.map((w) => w.id));
  return workflows.filter((id) => !gone.has(id));
}
