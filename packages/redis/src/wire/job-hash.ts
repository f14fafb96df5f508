import type {
  JobEnvelope,
  JobError,
  JobRecord,
  JobState,
  JobWorkflowRef,
  JsonValue,
} from '@conveyor/core';
import { ENVELOPE_VERSION } from '@conveyor/core/transport';
import { parseHistory, parseJson } from './attempt-history.js';
import {
  assertFixed,
  missingFieldError,
  parseStored,
  quoted,
  reasonOf,
  storedExpiry,
  unknownStateError,
  unknownVersionError,
  unreadableEnvelope,
} from './unreadable-job.js';

// The job hash as Redis stores it: every field TypeScript reads or writes, in one place. It
// mirrors the field list in scripts/includes/queue.lua, and the README's "Job hash" table
// documents it field by field. The envelope is the API shape (docs/job-envelope.md); this
// layout is the Redis transport's own. A packed job (`<d> <input>`, or `<d> #<schema>
// <input>`, a field of queue.lua's K_PACKED) reaches TypeScript as these fields (`y` =
// `[null,"<schema>"]`): the scripts unpack it.

/**
 * The job format version stored with every job, at the start of `d`: the version of the
 * envelope the job holds. Jobs stored before the version was (by 0.1.0) have none, and
 * read as this version: their layout is the same.
 */
export const JOB_FORMAT_VERSION = ENVELOPE_VERSION;
const CURRENT_VERSION = String(JOB_FORMAT_VERSION);
/** What a job stored without a version has before its priority. */
const UNVERSIONED = '';

/** The job hash's fields. Single letters, and few of them, keep small jobs in a listpack. */
export const JOB_FIELD = {
  /** The state, as one of {@link STATE_CODES}. */
  state: 's',
  /** `<version><priority>|<maxAttempts>|<enqueuedAt>|<offset>|<task>` ({@link parseFixed}). */
  fixed: 'd',
  /** The input JSON. */
  input: 'i',
  /** `[idempotencyKey, schema, workflow]` JSON, when any is set ({@link encodeExtras}). */
  extras: 'y',
  /** expiresAt (ms), when set. */
  expiresAt: 'x',
  /** Deliveries so far. */
  attempts: 'n',
  /** The latest delivery, `<startedAt>|<lease deadline>|<token>|<consumer>`. */
  delivery: 'b',
  /** dueAt (ms) of a delayed job. */
  dueAt: 'u',
  /** '1' once a cancel was requested while the job ran. */
  cancelRequested: 'r',
  /** Progress JSON. */
  progress: 'g',
  /** Result JSON. */
  result: 'o',
  /** Error JSON (the final one, or the latest while retrying). */
  error: 'e',
  /** `<finishedAt>`, or `<finishedAt> <expiry>` when the finished list bounds its age. */
  finished: 'f',
  /**
   * The attempts that ended in an error, one JSON {@link AttemptRecord} per line, oldest
   * first, the newest `ATTEMPT_HISTORY_LIMIT` ({@link parseHistory}). Written on error paths only.
   */
  history: 'h',
} as const;

/** The `s` field's value per state. */
export const STATE_CODES: Readonly<Record<JobState, string>> = {
  waiting: 'w',
  delayed: 'd',
  active: 'a',
  completed: 'c',
  failed: 'f',
  dead: 'x',
  cancelled: 'n',
  expired: 'e',
};

const STATE_OF_CODE: Readonly<Record<string, JobState>> = Object.fromEntries(
  Object.entries(STATE_CODES).map(([state, code]) => [code, state as JobState]),
);

/** Separates the parts of the packed fields `d` and `b`. */
export const PACKED_SEPARATOR = '|';
/** The value of `r` while a cancel is requested. */
const CANCEL_REQUESTED = '1';

/** Whether an envelope has any of the fields the `y` field holds. */
export function hasExtras(envelope: JobEnvelope): boolean {
  return (
    envelope.idempotencyKey !== undefined ||
    envelope.schema !== undefined ||
    envelope.workflow !== undefined
  );
}

/**
 * The `y` field of an envelope: `[idempotencyKey, schema]` JSON, with the step a workflow's
 * step job runs as a third element (`{ id, step, child?, kind }`), or '' when none is set.
 */
export function encodeExtras(envelope: JobEnvelope, childPlaceholder = false): string {
  const { idempotencyKey, schema, workflow } = envelope;
  if (!hasExtras(envelope)) return '';
  const extras: unknown[] = [idempotencyKey ?? null, schema ?? null];
  if (workflow !== undefined) {
    const { id, step, kind } = workflow;
    // A map child's index as `-1`, for enqueue.lua to replace per job (GROUP_CHILD).
    const child = childPlaceholder ? -1 : workflow.child;
    extras.push(child === undefined ? { id, step, kind } : { id, step, child, kind });
  }
  return JSON.stringify(extras);
}

/** A workflow step reference read back from `y`; undefined unless it has the right shape. */
function workflowRefOf(value: unknown): JobWorkflowRef | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { id, step, child, kind } = value as Record<string, unknown>;
  if (typeof id !== 'string' || typeof step !== 'string') return undefined;
  if (kind !== 'run' && kind !== 'expand') return undefined;
  if (child === undefined) return { id, step, kind };
  return typeof child === 'number' ? { id, step, child, kind } : undefined;
}

/** The `d` field, unpacked. */
export interface FixedPart {
  /** The job format version ({@link JOB_FORMAT_VERSION} for a job stored without one). */
  version: string;
  priority: number;
  maxAttempts: number;
  /** The transport's enqueuedAt (Redis TIME). */
  enqueuedAt: number;
  /** The producer's enqueuedAt, as an offset back from `enqueuedAt`. */
  offset: number;
  /** The rest of the field, so it may hold anything. */
  task: string;
}

/**
 * Unpacks the `d` field: `<version><priority>|<maxAttempts>|<enqueuedAt>|<offset>|<task>`,
 * the priority the one digit before the first '|'. Undefined when it is not one.
 */
export function parseFixed(fixed: unknown): FixedPart | undefined {
  if (typeof fixed !== 'string') return undefined;
  const a = fixed.indexOf(PACKED_SEPARATOR);
  const b = fixed.indexOf(PACKED_SEPARATOR, a + 1);
  const c = fixed.indexOf(PACKED_SEPARATOR, b + 1);
  const d = fixed.indexOf(PACKED_SEPARATOR, c + 1);
  if (a < 1 || b < 0 || c < 0 || d < 0) return undefined;
  const version = fixed.slice(0, a - 1);
  return {
    version: version === UNVERSIONED ? CURRENT_VERSION : version,
    priority: Number(fixed.slice(a - 1, a)),
    maxAttempts: Number(fixed.slice(a + 1, b)),
    enqueuedAt: Number(fixed.slice(b + 1, c)),
    offset: Number(fixed.slice(c + 1, d)),
    task: fixed.slice(d + 1),
  };
}

/** The version a `d` field names, whatever follows it; undefined when it names none. */
function versionOf(fixed: unknown): string | undefined {
  if (typeof fixed !== 'string') return undefined;
  const a = fixed.indexOf(PACKED_SEPARATOR);
  return a > 1 ? fixed.slice(0, a - 1) : undefined;
}

/** Throws when a `d` field names a job format version this package cannot read. */
function assertKnownVersion(id: string, fixed: unknown): void {
  const version = versionOf(fixed);
  if (version === undefined || version === CURRENT_VERSION) return;
  throw unknownVersionError(id, version, CURRENT_VERSION);
}

/** The stored parts of a job, as scripts return them. */
export interface StoredJob {
  /** `d`, see {@link parseFixed}. */
  fixed: unknown;
  /** `i`: the input JSON. */
  input: unknown;
  /** `y`: `[idempotencyKey, schema, workflow?]` JSON, when set. */
  extras: unknown;
  /** `x`: expiresAt, when set (garbage there is refused: storedExpiry). */
  expiresAt: unknown;
  /** A schema fingerprint sent apart from `y` (reserve.lua's compact reply), when there is one. */
  schema?: string | undefined;
}

const present = (value: unknown): boolean => value != null && value !== false;

/**
 * Rebuilds an envelope. The id, queue and attempt are not stored with the job: the key and
 * the delivery give them. Throws {@link InvalidEnvelopeError} for a job format version this
 * package does not read, and for anything malformed.
 */
export function decodeEnvelope(
  id: string,
  queue: string,
  job: StoredJob,
  attempt: number,
): JobEnvelope {
  const parsed = parseFixed(job.fixed);
  if (parsed?.version !== CURRENT_VERSION) assertKnownVersion(id, job.fixed);
  if (!present(job.fixed) && !present(job.input)) {
    // reserve.lua sends the id alone when either is missing.
    throw missingFieldError(
      id,
      '`d` field (its task, priority and attempts) or `i` field (its input)',
    );
  }
  const fixed = assertFixed(id, job.fixed, parsed);
  if (typeof job.input !== 'string') {
    throw missingFieldError(id, '`i` field (its input)');
  }
  const input = parseStored(id, 'an input (`i` field)', job.input) as JsonValue;
  const extras = present(job.extras)
    ? parseStored(id, 'a `y` field (idempotency key, schema, workflow)', String(job.extras))
    : undefined;
  const envelope: JobEnvelope = {
    v: ENVELOPE_VERSION,
    id,
    task: fixed.task,
    queue,
    input,
    attempt,
    maxAttempts: fixed.maxAttempts,
    priority: fixed.priority,
    enqueuedAt: fixed.enqueuedAt - fixed.offset,
  };
  if (Array.isArray(extras)) {
    if (typeof extras[0] === 'string') envelope.idempotencyKey = extras[0];
    if (typeof extras[1] === 'string') envelope.schema = extras[1];
    const workflow = workflowRefOf(extras[2]);
    if (workflow) envelope.workflow = workflow;
  } else if (job.schema !== undefined) {
    envelope.schema = job.schema;
  }
  if (present(job.expiresAt)) envelope.expiresAt = storedExpiry(id, job.expiresAt);
  return envelope;
}

/** The `b` field, unpacked; undefined when it is not one. */
export function parseDelivery(
  delivery: string | undefined,
): { startedAt: number; leaseExpiresAt: number; consumer: string } | undefined {
  const parts = delivery?.split(PACKED_SEPARATOR);
  // The consumer is the rest: it may hold the separator.
  if (!parts || parts.length < 4) return undefined;
  return {
    startedAt: Number(parts[0]),
    leaseExpiresAt: Number(parts[1]),
    consumer: parts.slice(3).join(PACKED_SEPARATOR),
  };
}

/**
 * Turns a job hash (flat `[field, value, …]` as HGETALL returns it) into a record; null when
 * it is empty or has no state. A format version, or a state, this package does not read
 * throws {@link InvalidEnvelopeError}; other damage shows as what can be shown: an unreadable
 * job has an empty task and, unless an error is stored, why it cannot be read as its error.
 */
export function decodeRecord(
  id: string,
  queue: string,
  flat: readonly unknown[],
): JobRecord | null {
  const hash = hashOf(flat);
  const code = hash[JOB_FIELD.state];
  const state = STATE_OF_CODE[code ?? ''];
  if (!state && code !== undefined) throw unknownStateError(id, code);
  if (!state) return null;
  const fixed = hash[JOB_FIELD.fixed];
  assertKnownVersion(id, fixed);
  let envelope: JobEnvelope;
  let unreadable: JobError | undefined;
  try {
    envelope = decodeEnvelope(
      id,
      queue,
      {
        fixed,
        input: hash[JOB_FIELD.input],
        extras: hash[JOB_FIELD.extras],
        expiresAt: hash[JOB_FIELD.expiresAt],
      },
      0,
    );
  } catch (error) {
    // Garbage written into the job's hash: show what can be shown rather than throw.
    envelope = unreadableEnvelope(id, queue, hash[JOB_FIELD.input] ?? null);
    unreadable = reasonOf(error);
  }
  // No task is named '' (TASK_NAME_RULE): one with none is unreadable, and its error says why.
  if (!unreadable && envelope.task === '') {
    unreadable = reasonOf(missingFieldError(id, `task in its \`d\` field ${quoted(fixed)}`));
  }
  const record: JobRecord = {
    id,
    state,
    envelope,
    attempts: finiteOr(hash[JOB_FIELD.attempts], 0),
    enqueuedAt: finiteOr(parseFixed(fixed)?.enqueuedAt, 0),
  };
  if (state === 'delayed') setTime(record, 'dueAt', Number(hash[JOB_FIELD.dueAt]));
  const delivery = parseDelivery(hash[JOB_FIELD.delivery]);
  setTime(record, 'startedAt', delivery?.startedAt);
  // `<finishedAt>` or `<finishedAt> <expiry>`: parseInt stops at the space.
  setTime(record, 'finishedAt', Number.parseInt(hash[JOB_FIELD.finished] ?? '', 10));
  if (state === 'active' && delivery) {
    setTime(record, 'leaseExpiresAt', delivery.leaseExpiresAt);
    record.consumer = delivery.consumer;
  }
  if (hash[JOB_FIELD.cancelRequested] === CANCEL_REQUESTED) record.cancelRequested = true;
  const { progress, result, error } = JOB_FIELD;
  if (hash[progress] !== undefined) record.progress = parseJson(hash[progress]) as JsonValue;
  if (hash[result] !== undefined) record.result = parseJson(hash[result]) as JsonValue;
  if (hash[error] !== undefined) record.error = parseJson(hash[error]) as JobError;
  else if (unreadable) record.error = unreadable;
  const history = hash[JOB_FIELD.history];
  if (history !== undefined) record.history = parseHistory(history);
  return record;
}

/**
 * {@link decodeRecord} for a page of a listing: a job of a format version this package does
 * not read is a row, not an error for the whole page. The row has an empty task, as other
 * unreadable jobs do, and the reason as its error: the rest of its hash is in a layout this
 * package does not know, so only its state, attempts and finish time are read.
 */
export function decodeListedRecord(
  id: string,
  queue: string,
  flat: readonly unknown[],
): JobRecord | null {
  try {
    return decodeRecord(id, queue, flat);
  } catch (error) {
    const hash = hashOf(flat);
    const state = STATE_OF_CODE[hash[JOB_FIELD.state] ?? ''];
    if (!state) return null;
    const record: JobRecord = {
      id,
      state,
      envelope: unreadableEnvelope(id, queue, null),
      attempts: finiteOr(hash[JOB_FIELD.attempts], 0),
      enqueuedAt: 0,
      error: reasonOf(error),
    };
    setTime(record, 'finishedAt', Number.parseInt(hash[JOB_FIELD.finished] ?? '', 10));
    return record;
  }
}

/** A job hash as HGETALL returns it, `[field, value, …]`, as an object. */
function hashOf(flat: readonly unknown[]): Record<string, string> {
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) hash[String(flat[i])] = String(flat[i + 1]);
  return hash;
}

function finiteOr(text: string | number | undefined, fallback: number): number {
  return Number.isFinite(Number(text)) ? Number(text) : fallback;
}

/** Sets a time that reads as one, else leaves it out: NaN made readers' time formatting throw. */
function setTime<K extends string>(record: { [key in K]?: number }, key: K, at?: number): void {
  if (Number.isFinite(at)) record[key] = at as number;
}
