import type { EnqueueRequest } from '@conveyor/core';
import { inputJsonOf } from '@conveyor/core/transport';
import { JOB_FORMAT_VERSION } from './job-hash.js';
import { uniqueOf } from './script-calls.js';

// The arguments of enqueue-one.lua, the single plain ready job's path past enqueue.lua.

/**
 * Whether a schema fingerprint packs as `#<schema>`, read back by packed-job.lua as
 * `[null,"<schema>"]`: printable ASCII without a space, `"` or a backslash, so that JSON escapes
 * none of it (fingerprints are hex digests; any other goes through enqueue.lua).
 */
function packableSchema(schema: string): boolean {
  if (schema === '') return false;
  for (let i = 0; i < schema.length; i++) {
    const code = schema.charCodeAt(i);
    if (code <= SPACE || code > TILDE || code === QUOTE || code === BACKSLASH) return false;
  }
  return true;
}
const SPACE = 0x20;
const TILDE = 0x7e; // the last printable ASCII character
const QUOTE = 0x22; // '"'
const BACKSLASH = 0x5c;
const HASH_SIGN = 0x23; // '#'

/** The indexes of enqueue-one.lua's five keys among a queue's 21 (queueKeys in keys.ts). */
const JOB_PREFIX = 0;
const FIRST_READY = 1;
const DELAYED = 11;
const LEASES = 12;
const MARKER = 13;

/** enqueue-one.lua's keys for a job of `priority`, out of the queue's 21. */
export function enqueueOneKeys(queueKeys: readonly string[], priority: number): string[] {
  return [
    queueKeys[JOB_PREFIX],
    queueKeys[FIRST_READY + priority],
    queueKeys[DELAYED],
    queueKeys[LEASES],
    queueKeys[MARKER],
  ] as string[];
}

/**
 * enqueue-one.lua's arguments for a request that enqueue.lua would write packed and ready at
 * once: no delay or run time, no expiry, idempotency key, workflow or index entries, and at
 * most a schema fingerprint that packs; undefined for any other request, which goes through
 * enqueue.lua. `packWaitingJobs` false (every job its own hash) sends none here.
 */
export function enqueueOneArgs(
  request: EnqueueRequest,
  queue: string,
  packWaitingJobs: boolean,
): string[] | undefined {
  const { envelope } = request;
  if (
    !packWaitingJobs ||
    request.delayMs !== undefined ||
    request.runAt !== undefined ||
    (request.index !== undefined && request.index.length > 0) ||
    envelope.expiresAt !== undefined ||
    envelope.idempotencyKey !== undefined ||
    envelope.workflow !== undefined ||
    envelope.task.includes(' ')
  ) {
    return undefined;
  }
  const { schema } = envelope;
  if (schema !== undefined && !packableSchema(schema)) return undefined;
  const input = inputJsonOf(request);
  // Without a fingerprint, input starting with '#' would read back as one (never JSON).
  if (schema === undefined && input.charCodeAt(0) === HASH_SIGN) return undefined;
  const enqueuedAt = Number.isFinite(envelope.enqueuedAt) ? Math.round(envelope.enqueuedAt) : 0;
  return [
    uniqueOf(envelope.id, queue),
    `${JOB_FORMAT_VERSION}${envelope.priority}|${envelope.maxAttempts}`,
    String(enqueuedAt),
    schema === undefined ? `${envelope.task} ${input}` : `${envelope.task} #${schema} ${input}`,
  ];
}

/** enqueue-one.lua's reply when housekeeping is due and enqueue.lua must run instead. */
export const ENQUEUE_ONE_DEFERRED = -1;
