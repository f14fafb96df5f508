import {
  InvalidEnvelopeError,
  type JobEnvelope,
  type JobError,
  type JsonValue,
} from '@conveyor/core';
import { ENVELOPE_VERSION, toJobError } from '@conveyor/core/transport';
import type { FixedPart } from './job-hash.js';

// A job hash this package cannot read, in one place: the errors that say which field is
// wrong and quote it, and the record a listing shows for such a job.

/** The error for a job stored in a job format version this package does not read. */
export function unknownVersionError(
  id: string,
  version: string,
  current: string,
): InvalidEnvelopeError {
  return new InvalidEnvelopeError(
    `Job ${JSON.stringify(id)} is stored in job format version ${JSON.stringify(version)}, and this @conveyor/redis reads version ${current} only: a newer Conveyor enqueued it. Upgrade @conveyor/redis (workers and CLI alike) to the producer's version: a worker with this one dead-letters the job, and a CLI with it cannot retry it. With the newer one, \`conveyor retry ${id}\` puts the dead-lettered job back in its queue.`,
  );
}

/** The error for a job hash whose state is none this package knows. */
export function unknownStateError(id: string, state: string): InvalidEnvelopeError {
  return new InvalidEnvelopeError(
    `Job ${JSON.stringify(id)} has state ${quoted(state)} in Redis, which this @conveyor/redis does not know: a newer Conveyor wrote it, or something other than Conveyor did. This version neither runs nor shows such a job; if a newer Conveyor runs beside it, upgrade @conveyor/redis (workers and CLI alike) to that version.`,
  );
}

/** Longest stored value a message quotes. */
const QUOTED_CHARS = 100;

/** A stored value for a message: JSON-quoted, cut to {@link QUOTED_CHARS} with the cut marked. */
export function quoted(value: unknown): string {
  const text = String(value);
  return text.length <= QUOTED_CHARS
    ? JSON.stringify(text)
    : `${JSON.stringify(text.slice(0, QUOTED_CHARS))}… (${text.length - QUOTED_CHARS} more characters)`;
}

/** What a message about a damaged job says to do. */
const NOT_OURS =
  'it was not written by Conveyor, and no worker can run it. Enqueue its work again as a new job if it is needed';

/** The error for a job hash that lacks `field`. */
export function missingFieldError(id: string, field: string): InvalidEnvelopeError {
  return new InvalidEnvelopeError(
    `Job ${JSON.stringify(id)} has no ${field} in Redis: ${NOT_OURS}.`,
  );
}

/** Throws unless the `d` field read as one, naming the field and quoting what is there. */
export function assertFixed(id: string, stored: unknown, fixed: FixedPart | undefined): FixedPart {
  if (stored === undefined || stored === null || stored === false) {
    throw missingFieldError(id, '`d` field (its task, priority and attempts)');
  }
  if (!fixed) {
    throw new InvalidEnvelopeError(
      `Job ${JSON.stringify(id)} has a malformed \`d\` field ${quoted(stored)} in Redis (expected <version><priority>|<maxAttempts>|<enqueuedAt>|<offset>|<task>): ${NOT_OURS}.`,
    );
  }
  // The usual job passes these checks: nothing below is built for it (this runs per job
  // reserved, on the worker's hot path).
  if (
    Number.isFinite(fixed.priority) &&
    Number.isFinite(fixed.enqueuedAt) &&
    Number.isFinite(fixed.offset) &&
    Number.isInteger(fixed.maxAttempts) &&
    fixed.maxAttempts >= 1
  ) {
    return fixed;
  }
  const parts = String(stored).split('|');
  const numbers: Array<[name: string, value: number, text: string | undefined]> = [
    ['priority', fixed.priority, parts[0]?.slice(-1)],
    ['maxAttempts', fixed.maxAttempts, parts[1]],
    ['enqueuedAt', fixed.enqueuedAt, parts[2]],
    ['enqueuedAt offset', fixed.offset, parts[3]],
  ];
  for (const [name, value, text] of numbers) {
    if (Number.isFinite(value)) continue;
    throw new InvalidEnvelopeError(
      `Job ${JSON.stringify(id)} has a malformed ${name} ${quoted(text)} in its \`d\` field ${quoted(stored)}: ${NOT_OURS}.`,
    );
  }
  // Conveyor stores at least one delivery: fewer would run a job it may not run.
  if (!Number.isInteger(fixed.maxAttempts) || fixed.maxAttempts < 1) {
    throw new InvalidEnvelopeError(
      `Job ${JSON.stringify(id)} has a malformed maxAttempts ${quoted(parts[1])} in its \`d\` field ${quoted(stored)} (expected a whole number of at least 1): ${NOT_OURS}.`,
    );
  }
  return fixed;
}

/** A stored `x` field (expiresAt, epoch ms); throws naming the field and quoting it when it is no number. */
export function storedExpiry(id: string, stored: unknown): number {
  const expiresAt = Number(stored);
  if (Number.isFinite(expiresAt) && String(stored).trim() !== '') return expiresAt;
  throw new InvalidEnvelopeError(
    `Job ${JSON.stringify(id)} has a malformed \`x\` field (its expiry, in epoch ms) ${quoted(stored)} in Redis: ${NOT_OURS}.`,
  );
}

/** A stored JSON field, parsed; throws naming the field and quoting it when it is not JSON. */
export function parseStored(id: string, field: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new InvalidEnvelopeError(
      `Job ${JSON.stringify(id)} has ${field} that is not JSON: ${quoted(text)}: ${NOT_OURS}.`,
      { cause },
    );
  }
}

/** The envelope of a job that cannot be read: no task (no task has an empty name). */
export function unreadableEnvelope(id: string, queue: string, input: JsonValue): JobEnvelope {
  return {
    v: ENVELOPE_VERSION,
    id,
    task: '',
    queue,
    input,
    attempt: 0,
    maxAttempts: 0,
    priority: 0,
    enqueuedAt: 0,
  };
}

/** Why a job cannot be read, as its record's error: the message and code, no stack of ours. */
export function reasonOf(error: unknown): JobError {
  const { name, message, code } = toJobError(error);
  return code === undefined ? { name, message } : { name, message, code };
}
