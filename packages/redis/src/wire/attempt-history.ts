import type { AttemptRecord } from '@conveyor/core';

// The job hash's `h` field, read back: the job's attempts that ended in an error.

/** The `h` field: one JSON attempt record per line; a line that is not one is left out. */
export function parseHistory(text: string): AttemptRecord[] {
  const records: AttemptRecord[] = [];
  for (const line of text.split('\n')) {
    const record = parseJson(line) as Partial<AttemptRecord> | string;
    if (
      typeof record === 'object' &&
      record !== null &&
      typeof record.attempt === 'number' &&
      typeof record.endedAt === 'number' &&
      typeof record.error === 'object' &&
      record.error !== null
    ) {
      records.push(record as AttemptRecord);
    }
  }
  return records;
}

/** The value `text` holds as JSON, or `text` itself when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
