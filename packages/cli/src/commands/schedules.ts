import {
  createClient,
  findSchedule,
  requireCapability,
  ScheduleNotFoundError,
  type ScheduleRow,
  silentLogger,
  type TransportSchedules,
} from '@conveyor/core';
import { queueOfJobId } from '@conveyor/core/transport';
import { recordAction } from '../audit-trail.js';
import type { Connection } from '../connection.js';
import { CliError } from '../errors.js';
import { type FollowUp, followUp as noFlags } from '../follow-up.js';
import {
  formatDuration,
  type Io,
  isoTime,
  printJson,
  renderTable,
  UNREADABLE_TIME,
} from '../output.js';
import { isUnknownQueue, unknownQueueNote } from '../queue-names.js';
import { type Redaction, SHOW_AS_STORED } from '../redaction.js';
import { ambiguousSchedule } from '../schedule-ambiguous.js';
import { notFiring } from '../schedule-firing.js';
import { scheduleIdHint } from '../schedule-not-found.js';
import { scheduleNotes } from '../schedule-notes.js';
import { checkOrphan, orphanNote } from '../schedule-orphan.js';
import { terminalText } from '../terminal-text.js';

/** Of the queues `--queues` named, one the broker has never seen, with a note saying so. */
export interface UnknownQueue {
  queue: string;
  note: string;
}

/**
 * `conveyor schedules`: every stored schedule, its next fire times and what it last fired.
 * With `queues`, those of the queues named, and a note on each name nothing has used.
 */
export async function listSchedules(
  connection: Connection,
  options: { json?: boolean; queues?: string[]; redaction?: Redaction; followUp?: FollowUp },
  io: Io,
): Promise<void> {
  requireCapability(connection.transport, 'schedules', '`conveyor schedules`');
  const client = createClient({ transport: connection.transport, logger: silentLogger });
  const { queues } = options;
  const [rows, unknownQueues] = await Promise.all([
    client.schedules.list(queues ? { queues } : {}),
    queues ? unknownQueuesOf(connection, queues) : [],
  ]);
  if (options.json) {
    const redaction = options.redaction ?? SHOW_AS_STORED;
    const schedules = rows.map((row) => ({ ...row, input: redaction.value(row.input) }));
    printJson(io, { schedules, ...(unknownQueues.length > 0 ? { unknownQueues } : {}) });
    return;
  }
  const now = Date.now() + connection.clockOffsetMs;
  const { followUp } = options;
  for (const line of describeSchedules(rows, now, { queues, unknownQueues, followUp })) {
    io.stdout(line);
  }
}

/**
 * The names in `queues` that hold no schedule, never held a job and have no worker: a typo
 * reads as a queue without schedules. Only a transport with `admin` can say which queues
 * held jobs; without it, none is called unknown.
 */
async function unknownQueuesOf(
  connection: Connection,
  queues: readonly string[],
): Promise<UnknownQueue[]> {
  const { admin, transport } = connection;
  if (!admin || !transport.schedules) return [];
  const [stored, known, workers] = await Promise.all([
    transport.schedules.list(),
    admin.listQueues(),
    admin.listWorkers(),
  ]);
  const seen = [
    ...known,
    ...workers.flatMap((worker) => worker.queues),
    ...stored.schedules.map((state) => state.spec.queue),
  ];
  return queues
    .filter((queue) => isUnknownQueue(queue, seen))
    .map((queue) => ({ queue, note: unknownQueueNote(queue, seen) }));
}

/** An instant without milliseconds, `2026-03-02T10:05:00Z`. */
function instant(at: number | undefined): string {
  if (at === undefined) return '-';
  return isoTime(at)?.replace(/\.000Z$/, 'Z') ?? UNREADABLE_TIME;
}

/**
 * The human view: one table row per schedule, then notes on orphans. `queues` are those
 * `--queues` named (the rows are theirs), `unknownQueues` the names nothing has used.
 */
export function describeSchedules(
  rows: readonly ScheduleRow[],
  now: number,
  filter: {
    queues?: readonly string[];
    unknownQueues?: readonly UnknownQueue[];
    /** Carries the transport options into the commands the notes suggest. */
    followUp?: FollowUp;
  } = {},
): string[] {
  const notes = (filter.unknownQueues ?? []).map(({ note }) => terminalText(note));
  const unknown = notes.length > 0 ? ['', ...notes] : [];
  if (rows.length === 0 && filter.queues !== undefined) {
    const names = filter.queues.map((queue) => terminalText(queue)).join(', ');
    return [`No schedules in queue${filter.queues.length === 1 ? '' : 's'} ${names}.`, ...unknown];
  }
  if (rows.length === 0) {
    return [
      'No schedules stored. Workers store the schedules their task modules export when they start; client.schedules.upsert() adds one at run time.',
    ];
  }
  const lines = renderTable(rows, [
    { header: 'ID', value: (row) => row.id },
    { header: 'QUEUE', value: (row) => row.queue },
    { header: 'TASK', value: (row) => row.task },
    { header: 'TIMING', value: (row) => row.timing },
    {
      header: 'NEXT FIRE TIMES',
      value: (row) =>
        row.next.length === 0
          ? row.paused
            ? '- (paused)'
            : !row.enabled
              ? '- (disabled)'
              : row.superseded
                ? '- (superseded)'
                : row.orphaned
                  ? '- (orphaned)'
                  : '-'
          : `${row.next.map(instant).join(', ')} (in ${formatDuration((row.next[0] as number) - now)})`,
    },
    {
      header: 'LAST SLOT',
      value: (row) =>
        row.lastSlotAt === undefined
          ? 'never fired'
          : `${instant(row.lastSlotAt)}${lateness(row.lastSlotAt, row.lastFiredAt)}`,
    },
    {
      header: 'LAST JOB',
      value: (row) => row.lastJobState ?? (row.lastJobId === undefined ? '-' : 'gone'),
    },
    {
      header: 'PAUSED',
      value: (row) => (row.paused ? 'yes' : row.enabled ? 'no' : 'disabled'),
    },
    { header: 'ORPHANED', value: (row) => (row.orphaned ? 'yes' : 'no') },
  ]);
  lines.push(...scheduleNotes(rows, filter.followUp ?? noFlags()));
  lines.push(...unknown);
  return lines;
}

/** ` (fired 1.5s late)` when the job was fired a second or more after its slot. */
function lateness(slotAt: number, firedAt: number | undefined): string {
  if (firedAt === undefined || firedAt - slotAt < 1_000) return '';
  return ` (fired ${formatDuration(firedAt - slotAt)} late)`;
}

export type ScheduleAction = 'run-now' | 'pause' | 'resume' | 'remove';

type ActOptions = { json?: boolean; queue?: string; followUp?: FollowUp };

/**
 * `conveyor schedules run-now|pause|resume|remove <id> [--queue q]`. An id no stored
 * schedule has exits 4 naming the nearest stored id, or the queue it is stored in.
 */
export async function actOnSchedule(
  connection: Connection,
  action: ScheduleAction,
  id: string,
  options: ActOptions,
  io: Io,
): Promise<void> {
  const stored = requireCapability(
    connection.transport,
    'schedules',
    `\`conveyor schedules ${action}\``,
  );
  try {
    await act(connection, stored, action, id, options, io);
  } catch (error) {
    const { code, queues } = error as { code?: unknown; queues?: readonly string[] };
    if (code === 'SCHEDULE_AMBIGUOUS' && Array.isArray(queues)) {
      const followUp = options.followUp ?? noFlags();
      throw await ambiguousSchedule(stored, action, id, queues, followUp, error);
    }
    if (code !== 'SCHEDULE_NOT_FOUND') throw error;
    const where =
      options.queue === undefined ? 'in any queue' : `in queue ${JSON.stringify(options.queue)}`;
    const hint = await scheduleIdHint(stored, id, options.queue);
    const rest =
      action === 'remove'
        ? ': nothing was removed. List the stored schedules with `conveyor schedules`.'
        : '. List the stored schedules and their ids with `conveyor schedules`.';
    throw new CliError(
      'NOT_FOUND',
      terminalText(`No schedule ${JSON.stringify(id)} ${where}${hint}${rest}`),
      {
        cause: error,
      },
    );
  }
}

async function act(
  connection: Connection,
  stored: TransportSchedules,
  action: ScheduleAction,
  id: string,
  options: ActOptions,
  io: Io,
): Promise<void> {
  // The client warns when a removed schedule is still declared by a live worker: the
  // removal's own line says so (it comes back); any other warning is a note.
  let declared = false;
  const logger = {
    ...silentLogger,
    warn: (first: unknown, message?: string) => {
      if (
        action === 'remove' &&
        typeof first === 'object' &&
        first !== null &&
        'schedule' in first
      ) {
        declared = true;
      } else io.stderr(`note: ${terminalText(message ?? String(first))}`);
    },
  };
  const { schedules } = createClient({ transport: connection.transport, logger });
  const lookup = options.queue === undefined ? {} : { queue: options.queue };
  const name = terminalText(JSON.stringify(id));
  if (action === 'remove') {
    if (!(await schedules.remove(id, lookup))) throw new ScheduleNotFoundError(id, options.queue);
    await recordAction(
      connection,
      { action: 'schedule.remove', ...lookup, detail: { schedule: id } },
      io,
    );
    const { command, note } = options.followUp ?? noFlags();
    const pause =
      options.queue === undefined
        ? command`schedules pause ${id}`
        : command`schedules pause ${id} --queue ${options.queue}`;
    if (options.json) {
      printJson(io, { schedule: id, ...lookup, removed: true, declaredByLiveWorker: declared });
    } else if (declared) {
      // "Removed" alone read as done, and the schedule was listed again seconds later.
      io.stdout(
        terminalText(
          `Removed schedule ${name}, but a live worker declares it in its code and stores it again at its next list: it comes back. To stop it, pause it (\`${pause}\`${note}), or take it out of every worker's code, then remove it.`,
        ),
      );
    } else io.stdout(`Removed schedule ${name}: no slot of it fires any more.`);
    return;
  }
  if (action === 'run-now') {
    // An orphaned schedule's job was dead-lettered at once (its task gone from every
    // worker) while run-now said only "Enqueued": it is still enqueued, with a note.
    const check = await checkOrphan(connection.transport, id, options.queue);
    const job = await schedules.runNow(id, lookup);
    await recordAction(
      connection,
      {
        action: 'schedule.run-now',
        jobId: job.id,
        queue: queueOfJobId(job.id),
        detail: { schedule: id },
      },
      io,
    );
    if (options.json) {
      const queue = queueOfJobId(job.id);
      printJson(io, { schedule: id, queue, jobId: job.id, orphaned: check.orphaned });
    } else {
      io.stdout(
        `Enqueued ${terminalText(job.id)}: a run of schedule ${name} now; its slots are unaffected.`,
      );
    }
    if (check.orphaned) io.stderr(terminalText(orphanNote(check, options.followUp ?? noFlags())));
    return;
  }
  const paused = action === 'pause';
  // The transport's setPaused says only whether the schedule exists: the state read first
  // tells a pause of a paused schedule (a race only changes this message).
  const before = await findSchedule(stored, id, options.queue);
  const changed = before.paused !== paused;
  await (paused ? schedules.pause(id, lookup) : schedules.resume(id, lookup));
  await recordAction(
    connection,
    { action: `schedule.${action}`, queue: before.spec.queue, detail: { schedule: id } },
    io,
  );
  if (options.json) {
    // The queue acted on, given or found: a script need not pass --queue to learn it.
    printJson(io, { schedule: id, queue: before.spec.queue, paused, changed });
    return;
  }
  if (paused) {
    // The queue goes into the hint too: without it, an id stored in two queues is ambiguous.
    const { command, note } = options.followUp ?? noFlags();
    const resume =
      options.queue === undefined
        ? command`schedules resume ${id}`
        : command`schedules resume ${id} --queue ${options.queue}`;
    const done = changed ? `Paused schedule ${name}` : `Schedule ${name} was already paused`;
    io.stdout(terminalText(`${done}: no slot fires until \`${resume}\`${note}.`));
    return;
  }
  // Resumed, it may still fire nothing: the list shows it disabled, orphaned or superseded.
  const followUp = options.followUp ?? noFlags();
  const idle = await notFiring(connection.transport, before.spec.queue, id, followUp);
  if (idle) {
    const done = changed ? `Resumed schedule ${name}, but` : `Schedule ${name} was not paused, and`;
    const nothing = changed ? '' : '; nothing changed';
    io.stdout(terminalText(`${done} it does not fire: ${idle.why}${nothing}. ${idle.until}`));
  } else if (changed) {
    io.stdout(`Resumed schedule ${name}: it fires from its next slot.`);
  } else {
    io.stdout(`Schedule ${name} was not paused: it fires at its slots, nothing changed.`);
  }
}
