import type { JobError, JobRecord } from '@conveyor/core';
import {
  cutLine,
  FOR_ALL,
  moreOf,
  SHOWN_LINE_CHARS,
  terminalJson,
  terminalText,
} from './terminal-text.js';
import { cutDeepValues } from './value-depth.js';

/** Where a command writes: lines to stdout and stderr, and the terminal if there is one. */
export interface Io {
  stdout(line: string): void;
  stderr(line: string): void;
  /** True when stdin is an interactive terminal (purge may ask). */
  readonly interactive: boolean;
  /** True when stderr is a terminal: long commands (retry --all-dead, purge) say how far they got. */
  readonly progress?: boolean;
  /** Asks a yes/no question on the terminal; resolves true only on "y" or "yes". */
  confirm(question: string): Promise<boolean>;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/** Pretty JSON on stdout, with the characters a terminal acts on escaped (still the same JSON). */
export function printJson(io: Io, value: unknown): void {
  io.stdout(terminalJson(value, 2));
}

export interface Column<T> {
  header: string;
  value(row: T): string | number;
  /** Numbers align right by default. */
  align?: 'left' | 'right';
}

/**
 * A plain-text table: a header row, then one line per row, columns padded to fit. Cells
 * often hold job data, so every cell goes through {@link terminalText}.
 */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string[] {
  const cells = rows.map((row) =>
    columns.map((column) => {
      const value = column.value(row);
      return typeof value === 'number' ? value : terminalText(String(value));
    }),
  );
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...cells.map((line) => String(line[index]).length)),
  );
  const format = (values: ReadonlyArray<string | number>, header: boolean): string =>
    values
      .map((value, index) => {
        const text = String(value);
        const width = widths[index] ?? 0;
        const right =
          !header && (columns[index]?.align ?? (typeof value === 'number' ? 'right' : 'left'));
        return right === 'right' ? text.padStart(width) : text.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [
    format(
      columns.map((column) => column.header),
      true,
    ),
    ...cells.map((line) => format(line, false)),
  ];
}

/** `1.2s`, `3m04s`, `2h05m`, `3d04h`: short ages for tables. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs < 1_000) return `${sign}${Math.round(abs)}ms`;
  if (abs < 60_000) return `${sign}${(abs / 1_000).toFixed(1)}s`;
  const s = Math.floor(abs / 1_000);
  if (s < 3_600) return `${sign}${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) {
    return `${sign}${Math.floor(s / 3_600)}h${String(Math.floor((s % 3_600) / 60)).padStart(2, '0')}m`;
  }
  return `${sign}${Math.floor(s / 86_400)}d${String(Math.floor((s % 86_400) / 3_600)).padStart(2, '0')}h`;
}

/** What a time that is no instant (NaN, or past the range of a Date) reads as. */
export const UNREADABLE_TIME = 'unreadable';

/**
 * An instant as ISO text; undefined when it is none. Times come from job data, which may be
 * garbage: `toISOString` threw on one, and the error ended the whole listing.
 */
export function isoTime(at: number): string | undefined {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/**
 * An ISO timestamp and how long ago it was, e.g. `2026-11-25T10:20:08.000Z (3.2s ago)`;
 * `-` when there is none, and {@link UNREADABLE_TIME} when it is not an instant.
 */
export function formatTime(at: number | undefined, now: number): string {
  if (at === undefined) return '-';
  const iso = isoTime(at);
  if (iso === undefined) return UNREADABLE_TIME;
  const delta = now - at;
  const relative = delta >= 0 ? `${formatDuration(delta)} ago` : `in ${formatDuration(-delta)}`;
  return `${iso} (${relative})`;
}

/**
 * A job value as JSON on one line for human output: cut in depth ({@link cutDeepValues}),
 * then to `max` characters and escaped for the terminal by {@link cutLine}, so the cut says
 * how much is left out and where to read it, as an error's cut does (a bare `…` did not).
 */
export function preview(value: unknown, max = SHOWN_LINE_CHARS): string {
  return cutLine(JSON.stringify(cutDeepValues(value).value) ?? 'undefined', max);
}

/** How much of an error's message a table's ERROR cell shows. */
const ERROR_CELL_CHARS = 100;

/**
 * A job's error on one line for a table: `CODE: ` and its message's first line, cut to 100
 * characters; a cut, and lines left out, are marked as `inspect` marks them.
 */
export function errorLine(job: JobRecord): string {
  return jobErrorLine(job.error);
}

/** An error on one line for a table, as {@link errorLine} shows a job's (a workflow step's too). */
export function jobErrorLine(error: JobError | undefined): string {
  const code = error?.code ? `${error.code}: ` : '';
  const [first = '', ...rest] = String(error?.message ?? '').split('\n');
  if (first.length > ERROR_CELL_CHARS)
    return `${terminalText(code)}${cutLine(first, ERROR_CELL_CHARS)}`;
  const blank = rest.every((line) => line.trim() === '');
  const more = blank ? '' : `… (${moreOf(rest.length, 'line')}; ${FOR_ALL})`;
  return `${terminalText(`${code}${first}`)}${more}`;
}

/**
 * Whether a listed job is one its transport could not read (a newer job format version, a
 * hash not written by Conveyor): the transport lists it with no task (no task has an empty
 * name) and why as its error.
 */
export function isUnreadable(job: JobRecord): boolean {
  return job.envelope.task === '';
}

/** A table's TASK cell: the task, or `(unreadable)` for a job {@link isUnreadable}. */
export function taskCell(job: JobRecord): string {
  return isUnreadable(job) ? '(unreadable)' : job.envelope.task;
}

/**
 * The line under a table that lists jobs {@link isUnreadable}: how many, and where to see
 * why; undefined when there are none.
 */
export function unreadableNote(jobs: readonly JobRecord[], inspect: string): string | undefined {
  const count = jobs.filter(isUnreadable).length;
  if (count === 0) return undefined;
  const these = count === 1 ? '1 job shown as (unreadable)' : `${count} jobs shown as (unreadable)`;
  return `${these} could not be read by this CLI: ${count === 1 ? 'its' : 'their'} error says why (\`${inspect}\` or --json shows all of it).`;
}

/** Ids a one-line message names before it says how many there are in all. */
export const NAMED_IN_LINE = 5;

/**
 * `a, b, c, d, e, … (12 workflows)`: the first `most` items ({@link NAMED_IN_LINE} unless
 * told), and the count.
 */
export function namedList(items: readonly string[], plural: string, most = NAMED_IN_LINE): string {
  const named = items.slice(0, most).join(', ');
  return items.length > most ? `${named}, … (${items.length} ${plural})` : named;
}
