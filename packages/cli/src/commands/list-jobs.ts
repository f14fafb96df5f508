import {
  type EndedListState,
  isEndedListState,
  JOB_LIST_STATES,
  type JobListState,
  type JobRecord,
  type TransportAdmin,
} from '@conveyor/core';
import {
  type MergeCursor,
  mergeJobPages,
  nearestName,
  parseMergeCursor,
} from '@conveyor/core/transport';
import type { AdminConnection } from '../connection.js';
import { CliError, usageError } from '../errors.js';
import { type FollowUp, followUp as noFlags } from '../follow-up.js';
import {
  errorLine,
  formatTime,
  type Io,
  isUnreadable,
  printJson,
  renderTable,
  taskCell,
  unreadableNote,
} from '../output.js';
import { noteUnknownQueue } from '../queue-names.js';
import { type Redaction, SHOW_AS_STORED } from '../redaction.js';
import { queueLabel, storedQueuesFor } from '../stored-queues.js';
import { terminalText } from '../terminal-text.js';
import { cutDeepRecords } from '../value-depth.js';

/** The states `conveyor jobs --state` lists, as the transport's `admin.listJobs` does. */
export const LIST_STATES: readonly JobListState[] = JOB_LIST_STATES;

export interface ListJobsCommandOptions {
  state: JobListState;
  task?: string;
  limit: number;
  cursor?: string;
  json?: boolean;
  followUp?: FollowUp;
  /** What `--json` prints of each job's input, progress and result. */
  redaction?: Redaction;
}

/** The time column of each state: when the job was enqueued, is due, started or ended. */
const TIME_COLUMN: Record<
  Exclude<JobListState, EndedListState>,
  [header: string, at: (job: JobRecord) => number | undefined]
> = {
  // An unreadable job has no enqueue time (its record's is 0), as `inspect` shows it: none.
  waiting: ['ENQUEUED', (job) => (isUnreadable(job) ? undefined : job.enqueuedAt)],
  delayed: ['DUE', (job) => job.dueAt],
  active: ['STARTED', (job) => job.startedAt],
  dead: ['DIED', (job) => job.finishedAt],
  finished: ['FINISHED', (job) => job.finishedAt],
};

/** States whose jobs may carry an error: the ERROR column's. */
const WITH_ERRORS: ReadonlySet<JobListState> = new Set(['dead', 'finished', 'failed', 'cancelled']);

/**
 * `conveyor jobs <queue>`: a page of the queue's jobs in one state, newest first, as the
 * dashboard lists them; of a partitioned queue, newest first across its partitions
 * (`mergeQueues`). `--cursor` takes the page after the one that printed it.
 */
export async function listJobs(
  connection: AdminConnection,
  queue: string,
  options: ListJobsCommandOptions,
  io: Io,
): Promise<void> {
  const { admin } = connection;
  const { state, task, limit } = options;
  const stored = await storedQueuesFor(admin, queue);
  // A cursor names the stored queues by their place among this queue's: one printed for
  // another queue, or before its partitions changed, is refused.
  const from = options.cursor === undefined ? undefined : parseMergeCursor(options.cursor, stored);
  if (options.cursor !== undefined && from === undefined) {
    throw usageError(
      '--cursor',
      options.cursor,
      `the cursor the previous page of ${queue} printed (its partitions may have changed since: start again without --cursor)`,
    );
  }
  const { jobs, next: cursor } = await mergeJobPages(admin, stored, from, {
    state,
    limit,
    ...(task === undefined ? {} : { task }),
  }).catch(async (error: unknown) => {
    // A queue's own cursor inside it the transport refuses: one of a page in another state.
    if (from === undefined || !isCursorRefusal(error)) throw error;
    throw await cursorOfOtherState(admin, from, options.cursor as string, queue, state, error);
  });
  // A typo lists nothing, and says so: the name reads as a queue with no such jobs otherwise.
  if (jobs.length === 0 && from === undefined) await noteUnknownQueue(admin, queue, io);
  if (jobs.length === 0 && from === undefined && task !== undefined) {
    await noteUnknownTask(admin, task, io);
  }
  if (options.json) {
    const redaction = options.redaction ?? SHOW_AS_STORED;
    const { records, notes } = cutDeepRecords(jobs.map((job) => redaction.record(job)));
    printJson(io, { queue, state, jobs: records, next: cursor ?? null });
    for (const note of notes) io.stderr(note);
    return;
  }
  const label = queueLabel(queue, stored);
  const which = task === undefined ? '' : ` of task ${task}`;
  if (jobs.length === 0) {
    io.stdout(
      terminalText(`No ${state} jobs${which} in ${label}${from ? ' after that cursor' : ''}.`),
    );
    return;
  }
  const now = Date.now();
  // One final state of the finished jobs has the finished list's columns.
  const [timeHeader, timeOf] = TIME_COLUMN[isEndedListState(state) ? 'finished' : state];
  const table = renderTable(jobs, [
    { header: 'ID', value: (job) => job.id },
    { header: 'TASK', value: taskCell },
    ...(state === 'finished' ? [{ header: 'STATE', value: (job: JobRecord) => job.state }] : []),
    { header: 'PRIORITY', value: (job) => job.envelope.priority },
    { header: 'ATTEMPTS', value: (job) => job.attempts },
    { header: timeHeader, value: (job) => formatTime(timeOf(job), now) },
    ...(WITH_ERRORS.has(state)
      ? [{ header: 'ERROR', value: (job: JobRecord) => errorLine(job) }]
      : []),
  ]);
  for (const line of table) io.stdout(line);
  const { command, note } = options.followUp ?? noFlags();
  io.stdout('');
  const unreadable = unreadableNote(jobs, command`inspect <job-id>`);
  if (unreadable) io.stdout(terminalText(unreadable));
  const shown = `${jobs.length} ${state} job${jobs.length === 1 ? '' : 's'}${which} of ${label}, newest first${stored.length > 1 ? ' across its partitions' : ''}.`;
  if (cursor === undefined) {
    io.stdout(terminalText(`${shown} No more.`));
    return;
  }
  // With the page's --limit: after a --limit 3 page, the next one was of 50.
  const perPage = String(limit);
  const more =
    task === undefined
      ? command`jobs ${queue} --state ${state} --limit ${perPage} --cursor ${cursor}`
      : command`jobs ${queue} --state ${state} --task ${task} --limit ${perPage} --cursor ${cursor}`;
  io.stdout(terminalText(`${shown} Next page: \`${more}\`${note}.`));
}

/** The transport's INVALID_OPTION for a `cursor` it did not write for the state asked. */
function isCursorRefusal(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    code === 'INVALID_OPTION' && typeof message === 'string' && /^Invalid cursor /.test(message)
  );
}

/**
 * The error for a `--cursor` whose queue cursors the transport refuses in `state`: the
 * `next` of a page in another state. Which one, when exactly one other state takes the
 * cursor of its first queue (a page of one job each, read on this error only).
 */
async function cursorOfOtherState(
  admin: TransportAdmin,
  from: MergeCursor,
  text: string,
  queue: string,
  state: JobListState,
  error: unknown,
): Promise<CliError> {
  const read = from.queues.find((entry) => entry.from !== undefined);
  const taken = await Promise.all(
    LIST_STATES.filter((other) => other !== state).map(async (other) => {
      if (read?.from === undefined) return undefined;
      const cursor = read.from.cursor;
      return admin.listJobs(read.queue, { state: other, limit: 1, cursor }).then(
        () => other,
        () => undefined,
      );
    }),
  );
  const states = taken.filter((other) => other !== undefined);
  const [other] = states;
  const message =
    states.length === 1 && other !== undefined
      ? `Invalid --cursor ${JSON.stringify(text)}: it is the next of a page of ${other} jobs of ${queue}, not ${state} ones. Pass --state ${other} to read on from it, or start again without --cursor.`
      : `Invalid --cursor ${JSON.stringify(text)}: expected the next of a page of ${state} jobs of ${queue}; it is of another state. Pass the --state of the page that printed it, or start again without --cursor.`;
  return new CliError('USAGE', message, { cause: error });
}

/**
 * `--task` naming a task no live worker runs: a note with the nearest name one does run
 * (`sendEmial` read as a task with no jobs). Quiet when no worker is live: nothing to go by.
 */
async function noteUnknownTask(admin: TransportAdmin, task: string, io: Io): Promise<void> {
  const known = [...new Set((await admin.listWorkers()).flatMap((worker) => worker.tasks))];
  if (known.length === 0 || known.includes(task)) return;
  const near = nearestName(task, known);
  io.stderr(
    terminalText(
      `note: No live worker runs a task named ${JSON.stringify(task)}${near === undefined ? '' : ` (did you mean ${near}?)`}.`,
    ),
  );
}
