import {
  type JobRecord,
  type JobWorkflowRef,
  type ScheduledJob,
  scheduledJobOf,
} from '@conveyor/core';
import type { Connection } from '../connection.js';
import { CliError } from '../errors.js';
import { formatDuration, formatTime, type Io, preview, printJson } from '../output.js';
import { terminalText } from '../terminal-text.js';
import { cutDeepRecord, tooDeepNote } from '../value-depth.js';

/** `conveyor inspect <job-id>`: everything the broker knows about one job. */
export async function inspectJob(
  connection: Connection,
  id: string,
  options: { json?: boolean },
  io: Io,
): Promise<void> {
  const stored = await connection.transport.getJob(id);
  if (!stored) throw jobNotFound(id);
  const { record, tooDeep } = cutDeepRecord(stored);
  if (options.json) {
    const scheduled = scheduledJobOf(record);
    printJson(io, scheduled ? { ...record, scheduled } : record);
    if (tooDeep.length > 0) io.stderr(`note: ${tooDeepNote(tooDeep)}.`);
    return;
  }
  for (const line of describeJob(record, Date.now())) io.stdout(line);
  if (tooDeep.length > 0) io.stdout(`${'Note'.padEnd(LABEL)}${tooDeepNote(tooDeep)}.`);
}

export function jobNotFound(id: string): CliError {
  return new CliError(
    'NOT_FOUND',
    `No job ${JSON.stringify(id)}: it never existed, or it finished and its record expired (result TTL). Check the id with \`conveyor dead <queue>\` or your logs.`,
  );
}

const LABEL = 10;

/** `wf_… step "charge" child 41 (computes the map's items)`: where a step job belongs. */
function workflowOf(ref: JobWorkflowRef): string {
  const child = ref.child === undefined ? '' : ` child ${ref.child}`;
  const kind = ref.kind === 'expand' ? " (computes the map's items)" : '';
  return `${ref.id} step ${JSON.stringify(ref.step)}${child}${kind}; see \`conveyor inspect ${ref.id}\``;
}

/** What a schedule's job says of its slot: the slot, the fire time, and how late it fired. */
function describeSlot(scheduled: ScheduledJob, now: number): string {
  const late = scheduled.lateMs;
  const how = late <= 0 ? 'on time' : `late by ${formatDuration(late)}`;
  return `${formatTime(scheduled.slotAt, now)}, fired ${new Date(scheduled.firedAt).toISOString()} (${how})`;
}

/**
 * The human view of a record: one `label  value` line per known fact. Every value from job
 * data goes through {@link terminalText}; multi-line text is split first, one line each.
 */
export function describeJob(record: JobRecord, now: number): string[] {
  const { envelope } = record;
  const scheduled = scheduledJobOf(record);
  const rows: Array<[string, string | undefined]> = [
    ['Job', record.id],
    ['Task', envelope.task],
    ['Queue', envelope.queue],
    ['State', record.state + (record.cancelRequested ? ' (cancel requested)' : '')],
    ['Attempts', `${record.attempts} of ${envelope.maxAttempts}`],
    ['Priority', String(envelope.priority)],
    ['Enqueued', formatTime(record.enqueuedAt, now)],
    ['Workflow', envelope.workflow ? workflowOf(envelope.workflow) : undefined],
    ['Schedule', scheduled ? (scheduled.scheduleId ?? '(id too long to show; hashed)') : undefined],
    ['Slot', scheduled ? describeSlot(scheduled, now) : undefined],
    ['Due', record.dueAt === undefined ? undefined : formatTime(record.dueAt, now)],
    ['Expires', envelope.expiresAt === undefined ? undefined : formatTime(envelope.expiresAt, now)],
    ['Started', record.startedAt === undefined ? undefined : formatTime(record.startedAt, now)],
    ['Finished', record.finishedAt === undefined ? undefined : formatTime(record.finishedAt, now)],
    [
      'Ran for',
      record.finishedAt !== undefined && record.startedAt !== undefined
        ? formatDuration(record.finishedAt - record.startedAt)
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
    ['Input', preview(envelope.input)],
    ['Progress', record.progress === undefined ? undefined : preview(record.progress)],
    ['Result', record.result === undefined ? undefined : preview(record.result)],
  ];
  const lines = rows
    .filter((row): row is [string, string] => row[1] !== undefined)
    .map(([label, value]) => `${label.padEnd(LABEL)}${terminalText(value)}`);
  const { error } = record;
  // Stored by task code, or by something else entirely: print whatever shape it has.
  if (error !== undefined && (typeof error !== 'object' || error === null)) {
    lines.push(`${'Error'.padEnd(LABEL)}${preview(error)}`);
  } else if (error) {
    const code = typeof error.code === 'string' ? `${error.code}: ` : '';
    const [first = '', ...rest] = `${code}${String(error.message)}`.split('\n');
    lines.push(`${'Error'.padEnd(LABEL)}${terminalText(first)}`);
    for (const line of rest) lines.push(`${''.padEnd(LABEL)}${terminalText(line)}`);
    for (const issue of Array.isArray(error.issues) ? error.issues : []) {
      const path =
        Array.isArray(issue?.path) && issue.path.length ? `${issue.path.join('.')}: ` : '';
      lines.push(`${''.padEnd(LABEL)}- ${terminalText(`${path}${String(issue?.message)}`)}`);
    }
    if (typeof error.stack === 'string') {
      // The stack starts with the message: show the five frames after it.
      const skip = rest.length + 1;
      for (const line of error.stack.split('\n').slice(skip, skip + 5)) {
        lines.push(`${''.padEnd(LABEL)}${terminalText(line.trim())}`);
      }
    }
  }
  return lines;
}
