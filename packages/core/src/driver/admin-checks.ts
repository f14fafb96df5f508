import { assertQueueName } from '../envelope.js';
import { InvalidOptionError } from '../errors.js';
import { INDEX_FIELD_RULE, isIndexField } from '../input-index.js';
import { checkJsonValue, type JsonValue } from '../json.js';
import { utf8SizeOver } from '../payload-size.js';
import {
  AUDIT_LIMITS,
  type AuditEntryInput,
  INDEX_LIMITS,
  type IndexEntry,
  type IndexSearch,
  JOB_LIST_STATES,
  type JobListState,
  type ListJobsOptions,
} from '../transport-admin.js';

// The checks `createTransport` makes on the dashboard's admin calls (listing, the input
// index, the audit log) before a driver sees them [A10–A12].

/** Jobs per `listJobs` or `findByIndex` page when the caller names no limit. */
export const DEFAULT_JOB_PAGE_LIMIT = 50;
/** Most jobs per `listJobs` or `findByIndex` page. */
export const MAX_JOB_PAGE_LIMIT = 500;
/** Longest cursor or audit id a caller may pass back. */
export const MAX_CURSOR_LENGTH = 200;
/** Audit entries per `listAudit` call when the caller names no limit, and the most. */
export const DEFAULT_AUDIT_LIMIT = 100;
export const MAX_AUDIT_LIMIT = 1000;
/** Longest audit actor, action or job id. */
export const MAX_AUDIT_TEXT = 200;
/** Largest audit `detail`, serialized, in UTF-8 bytes. */
export const MAX_AUDIT_DETAIL_BYTES = 64 * 1024;
/** Longest task name (as `defineTask` allows). */
const MAX_TASK_NAME = 128;

const LIST_STATES: ReadonlySet<string> = new Set<JobListState>(JOB_LIST_STATES);

/** `listJobs` options with their default limit, checked. */
export function listJobsOptions(options: ListJobsOptions): ListJobsOptions & { limit: number } {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError('listJobs options', options, '{ state, cursor?, limit?, task? }');
  }
  const { state, cursor, task } = options;
  if (!LIST_STATES.has(state)) {
    throw new InvalidOptionError('state', state, [...LIST_STATES].join(', '));
  }
  const resolved: ListJobsOptions & { limit: number } = { state, limit: pageLimit(options.limit) };
  if (cursor !== undefined) resolved.cursor = checkCursor(cursor, 'cursor');
  if (task !== undefined) resolved.task = checkTask(task);
  return resolved;
}

/** `findByIndex`'s search with its default limit, checked. */
export function indexSearch(search: IndexSearch): IndexSearch & { limit: number } {
  if (typeof search !== 'object' || search === null) {
    throw new InvalidOptionError('index search', search, '{ task, field, value, cursor?, limit? }');
  }
  const { task, field, value, cursor } = search;
  checkTask(task);
  if (!isIndexField(field)) throw new InvalidOptionError('index field', field, INDEX_FIELD_RULE);
  checkIndexValue(value);
  const resolved: IndexSearch & { limit: number } = {
    task,
    field,
    value,
    limit: pageLimit(search.limit),
  };
  if (cursor !== undefined) resolved.cursor = checkCursor(cursor, 'cursor');
  return resolved;
}

/**
 * Checks an enqueue request's index entries [A11]: at most `INDEX_LIMITS.fieldsPerTask`,
 * each a field path and a string value of at most `INDEX_LIMITS.valueLength` characters.
 */
export function checkIndexEntries(entries: readonly IndexEntry[], jobId: string): void {
  if (!Array.isArray(entries) || entries.length > INDEX_LIMITS.fieldsPerTask) {
    throw new InvalidOptionError(
      `index of job ${JSON.stringify(jobId)}`,
      entries,
      `an array of at most ${INDEX_LIMITS.fieldsPerTask} { field, value } entries`,
    );
  }
  for (const entry of entries) {
    if (typeof entry !== 'object' || entry === null || !isIndexField(entry.field)) {
      throw new InvalidOptionError(
        `index field of job ${JSON.stringify(jobId)}`,
        entry?.field,
        INDEX_FIELD_RULE,
      );
    }
    checkIndexValue(entry.value);
  }
}

/** Checks an audit entry before it is stored: actor, action, job id(s), queue and detail. */
export function checkAuditEntry(entry: AuditEntryInput): void {
  if (typeof entry !== 'object' || entry === null) {
    throw new InvalidOptionError(
      'audit entry',
      entry,
      '{ actor, action, jobId?, jobIds?, queue?, detail? }',
    );
  }
  checkAuditText(entry.actor, 'audit actor');
  checkAuditText(entry.action, 'audit action');
  if (entry.jobId !== undefined) checkAuditText(entry.jobId, 'audit jobId');
  if (entry.jobIds !== undefined) checkAuditJobIds(entry.jobIds);
  if (entry.queue !== undefined) assertQueueName(entry.queue);
  if (entry.detail !== undefined) checkAuditDetail(entry.detail);
}

/** `listAudit` options with their default limit, checked. */
export function auditQuery(
  options: { after?: string; before?: string; jobId?: string; limit?: number } = {},
): {
  after?: string;
  before?: string;
  jobId?: string;
  limit: number;
} {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError(
      'listAudit options',
      options,
      '{ after?, before?, jobId?, limit? }',
    );
  }
  const { after, before, jobId, limit = DEFAULT_AUDIT_LIMIT } = options;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_LIMIT) {
    throw new InvalidOptionError('audit limit', limit, `an integer from 1 to ${MAX_AUDIT_LIMIT}`);
  }
  if (after !== undefined && before !== undefined) {
    throw new InvalidOptionError(
      'audit before',
      before,
      `no before together with after (${JSON.stringify(after)}): read forward with after, or backward with before`,
    );
  }
  const query: { after?: string; before?: string; jobId?: string; limit: number } = { limit };
  if (after !== undefined) query.after = checkCursor(after, 'audit after');
  if (before !== undefined) query.before = checkCursor(before, 'audit before');
  if (jobId !== undefined) query.jobId = checkAuditText(jobId, 'audit jobId');
  return query;
}

function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_JOB_PAGE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_JOB_PAGE_LIMIT) {
    throw new InvalidOptionError('limit', limit, `an integer from 1 to ${MAX_JOB_PAGE_LIMIT}`);
  }
  return limit;
}

function checkCursor(cursor: unknown, option: string): string {
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH) {
    throw new InvalidOptionError(
      option,
      cursor,
      `a string of 1–${MAX_CURSOR_LENGTH} characters, as the previous answer gave it`,
    );
  }
  return cursor;
}

/** Checks a task name an admin or metrics call names: a string of 1–128 characters. */
export function checkTask(task: unknown, option = 'task'): string {
  if (typeof task !== 'string' || task.length === 0 || task.length > MAX_TASK_NAME) {
    throw new InvalidOptionError(option, task, `a task name of 1–${MAX_TASK_NAME} characters`);
  }
  return task;
}

function checkIndexValue(value: unknown): void {
  if (typeof value !== 'string' || value.length > INDEX_LIMITS.valueLength) {
    throw new InvalidOptionError(
      'index value',
      value,
      `a string of at most ${INDEX_LIMITS.valueLength} characters`,
    );
  }
}

function checkAuditText(text: unknown, option: string): string {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_AUDIT_TEXT) {
    throw new InvalidOptionError(option, text, `a string of 1–${MAX_AUDIT_TEXT} characters`);
  }
  return text;
}

function checkAuditJobIds(jobIds: unknown): void {
  if (!Array.isArray(jobIds) || jobIds.length > AUDIT_LIMITS.jobIds) {
    throw new InvalidOptionError(
      'audit jobIds',
      Array.isArray(jobIds) ? `an array of ${jobIds.length} ids` : jobIds,
      `an array of at most ${AUDIT_LIMITS.jobIds} job ids (split a larger action)`,
    );
  }
  for (const jobId of jobIds) checkAuditText(jobId, 'audit jobIds entry');
}

function checkAuditDetail(detail: JsonValue): void {
  let json: string | undefined;
  try {
    checkJsonValue(detail, 'detail');
    json = JSON.stringify(detail);
  } catch {
    json = undefined;
  }
  if (json === undefined) {
    throw new InvalidOptionError('audit detail', detail, 'a JSON value');
  }
  if (utf8SizeOver(json, MAX_AUDIT_DETAIL_BYTES) !== undefined) {
    throw new InvalidOptionError(
      'audit detail',
      `${json.slice(0, 100)}…`,
      `JSON of at most ${MAX_AUDIT_DETAIL_BYTES} bytes (record a count or a filter, not every id)`,
    );
  }
}
