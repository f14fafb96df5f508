import {
  ENVELOPE_VERSION,
  InvalidEnvelopeError,
  type JobEnvelope,
  type JobError,
  type JobRecord,
  type JobState,
  type JsonValue,
} from '@conveyor/core';

/**
 * A job is stored as a small hash (see `scripts/includes/queue.lua`): the input in its
 * own field, so that small inputs stay under Redis' `hash-max-listpack-value` (64 bytes)
 * and the hash keeps the compact listpack encoding, and the fixed small parts in one
 * field `d` (`<priority>|<maxAttempts>|<enqueuedAt>|<offset>|<task>`): one field instead
 * of five saves about 16 bytes per job and lets reserve read fewer fields.
 * The id, queue, version and attempt are not stored: the key and the record give them.
 */
export function encodeExtras(envelope: JobEnvelope): string {
  const { idempotencyKey, schema } = envelope;
  if (idempotencyKey === undefined && schema === undefined) return '';
  return JSON.stringify([idempotencyKey ?? null, schema ?? null]);
}

/** The stored parts of a job, as scripts return them. */
export interface StoredJob {
  /** `d`: `<priority>|<maxAttempts>|<enqueuedAt>|<offset of the producer's enqueuedAt>|<task>`. */
  fixed: unknown;
  /** `i`: the input JSON. */
  input: unknown;
  /** `y`: `[idempotencyKey, schema]` JSON, when set. */
  extras: unknown;
  /** `x`: expiresAt, when set. */
  expiresAt: unknown;
}

interface FixedPart {
  priority: number;
  maxAttempts: number;
  /** The transport's enqueuedAt (Redis TIME). */
  enqueuedAt: number;
  /** The producer's enqueuedAt, as an offset back from `enqueuedAt`. */
  offset: number;
  task: string;
}

/** Splits the `d` field; undefined when it is not one. */
export function parseFixed(fixed: unknown): FixedPart | undefined {
  if (typeof fixed !== 'string') return undefined;
  const a = fixed.indexOf('|');
  const b = fixed.indexOf('|', a + 1);
  const c = fixed.indexOf('|', b + 1);
  const d = fixed.indexOf('|', c + 1);
  if (a < 0 || b < 0 || c < 0 || d < 0) return undefined;
  return {
    priority: Number(fixed.slice(0, a)),
    maxAttempts: Number(fixed.slice(a + 1, b)),
    enqueuedAt: Number(fixed.slice(b + 1, c)),
    offset: Number(fixed.slice(c + 1, d)),
    task: fixed.slice(d + 1),
  };
}

const present = (value: unknown): boolean =>
  value !== null && value !== undefined && value !== false;

/** Rebuilds an envelope; throws {@link InvalidEnvelopeError} on anything malformed. */
export function decodeEnvelope(
  id: string,
  queue: string,
  job: StoredJob,
  attempt: number,
): JobEnvelope {
  const fixed = parseFixed(job.fixed);
  if (!fixed || typeof job.input !== 'string') {
    throw new InvalidEnvelopeError(
      `Job ${JSON.stringify(id)} has no task or input in Redis; it was not written by this Conveyor version.`,
    );
  }
  let input: JsonValue;
  let extras: unknown;
  try {
    input = JSON.parse(job.input) as JsonValue;
    extras = present(job.extras) ? JSON.parse(String(job.extras)) : undefined;
  } catch (cause) {
    throw new InvalidEnvelopeError(
      `Job ${JSON.stringify(id)} has an input that is not JSON: ${JSON.stringify(job.input.slice(0, 200))}.`,
      { cause },
    );
  }
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
  }
  if (present(job.expiresAt)) envelope.expiresAt = Number(job.expiresAt);
  if (![envelope.maxAttempts, envelope.priority, envelope.enqueuedAt].every(Number.isFinite)) {
    throw new InvalidEnvelopeError(
      `Job ${JSON.stringify(id)} has a malformed priority, maxAttempts or enqueuedAt.`,
    );
  }
  return envelope;
}

const STATES: Record<string, JobState> = {
  w: 'waiting',
  d: 'delayed',
  a: 'active',
  c: 'completed',
  f: 'failed',
  x: 'dead',
  n: 'cancelled',
  e: 'expired',
};

/** Turns a job hash (flat `[field, value, …]` as HGETALL returns it) into a record. */
export function decodeRecord(
  id: string,
  queue: string,
  flat: readonly unknown[],
): JobRecord | null {
  if (flat.length === 0) return null;
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) hash[String(flat[i])] = String(flat[i + 1]);
  const state = STATES[hash.s ?? ''];
  if (!state) return null;
  const attempts = Number(hash.n ?? 0);
  let envelope: JobEnvelope;
  try {
    envelope = decodeEnvelope(
      id,
      queue,
      { fixed: hash.d, input: hash.i, extras: hash.y, expiresAt: hash.x },
      0,
    );
  } catch {
    // Garbage written into the job's hash: show what can be shown rather than throw.
    envelope = {
      v: ENVELOPE_VERSION,
      id,
      task: '',
      queue,
      input: hash.i ?? null,
      attempt: 0,
      maxAttempts: 0,
      priority: 0,
      enqueuedAt: 0,
    };
  }
  const record: JobRecord = {
    id,
    state,
    envelope,
    attempts,
    enqueuedAt: parseFixed(hash.d)?.enqueuedAt ?? 0,
  };
  if (state === 'delayed' && hash.u !== undefined) record.dueAt = Number(hash.u);
  // b: `<startedAt>|<lease deadline>|<token>|<consumer>` of the latest delivery.
  const delivery = hash.b?.split('|');
  if (delivery && delivery.length >= 4) record.startedAt = Number(delivery[0]);
  // f: `<finishedAt>`, or `<finishedAt> <expiry>` when the finished list bounds its age.
  if (hash.f !== undefined) record.finishedAt = Number.parseInt(hash.f, 10);
  if (state === 'active') {
    if (delivery && delivery.length >= 4) {
      record.leaseExpiresAt = Number(delivery[1]);
      record.consumer = delivery.slice(3).join('|');
    }
  }
  if (hash.r === '1') record.cancelRequested = true;
  if (hash.g !== undefined) record.progress = parseJson(hash.g) as JsonValue;
  if (hash.o !== undefined) record.result = parseJson(hash.o) as JsonValue;
  if (hash.e !== undefined) record.error = parseJson(hash.e) as JobError;
  return record;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
