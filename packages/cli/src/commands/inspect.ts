import type { JobRecord } from '@conveyor/core';
import type { Connection } from '../connection.js';
import { CliError } from '../errors.js';
import { formatDuration, formatTime, type Io, preview, printJson } from '../output.js';

/** `conveyor inspect <job-id>`: everything the broker knows about one job. */
export async function inspectJob(
  connection: Connection,
  id: string,
  options: { json?: boolean },
  io: Io,
): Promise<void> {
  const record = await connection.transport.getJob(id);
  if (!record) throw jobNotFound(id);
  if (options.json) {
    printJson(io, record);
    return;
  }
  for (const line of describeJob(record, Date.now())) io.stdout(line);
}

export function jobNotFound(id: string): CliError {
  return new CliError(
    'NOT_FOUND',
    `No job ${JSON.stringify(id)}: it never existed, or it finished and its record expired (result TTL). Check the id with \`conveyor dead <queue>\` or your logs.`,
  );
}

/** The human view of a record: one `label  value` line per known fact. */
export function describeJob(record: JobRecord, now: number): string[] {
  const { envelope } = record;
  const rows: Array<[string, string | undefined]> = [
    ['Job', record.id],
    ['Task', envelope.task],
    ['Queue', envelope.queue],
    ['State', record.state + (record.cancelRequested ? ' (cancel requested)' : '')],
    ['Attempts', `${record.attempts} of ${envelope.maxAttempts}`],
    ['Priority', String(envelope.priority)],
    ['Enqueued', formatTime(record.enqueuedAt, now)],
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
    .map(([label, value]) => `${label.padEnd(10)}${value}`);
  const { error } = record;
  if (error) {
    lines.push(`${'Error'.padEnd(10)}${error.code ? `${error.code}: ` : ''}${error.message}`);
    for (const issue of error.issues ?? []) {
      lines.push(
        `${''.padEnd(10)}- ${issue.path?.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`,
      );
    }
    if (error.stack) {
      for (const line of error.stack.split('\n').slice(1, 6))
        lines.push(`${''.padEnd(10)}${line.trim()}`);
    }
  }
  return lines;
}
