import {
  type IndexedField,
  InvalidOptionError,
  type JobListState,
  type JobPage,
  type JobRecord,
} from '@conveyor/core';
import { decodeListedRecord } from './job-hash.js';
import { idOf } from './script-calls.js';

// The arguments and replies of list-jobs.lua and find-by-index.lua, and the cursors they
// page with (scripts/includes/paging.lua): `<state code><a>:<b>:<member>`, where a and b
// are numbers (a ZSET score, a priority, an offset from a list's tail; '' when unused)
// and the member (a ZSET member or list element, the last one examined) is the rest.

/** The state codes list-jobs.lua takes, and that start its cursors. */
const STATE_CODE: Readonly<Record<JobListState, string>> = {
  waiting: 'w',
  delayed: 'd',
  active: 'a',
  dead: 'x',
  finished: 'f',
  // One final state of the finished list each.
  completed: 'C',
  failed: 'F',
  cancelled: 'N',
  expired: 'E',
};
/** The code starting findByIndex cursors. */
const INDEX_CODE = 'i';

/** Longest cursor callers may pass back (createTransport's check). */
const MAX_CURSOR_LENGTH = 200;

/**
 * Most candidates one page examines, per job asked for: a page filtered by task, or over
 * ids whose jobs left, ends early with a cursor rather than scan without bound.
 */
const SCAN_PER_JOB = 20;
/** And at most this many, whatever the limit. */
const MAX_SCAN = 5_000;

/** How many candidates a page of `limit` jobs may examine. */
export function scanBudget(limit: number): number {
  return Math.min(limit * SCAN_PER_JOB, MAX_SCAN);
}

/** A cursor's parts: '' for a part a cursor of its kind does not use. */
type CursorParts = [a: string, b: string, member: string];
const FIRST_PAGE: CursorParts = ['', '', ''];
const SCORE = /^-?\d+(?:\.\d+)?(?:e[+-]?\d+)?$/i;
const OFFSET = /^\d{1,15}$/;
/** What a cursor's `a` and `b` must be, by its code. */
const CURSOR_PARTS: Readonly<Record<string, readonly [a: RegExp, b: RegExp]>> = {
  w: [/^\d$/, OFFSET], // priority, offset from the tail
  f: [OFFSET, /^$/], // offset from the tail
  C: [OFFSET, /^$/],
  F: [OFFSET, /^$/],
  N: [OFFSET, /^$/],
  E: [OFFSET, /^$/],
  d: [SCORE, /^$/],
  a: [SCORE, /^$/],
  x: [SCORE, /^$/],
  [INDEX_CODE]: [SCORE, /^$/],
};

function encodeCursor(code: string, [a, b, member]: CursorParts): string {
  const cursor = `${code}${a}:${b}:${member}`;
  // A very long job id would make a cursor callers cannot pass back: without its member,
  // the page starts at the score (passing over jobs that share it) or the list offset.
  return cursor.length <= MAX_CURSOR_LENGTH ? cursor : `${code}${a}:${b}:`;
}

function decodeCursor(code: string, cursor: string | undefined, what: string): CursorParts {
  if (cursor === undefined) return FIRST_PAGE;
  const first = cursor.indexOf(':');
  const second = cursor.indexOf(':', first + 1);
  const a = cursor.slice(1, first);
  const b = cursor.slice(first + 1, second);
  const parts = CURSOR_PARTS[code];
  if (cursor[0] !== code || first < 0 || second < 0 || !parts?.[0].test(a) || !parts[1].test(b)) {
    throw new InvalidOptionError('cursor', cursor, `the \`next\` of a previous page of ${what}`);
  }
  return [a, b, cursor.slice(second + 1)];
}

/** list-jobs.lua's arguments after the common two. */
export function listJobsArgs(options: {
  state: JobListState;
  limit: number;
  task?: string | undefined;
  cursor?: string | undefined;
}): string[] {
  const code = STATE_CODE[options.state];
  const what = `listJobs in state ${options.state}`;
  const [a, b, member] = decodeCursor(code, options.cursor, what);
  return [
    code,
    String(options.limit),
    String(scanBudget(options.limit)),
    options.task ?? '',
    a,
    b,
    member,
  ];
}

/** list-jobs.lua's reply, `{ cursor a, b, member, then per job: unique id, fields }`, as a page. */
export function readJobPage(
  reply: readonly unknown[],
  queue: string,
  state: JobListState,
): JobPage {
  const next = reply.slice(0, 3).map(String) as CursorParts;
  return pageOf(
    jobsOf(reply, 3, queue),
    next[0] === '' ? undefined : encodeCursor(STATE_CODE[state], next),
  );
}

/** find-by-index.lua's arguments after the common two. */
export function findByIndexArgs(search: {
  task: string;
  field: string;
  value: string;
  limit: number;
  cursor?: string | undefined;
}): string[] {
  const [score, , member] = decodeCursor(INDEX_CODE, search.cursor, 'findByIndex');
  return [
    search.task,
    search.field,
    search.value,
    String(search.limit),
    String(scanBudget(search.limit)),
    score,
    member,
  ];
}

/** find-by-index.lua's reply, `{ cursor score, member, then per job: unique id, fields }`. */
export function readIndexPage(reply: readonly unknown[], queue: string): JobPage {
  const score = String(reply[0]);
  const next = score === '' ? undefined : encodeCursor(INDEX_CODE, [score, '', String(reply[1])]);
  return pageOf(jobsOf(reply, 2, queue), next);
}

function pageOf(jobs: JobRecord[], next: string | undefined): JobPage {
  return next === undefined ? { jobs } : { jobs, next };
}

/**
 * The records in a reply from `start` on, `unique id, { HGETALL fields }` each. A job this
 * package cannot read is a row that says why ({@link decodeListedRecord}), not left out.
 */
function jobsOf(reply: readonly unknown[], start: number, queue: string): JobRecord[] {
  const jobs: JobRecord[] = [];
  for (let i = start; i + 1 < reply.length; i += 2) {
    const id = idOf(queue, String(reply[i]));
    const record = decodeListedRecord(id, queue, reply[i + 1] as unknown[]);
    if (record) jobs.push(record);
  }
  return jobs;
}

/** `:` as a byte. */
const COLON = 0x3a;

/**
 * The members of a queue's indexed-fields set, `<task length>:<task>:<field>`, as sorted
 * (task, field) pairs; members that are not one are left out.
 */
export function readIndexedFields(members: readonly string[]): IndexedField[] {
  const fields: IndexedField[] = [];
  for (const member of members) {
    const colon = member.indexOf(':');
    const length = Number(member.slice(0, colon));
    // The length counts bytes, as Lua does.
    const rest = Buffer.from(member.slice(colon + 1));
    if (colon < 1 || !Number.isInteger(length) || rest[length] !== COLON) continue;
    fields.push({
      task: rest.subarray(0, length).toString(),
      field: rest.subarray(length + 1).toString(),
    });
  }
  return fields.sort((x, y) => compare(x.task, y.task) || compare(x.field, y.field));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
