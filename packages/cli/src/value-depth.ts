import type { JobError, JobRecord, JsonValue } from '@conveyor/core';
import { terminalText } from './terminal-text.js';

// JSON.parse reads any depth, but JSON.stringify recurses: a stored input nested 100,000
// levels deep throws "Maximum call stack size exceeded" when printed. The CLI prints job
// values only after cutting them at a depth no real payload reaches.

/** Deepest level of a job value the CLI prints; below it a marker stands in. */
export const MAX_PRINTED_DEPTH = 100;

/** What stands in for a value nested deeper than {@link MAX_PRINTED_DEPTH}. */
export const TOO_DEEP_MARKER = `[conveyor: nested deeper than ${MAX_PRINTED_DEPTH} levels, not shown]`;

/**
 * A copy of a JSON value whose objects and arrays below `maxDepth` levels are replaced by
 * {@link TOO_DEEP_MARKER}; `cut` says whether anything was. Recursion stops at `maxDepth`,
 * so any input is safe.
 *
 * @example
 * cutDeepValues([[[1]]], 2); // { value: [[TOO_DEEP_MARKER]], cut: true }
 */
export function cutDeepValues(
  value: unknown,
  maxDepth = MAX_PRINTED_DEPTH,
): { value: unknown; cut: boolean } {
  let cut = false;
  const walk = (node: unknown, depth: number): unknown => {
    if (node === null || typeof node !== 'object') return node;
    if (depth >= maxDepth) {
      cut = true;
      return TOO_DEEP_MARKER;
    }
    if (Array.isArray(node)) return node.map((item) => walk(item, depth + 1));
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(node)) copy[key] = walk(item, depth + 1);
    return copy;
  };
  const result = walk(value, 0);
  return { value: result, cut };
}

/** The job values that come from task code or producers, by the name the CLI shows. */
const JOB_VALUES = ['input', 'progress', 'result', 'error'] as const;
export type JobValueName = (typeof JOB_VALUES)[number];

/**
 * A record whose input, progress, result and error are cut by {@link cutDeepValues};
 * `tooDeep` names the ones that were, so the command can say so.
 */
export function cutDeepRecord(record: JobRecord): { record: JobRecord; tooDeep: JobValueName[] } {
  const copy: JobRecord = { ...record, envelope: { ...record.envelope } };
  const tooDeep: JobValueName[] = [];
  for (const name of JOB_VALUES) {
    const current = name === 'input' ? record.envelope.input : record[name];
    if (current === undefined) continue;
    const { value, cut } = cutDeepValues(current);
    if (!cut) continue;
    tooDeep.push(name);
    if (name === 'input') copy.envelope.input = value as JsonValue;
    else if (name === 'error') copy.error = value as JobError;
    else copy[name] = value as JsonValue;
  }
  return { record: copy, tooDeep };
}

/** `input and result are nested deeper than 100 levels`: the note a command prints. */
export function tooDeepNote(names: readonly JobValueName[]): string {
  const list =
    names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  return `${list} ${names.length === 1 ? 'is' : 'are'} nested deeper than ${MAX_PRINTED_DEPTH} levels: cut there and shown as "${TOO_DEEP_MARKER}"`;
}

/**
 * {@link cutDeepRecord} over a list of jobs, for a `--json` page: the records to print, and
 * one stderr note per job that was cut, to write after them.
 */
export function cutDeepRecords(jobs: readonly JobRecord[]): {
  records: JobRecord[];
  notes: string[];
} {
  const records: JobRecord[] = [];
  const notes: string[] = [];
  for (const job of jobs) {
    const { record, tooDeep } = cutDeepRecord(job);
    records.push(record);
    if (tooDeep.length > 0)
      notes.push(`note: job ${terminalText(record.id)}: ${tooDeepNote(tooDeep)}.`);
  }
  return { records, notes };
}
