import type { WorkerRecord } from '@conveyor/core';
import { isStoredQueueName } from '@conveyor/core/transport';
import { quoted } from './unreadable-job.js';

// The queue registry (a SET of names) and the worker records (a HASH of JSON) as Redis holds
// them. Anything can write there, so what is read back is checked before callers use it:
// an entry of the wrong shape is left out, and `skipped` says what it was and how to remove it.

const isStrings = (value: unknown): boolean =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');
const isNumber = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value);

/** Whether a parsed worker record has the fields `conveyor status` and the dashboard read. */
function isWorkerRecord(value: unknown): value is WorkerRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  const counts = record.counts as Record<string, unknown> | null | undefined;
  return (
    typeof record.id === 'string' &&
    typeof record.hostname === 'string' &&
    isNumber(record.pid) &&
    isStrings(record.queues) &&
    isStrings(record.tasks) &&
    isNumber(record.concurrency) &&
    typeof record.state === 'string' &&
    isNumber(record.startedAt) &&
    Array.isArray(record.jobs) &&
    record.jobs.every((job) => typeof job === 'object' && job !== null) &&
    typeof counts === 'object' &&
    counts !== null &&
    (record.schedules === undefined || isStrings(record.schedules))
  );
}

/**
 * The worker records of list-workers.lua's reply, sorted by id; `skipped` gets a note for each
 * entry that is not one (not JSON, or not the shape a worker writes).
 */
export function readWorkerRecords(
  reply: readonly string[],
  key: string,
  skipped: (entry: string, note: string) => void,
): WorkerRecord[] {
  const records: WorkerRecord[] = [];
  for (const text of reply) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (isWorkerRecord(parsed)) {
      records.push(parsed);
      continue;
    }
    const id = (parsed as { id?: unknown } | undefined)?.id;
    // Without an id the field is not known here (the hash's values are read, not its fields).
    const remove =
      typeof id === 'string'
        ? `Remove it with \`redis-cli HDEL ${shellQuoted(key)} ${shellQuoted(id)}\``
        : `Find its field with \`redis-cli HGETALL ${shellQuoted(key)}\`, then remove it with \`redis-cli HDEL ${shellQuoted(key)} <field>\``;
    skipped(
      text,
      `The worker record ${quoted(text)} in Redis hash ${key} is not one a Conveyor worker writes: left out of the workers listed. ${remove}.`,
    );
  }
  return records.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The queue names of the registry, sorted; `skipped` gets a note for each member that is no
 * queue's name (a queue cannot have it, so no job is stored under it).
 */
export function readQueueNames(
  members: readonly string[],
  key: string,
  skipped: (entry: string, note: string) => void,
): string[] {
  const names: string[] = [];
  for (const name of members) {
    if (isStoredQueueName(name)) names.push(name);
    else {
      skipped(
        name,
        `The Redis set ${key} holds ${quoted(name)}, which is not a queue name (no job can be stored under it): left out of the queues listed. Remove it with \`SREM ${shellQuoted(key)} ${shellQuoted(name)}\`.`,
      );
    }
  }
  return names.sort();
}

/** A word for a POSIX shell, single-quoted. */
function shellQuoted(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
