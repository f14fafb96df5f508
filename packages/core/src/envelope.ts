import { InvalidEnvelopeError, PayloadTooLargeError } from './errors.js';
import { assertJsonValue, checkJsonValue, type JsonValue } from './json.js';
import { parsePartitionName, partitionNameProblem, QUEUE_NAME_PATTERN } from './partitions.js';
import { assertPayloadSize, DEFAULT_MAX_PAYLOAD_BYTES } from './payload-size.js';

/** Current job envelope format. Bumped only for incompatible changes; see docs/job-envelope.md. */
export const ENVELOPE_VERSION = 1;

/**
 * The unit a transport stores and delivers: JSON only, versioned, self-describing.
 *
 * ```json
 * { "v": 1, "id": "emails:m3x0q2k1-8f2a9c7d4e1b", "task": "shop.sendWelcomeEmail",
 *   "queue": "emails", "input": { "email": "ada@example.com" }, "attempt": 0,
 *   "maxAttempts": 3, "priority": 5, "enqueuedAt": 1764000000000 }
 * ```
 */
export interface JobEnvelope {
  /** Envelope format version ({@link ENVELOPE_VERSION}). */
  v: 1;
  /** Job id, `<queue>:<unique part>`; see {@link newJobId}. */
  id: string;
  /** Task name, as given to `defineTask`. */
  task: string;
  /** Queue the job was enqueued on. */
  queue: string;
  /** Task input, as passed by the producer (validated by it, validated again by the worker). */
  input: JsonValue;
  /**
   * 0 as stored; on delivery the transport sets the 1-based number of this delivery
   * (the first run is attempt 1).
   */
  attempt: number;
  /** Deliveries allowed before the job is dead-lettered. */
  maxAttempts: number;
  /** 0 (lowest) to 9 (highest); higher runs first. */
  priority: number;
  /** Producer clock, ms since the epoch. Informational: due times use the transport's clock. */
  enqueuedAt: number;
  /** Dedupe key: a second enqueue with the same key inside the window returns the first job. */
  idempotencyKey?: string;
  /** ms since the epoch; a job not started by then is dropped as `expired`. */
  expiresAt?: number;
  /** Fingerprint of the input schema the producer validated with (codegen). */
  schema?: string;
  /** Set on a workflow's step jobs only: the step the job runs (docs/workflows.md §3). */
  workflow?: JobWorkflowRef;
}

/**
 * The workflow step a step job runs. `run`: the step (or a map child, or a compensation);
 * the worker resolves its input from the workflow's stored results, except a map child's,
 * which is the envelope's `input`. `expand`: a map stage's job, which computes the stage's
 * items and hands them to `transport.workflows.expand`.
 */
export interface JobWorkflowRef {
  /** The workflow's id (`wf_…`). */
  id: string;
  /** The step's name, as in the plan. */
  step: string;
  /** A map child's 0-based index. */
  child?: number;
  kind: 'run' | 'expand';
}

const QUEUE_NAME = new RegExp(`^${QUEUE_NAME_PATTERN}$`);
/** The queue name rule, for messages. */
export const QUEUE_NAME_RULE = '1–64 characters from A–Z, a–z, 0–9, "_", "." and "-"';

/** True when `queue` is 1–64 characters of letters, digits, `_`, `.` or `-`. */
export function isQueueName(queue: unknown): queue is string {
  // The typeof check matters: RegExp#test would coerce 123 to "123".
  return typeof queue === 'string' && QUEUE_NAME.test(queue);
}

/**
 * True for a name a transport stores jobs under: a queue name ({@link isQueueName}) or a
 * partition's name (`emails~3of8`, see partitions.ts).
 */
export function isStoredQueueName(name: unknown): name is string {
  return (
    typeof name === 'string' &&
    (QUEUE_NAME.test(name) || (name.length <= 80 && parsePartitionName(name) !== undefined))
  );
}

/** The rule {@link isStoredQueueName} checks, for messages. */
export const STORED_QUEUE_NAME_RULE = `${QUEUE_NAME_RULE}, or a partition's name such as "emails~3of8"`;

const PARTITION_LIKE = /^(.+)~\d+of\d+$/;

/**
 * {@link QUEUE_NAME_RULE}, for a message about `name` where a queue's name is asked for; when
 * `name` is written like a partition's name (`emails~3of8`), that partitions are picked, not
 * named, and what to pass instead.
 */
export function queueNameRule(name: unknown): string {
  const queue = typeof name === 'string' ? PARTITION_LIKE.exec(name)?.[1] : undefined;
  if (queue === undefined || !isQueueName(queue)) return QUEUE_NAME_RULE;
  return `a queue's name, not one of its partitions: pass ${JSON.stringify(queue)}, and each job's partition is picked by the task's partitionBy field, the idempotency key or the job id (docs/partitions.md)`;
}

/**
 * `rule` ({@link STORED_QUEUE_NAME_RULE} unless a caller words it its own way) for a message
 * about `name`, with what is wrong with it when it is written like a partition's name but is
 * none (`emails~5of3`: there is no partition 5 of 3).
 */
export function storedQueueNameRule(name: unknown, rule = STORED_QUEUE_NAME_RULE): string {
  const problem = typeof name === 'string' ? partitionNameProblem(name) : undefined;
  return problem === undefined ? rule : `${rule}; ${problem}`;
}

/**
 * Throws unless `queue` is a name a transport stores jobs under: 1–64 characters of
 * letters, digits, `_`, `.` or `-`, or a partition's name ({@link isStoredQueueName}).
 */
export function assertQueueName(queue: string): void {
  if (!isStoredQueueName(queue)) {
    throw new InvalidEnvelopeError(
      `Invalid queue name ${JSON.stringify(queue)}: use ${storedQueueNameRule(queue)}.`,
    );
  }
}

/** Serializes an envelope and enforces the payload limit. Returns the JSON text. */
export function serializeEnvelope(
  envelope: JobEnvelope,
  maxBytes: number = DEFAULT_MAX_PAYLOAD_BYTES,
): string {
  assertJsonValue(envelope.input, 'input');
  const text = JSON.stringify(envelope);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) {
    throw new PayloadTooLargeError(envelope.task, bytes, maxBytes, envelope.id);
  }
  return text;
}

/**
 * Checks and serializes an envelope's input, and enforces the payload limit on the whole
 * envelope: the same errors as {@link serializeEnvelope}, but the envelope is serialized
 * only when a bound on its size comes near the limit. Returns the input's JSON text, and
 * whether parsing that text gives back exactly the input (no Dates, no `undefined`).
 */
export function serializeInput(
  envelope: JobEnvelope,
  maxBytes: number = DEFAULT_MAX_PAYLOAD_BYTES,
  setting?: string,
): { inputJson: string; exact: boolean } {
  const exact = checkJsonValue(envelope.input, 'input');
  const inputJson = JSON.stringify(envelope.input);
  assertPayloadSize(envelope, inputJson, maxBytes, setting);
  return { inputJson, exact };
}

/**
 * Parses and checks envelope JSON as read from a broker. Anything that is not a
 * version-1 envelope raises {@link InvalidEnvelopeError} quoting the offending text.
 */
export function parseEnvelope(text: string): JobEnvelope {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new InvalidEnvelopeError(`Job payload is not JSON: ${quote(text)}`, { cause });
  }
  return checkEnvelope(value, text);
}

/** Checks that an already-parsed value is a version-1 envelope. */
export function checkEnvelope(value: unknown, raw: string = safeStringify(value)): JobEnvelope {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidEnvelopeError(`Job payload is not an object: ${quote(raw)}`);
  }
  const record = value as Record<string, unknown>;
  if (record.v !== ENVELOPE_VERSION) {
    throw new InvalidEnvelopeError(
      `Unsupported job envelope version ${JSON.stringify(record.v)} (this Conveyor reads version ${ENVELOPE_VERSION}); upgrade the worker or re-enqueue the job. Payload: ${quote(raw)}`,
    );
  }
  const problems: string[] = [];
  for (const field of ['id', 'task', 'queue'] as const) {
    if (typeof record[field] !== 'string' || record[field] === '') problems.push(field);
  }
  for (const field of ['attempt', 'maxAttempts', 'priority', 'enqueuedAt'] as const) {
    if (typeof record[field] !== 'number' || !Number.isFinite(record[field])) problems.push(field);
  }
  // At least one delivery: below that, a job would run that may not run at all.
  const { maxAttempts } = record;
  if (
    Number.isFinite(maxAttempts) &&
    !(Number.isInteger(maxAttempts) && Number(maxAttempts) >= 1)
  ) {
    problems.push('maxAttempts (a whole number of at least 1)');
  }
  if (!('input' in record)) problems.push('input');
  for (const field of ['idempotencyKey', 'schema'] as const) {
    if (record[field] !== undefined && typeof record[field] !== 'string') problems.push(field);
  }
  if (record.workflow !== undefined && !isWorkflowRef(record.workflow)) problems.push('workflow');
  if (
    record.expiresAt !== undefined &&
    (typeof record.expiresAt !== 'number' || !Number.isFinite(record.expiresAt))
  ) {
    problems.push('expiresAt');
  }
  if (problems.length > 0) {
    throw new InvalidEnvelopeError(
      `Job envelope has missing or invalid field(s) ${problems.join(', ')}: ${quote(raw)}`,
    );
  }
  return record as unknown as JobEnvelope;
}

function isWorkflowRef(value: unknown): value is JobWorkflowRef {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const ref = value as Record<string, unknown>;
  return (
    typeof ref.id === 'string' &&
    typeof ref.step === 'string' &&
    (ref.kind === 'run' || ref.kind === 'expand') &&
    (ref.child === undefined || (Number.isSafeInteger(ref.child) && (ref.child as number) >= 0))
  );
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Quotes a possibly huge payload for an error message. */
export function quote(text: string, max = 200): string {
  const shown = text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
  return JSON.stringify(shown);
}
