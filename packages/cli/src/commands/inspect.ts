import {
  type JobError,
  type JobRecord,
  type JobWorkflowRef,
  type ScheduledJob,
  scheduledJobOf,
} from '@conveyor/core';
import type { Connection } from '../connection.js';
import { CliError } from '../errors.js';
import { type FollowUp, followUp as noFlags } from '../follow-up.js';
import {
  formatDuration,
  formatTime,
  type Io,
  isoTime,
  isUnreadable,
  preview,
  printJson,
  UNREADABLE_TIME,
} from '../output.js';
import { type Redaction, SHOW_AS_STORED } from '../redaction.js';
import { cutLine, FOR_ALL, moreOf, terminalText } from '../terminal-text.js';
import { cutDeepRecord, tooDeepNote } from '../value-depth.js';

/** `conveyor inspect <job-id>`: everything the broker knows about one job. */
export async function inspectJob(
  connection: Connection,
  id: string,
  options: { json?: boolean; followUp?: FollowUp; redaction?: Redaction },
  io: Io,
): Promise<void> {
  const followUp = options.followUp ?? noFlags();
  let stored: JobRecord | null;
  try {
    stored = await connection.transport.getJob(id);
  } catch (error) {
    // A job stored in a form this CLI cannot read (a newer job format version): it exists,
    // and why it cannot be read is what to show, as `dead` and `jobs` show it.
    if ((error as { code?: unknown }).code !== 'INVALID_ENVELOPE') throw error;
    const reason = { code: 'INVALID_ENVELOPE', message: (error as Error).message };
    if (options.json) printJson(io, { id, unreadable: true, error: reason });
    else {
      io.stdout(`${'Job'.padEnd(LABEL)}${terminalText(id)}`);
      io.stdout(`${'Task'.padEnd(LABEL)}(unreadable: see Error)`);
      io.stdout(`${'Error'.padEnd(LABEL)}${terminalText(`${reason.code}: ${reason.message}`)}`);
    }
    return;
  }
  if (!stored) throw jobNotFound(id, followUp);
  // Input, progress and result as the dashboard shows them: secrets redacted.
  const redaction = options.redaction ?? SHOW_AS_STORED;
  const { record, tooDeep } = cutDeepRecord(redaction.record(stored));
  if (options.json) {
    const scheduled = scheduledJobOf(record);
    printJson(io, scheduled ? { ...record, scheduled } : record);
    if (tooDeep.length > 0) io.stderr(`note: ${tooDeepNote(tooDeep)}.`);
    return;
  }
  for (const line of describeJob(record, Date.now(), followUp)) io.stdout(line);
  if (tooDeep.length > 0) io.stdout(`${'Note'.padEnd(LABEL)}${tooDeepNote(tooDeep)}.`);
}

export function jobNotFound(id: string, { command, note }: FollowUp = noFlags()): CliError {
  return new CliError(
    'NOT_FOUND',
    `No job ${JSON.stringify(id)}: it never existed, or it finished and its record expired (result TTL) or was deleted as it completed (removeOnComplete), or it was purged (by conveyor purge or the dashboard). Check the id with \`${command`dead <queue>`}\`${note} or your logs.`,
  );
}

const LABEL = 10;

/** `wf_… step "charge" child 41 (computes the map's items)`: where a step job belongs. */
function workflowOf(ref: JobWorkflowRef, { command, note }: FollowUp): string {
  const child = ref.child === undefined ? '' : ` child ${ref.child}`;
  const kind = ref.kind === 'expand' ? " (computes the map's items)" : '';
  return `${ref.id} step ${JSON.stringify(ref.step)}${child}${kind}; see \`${command`inspect ${ref.id}`}\`${note}`;
}

/** What a schedule's job says of its slot: the slot, the fire time, and how late it fired. */
function describeSlot(scheduled: ScheduledJob, now: number): string {
  const late = scheduled.lateMs;
  const how = late <= 0 ? 'on time' : `late by ${formatDuration(late)}`;
  return `${formatTime(scheduled.slotAt, now)}, fired ${isoTime(scheduled.firedAt) ?? UNREADABLE_TIME} (${how})`;
}

/**
 * The human view of a record: one `label  value` line per known fact. Every value from job
 * data goes through {@link terminalText}; multi-line text is split first, one line each.
 */
export function describeJob(
  record: JobRecord,
  now: number,
  followUp: FollowUp = noFlags(),
): string[] {
  const { envelope } = record;
  const scheduled = scheduledJobOf(record);
  // A job this package cannot read has no task, attempts or enqueue time to show: its
  // Error row says why (it read "Attempts 1 of 0", "Enqueued 1970-01-01…", an empty Task).
  const unreadable = isUnreadable(record);
  const known = <T>(value: T): T | undefined => (unreadable ? undefined : value);
  // A run that ended when its lease ran out lasted until its worker stopped answering,
  // not until the lease was reclaimed: its length is not known.
  // Also a job cancelled while its worker was dead: it has no error, and its last history
  // entry, a counted attempt that ended as it did, says the lease ran out. (An earlier entry
  // of the same number can be a delivery given back unstarted, or a run before a retry.)
  const last = record.history?.at(-1);
  const leaseLost =
    record.error?.code === 'LEASE_EXPIRED' ||
    (record.state === 'cancelled' &&
      last?.error.code === 'LEASE_EXPIRED' &&
      last.counted !== false &&
      last.attempt === record.attempts &&
      last.endedAt === record.finishedAt);
  const startedAt = record.attempts > 0 ? record.startedAt : undefined;
  const rows: Array<[string, string | undefined]> = [
    ['Job', record.id],
    ['Task', unreadable ? unreadableTask(record) : envelope.task],
    ['Queue', envelope.queue],
    // Requested of a running job, which ends cancelled: said only while it still runs.
    [
      'State',
      record.state +
        (record.cancelRequested && record.state === 'active' ? ' (cancel requested)' : ''),
    ],
    ['Attempts', known(`${record.attempts} of ${envelope.maxAttempts}`)],
    // `Last run` while no attempt followed it; after a later one started (a job that then
    // completed, say), it is an earlier run's ending, as `Earlier` names an earlier error.
    [
      (record.history?.at(-1)?.attempt ?? 0) < record.attempts ? 'Earlier' : 'Last run',
      record.error === undefined ? lastRun(record, now) : undefined,
    ],
    ['Priority', known(String(envelope.priority))],
    ['Enqueued', known(formatTime(record.enqueuedAt, now))],
    ['Workflow', envelope.workflow ? workflowOf(envelope.workflow, followUp) : undefined],
    ['Schedule', scheduled ? (scheduled.scheduleId ?? '(id too long to show; hashed)') : undefined],
    ['Slot', scheduled ? describeSlot(scheduled, now) : undefined],
    ['Due', record.dueAt === undefined ? undefined : formatTime(record.dueAt, now)],
    ['Expires', envelope.expiresAt === undefined ? undefined : formatTime(envelope.expiresAt, now)],
    // No attempt counted, no run: a delivery given back unrun (shutdown, cancelled ahead of
    // its run, its lease out before it started) keeps its reserve time as `startedAt`.
    ['Started', startedAt === undefined ? undefined : formatTime(startedAt, now)],
    ['Finished', record.finishedAt === undefined ? undefined : formatTime(record.finishedAt, now)],
    [
      'Ran for',
      record.finishedAt !== undefined && startedAt !== undefined && !leaseLost
        ? formatDuration(record.finishedAt - startedAt)
        : undefined,
    ],
    ['Worker', record.state === 'active' ? record.consumer : undefined],
    [
      'Lease',
      record.state === 'active' && record.leaseExpiresAt !== undefined
        ? `expires ${formatTime(record.leaseExpiresAt, now)}`
        : undefined,
    ],
    ['Idem. key', envelope.idempotencyKey],
    ['Input', inputOf(envelope)],
    ['Progress', record.progress === undefined ? undefined : preview(record.progress)],
    ['Result', record.result === undefined ? undefined : preview(record.result)],
  ];
  const lines = rows
    .filter((row): row is [string, string] => row[1] !== undefined)
    .map(([label, value]) => `${label.padEnd(LABEL)}${terminalText(value)}`);
  const { error } = record;
  // A completed job keeps the error of an earlier attempt (a retried dead job, say): it is
  // not why this one ended, and reading "Error" under "completed" said it was.
  const label = record.state === 'completed' ? 'Earlier' : 'Error';
  // Stored by task code, or by something else entirely: print whatever shape it has.
  if (error !== undefined && (typeof error !== 'object' || error === null)) {
    lines.push(`${label.padEnd(LABEL)}${preview(error)}`);
  } else if (error) {
    lines.push(...describeError(error, label));
  }
  return lines;
}

/**
 * The Task row of a job {@link isUnreadable}. It pointed at an Error row whatever the record
 * held: a transport that lists a job with no task and no error left that row out.
 */
function unreadableTask(record: JobRecord): string {
  return record.error === undefined
    ? '(none: no worker can run it, and its transport stored no reason)'
    : '(unreadable: see Error)';
}

/**
 * How the last attempt that failed ended, for a job with no error of its own: one waiting
 * again after its worker died (the reclaim's LEASE_EXPIRED) showed "Attempts 1 of 2" and
 * nothing of why.
 */
function lastRun(record: JobRecord, now: number): string | undefined {
  const last = record.history?.at(-1);
  if (!last) return undefined;
  const code = typeof last.error.code === 'string' ? `${last.error.code}: ` : '';
  const message = String(last.error.message).split('\n')[0] ?? '';
  return cutLine(
    `attempt ${last.attempt} ended ${formatTime(last.endedAt, now)}: ${code}${message}`,
  );
}

// An error written by transport.settle directly, or stored before toJobError bounded errors,
// can hold megabytes. The human view prints at most this much of it, each cut marked (as
// preview cuts a value); --json prints all of it.
const SHOWN_LINES = 20;
const SHOWN_ISSUES = 25;

/** The `Error` rows: code and message (one row per line), issues, and five stack frames. */
function describeError(error: JobError, label: string): string[] {
  const indent = ''.padEnd(LABEL);
  const code = typeof error.code === 'string' ? `${error.code}: ` : '';
  const message = `${code}${String(error.message)}`.split('\n');
  const lines = message
    .slice(0, SHOWN_LINES)
    .map((line, index) => `${index === 0 ? label.padEnd(LABEL) : indent}${cutLine(line)}`);
  if (message.length > SHOWN_LINES) {
    lines.push(`${indent}… (${moreOf(message.length - SHOWN_LINES, 'line')}; ${FOR_ALL})`);
  }
  const issues = Array.isArray(error.issues) ? error.issues : [];
  for (const issue of issues.slice(0, SHOWN_ISSUES)) {
    const path = Array.isArray(issue?.path) && issue.path.length ? `${issue.path.join('.')}: ` : '';
    lines.push(`${indent}- ${cutLine(`${path}${String(issue?.message)}`)}`);
  }
  if (issues.length > SHOWN_ISSUES) {
    lines.push(`${indent}… (${moreOf(issues.length - SHOWN_ISSUES, 'issue')}; ${FOR_ALL})`);
  }
  if (typeof error.stack === 'string') {
    // The stack starts with the message: show the five frames after it.
    const skip = message.length;
    for (const line of error.stack.split('\n').slice(skip, skip + 5)) {
      lines.push(`${indent}${cutLine(line.trim())}`);
    }
  }
  return lines;
}

/**
 * The Input row. A workflow step's job (not a map child, whose item is its input) carries
 * none: the worker computes it when the step runs, from the workflow's input and earlier
 * results, and "null" read as the step running with null.
 */
function inputOf(envelope: JobRecord['envelope']): string {
  const ref = envelope.workflow;
  if (ref && ref.child === undefined && envelope.input === null) {
    return ref.kind === 'expand'
      ? '(none stored: the map step computes its items when its job runs, from its workflow)'
      : "(none stored: computed when the step runs, from its workflow's input and earlier results)";
  }
  return preview(envelope.input);
}
