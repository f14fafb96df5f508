import { createHash, randomBytes, randomFillSync } from 'node:crypto';
import { isStoredQueueName } from './envelope.js';

// 64 URL-safe characters in ASCII order, so that ids sort like the times they start with.
// 64 is a power of two: `byte & 63` picks from it without bias.
const ALPHABET = '-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';
/** 7 characters of 6 bits hold every millisecond time until the year 2109. */
const TIME_CHARS = 7;
/** 10 characters: 60 random bits per id, so ids made in the same millisecond do not collide. */
const RANDOM_CHARS = 10;

// One crypto call per 4 KiB of randomness instead of one per id.
const pool = Buffer.alloc(4096);
let offset = pool.length;

function randomPart(length: number): string {
  if (offset + length > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[(pool[offset + i] as number) & 63];
  offset += length;
  return out;
}

// Ids take their random part from base64url text of a pooled random buffer: the same 64
// URL-safe characters, 6 uniform bits each, and one slice per id instead of ten appends.
// 3,072 bytes make 4,096 characters, no padding.
let idChars = '';
let idOffset = 0;

function randomIdPart(): string {
  if (idOffset + RANDOM_CHARS > idChars.length) {
    idChars = randomBytes(3072).toString('base64url');
    idOffset = 0;
  }
  const part = idChars.slice(idOffset, idOffset + RANDOM_CHARS);
  idOffset += RANDOM_CHARS;
  return part;
}

let lastMs = -1;
let lastTime = '';

function timePart(ms: number): string {
  if (ms === lastMs) return lastTime;
  lastTime = encodeTime(ms);
  lastMs = ms;
  return lastTime;
}

function encodeTime(ms: number): string {
  let out = '';
  let rest = ms;
  for (let i = 0; i < TIME_CHARS; i++) {
    out = ALPHABET[rest % 64] + out;
    rest = Math.floor(rest / 64);
  }
  return out;
}

/** The last slot time {@link scheduleJobId} can encode in its 7 time characters (in 2109). */
export const MAX_SLOT_AT = 64 ** TIME_CHARS - 1;
/** Schedule ids longer than this are hashed in {@link scheduleJobId}, keeping ids short. */
const PLAIN_SCHEDULE_ID_CHARS = 64;

/**
 * The job id of a schedule's slot, the same in every process: `<queue>:<time>.<scheduleId>`
 * (`<time>` the slot's 7 time characters, as in {@link newJobId}, so the jobs of a queue
 * still sort by time), or `<queue>:<time>:<hash>` for a schedule id over 64 characters (22
 * base64url characters of its SHA-256). Never equal to a {@link newJobId} id, whose
 * eighth character is never `.` or `:`. Arguments as `transport.schedules` checks them.
 *
 * @example
 * scheduleJobId('reports', 'daily-stock', 1764054000000); // 'reports:Oetny5-.daily-stock'
 */
export function scheduleJobId(queue: string, scheduleId: string, slotAt: number): string {
  const time = encodeTime(slotAt);
  if (scheduleId.length <= PLAIN_SCHEDULE_ID_CHARS) return `${queue}:${time}.${scheduleId}`;
  const hash = createHash('sha256').update(scheduleId).digest('base64url').slice(0, 22);
  return `${queue}:${time}:${hash}`;
}

/** What {@link scheduledSlotOf} reads from a schedule's job id. */
export interface ScheduledSlot {
  queue: string;
  /** The slot's time, ms since the epoch. */
  slotAt: number;
  /** The schedule's id; undefined when it was over 64 characters (the id holds a hash). */
  scheduleId?: string;
}

const HASHED_SCHEDULE_ID = /^[-0-9A-Z_a-z]{22}$/;
const PLAIN_SCHEDULE_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * The queue, slot and schedule of a job id made by {@link scheduleJobId}, or undefined for
 * any other id (a {@link newJobId} id among them).
 *
 * @example
 * scheduledSlotOf('reports:Oetny5-.daily-stock');
 * // { queue: 'reports', slotAt: 1764054000000, scheduleId: 'daily-stock' }
 */
export function scheduledSlotOf(jobId: string): ScheduledSlot | undefined {
  const queue = queueOfJobId(jobId);
  if (queue === undefined) return undefined;
  const start = queue.length + 1;
  const separator = jobId[start + TIME_CHARS];
  const rest = jobId.slice(start + TIME_CHARS + 1);
  if (separator === '.') {
    if (!PLAIN_SCHEDULE_ID.test(rest)) return undefined;
  } else if (separator !== ':' || !HASHED_SCHEDULE_ID.test(rest)) {
    return undefined;
  }
  let slotAt = 0;
  for (let i = start; i < start + TIME_CHARS; i++) {
    const digit = ALPHABET.indexOf(jobId[i] as string);
    if (digit < 0) return undefined;
    slotAt = slotAt * 64 + digit;
  }
  return separator === '.' ? { queue, slotAt, scheduleId: rest } : { queue, slotAt };
}

/**
 * A new job id, `<queue>:<time><random>`: 17 URL-safe characters after the queue. The queue
 * prefix lets a broker find a job's shard (Redis Cluster hash slot) from its id alone; the
 * time part keeps ids of one queue sortable by creation time (to the millisecond). The unique
 * part is short on purpose: a Redis transport stores it in a key and in a list per job.
 */
export function newJobId(queue: string): string {
  return `${queue}:${timePart(Date.now())}${randomIdPart()}`;
}

/**
 * The unique part of a new job id, `<time><random>` as in {@link newJobId}: for a producer
 * that picks the job's partition from it before writing `<partition>:<unique>`.
 */
export function newJobUnique(): string {
  return `${timePart(Date.now())}${randomIdPart()}`;
}

/** A lease token: proves which delivery of a job a worker holds. */
export function newLeaseToken(): string {
  return randomPart(16);
}

const COLON = 58;

/**
 * The queue of a job id, `<queue>:<unique>`, or undefined when `id` is not one: no valid
 * queue name before the first `:`, or nothing after it. The one parser of job ids; a
 * transport routes a job by it [R1].
 *
 * @example
 * queueOfJobId('emails:m3x0q2k1-8f2a9c7d4e1b'); // 'emails'
 */
export function queueOfJobId(id: string): string | undefined {
  if (typeof id !== 'string') return undefined;
  const separator = id.indexOf(':');
  if (separator <= 0 || separator === id.length - 1) return undefined;
  const queue = id.slice(0, separator);
  return isStoredQueueName(queue) ? queue : undefined;
}

/**
 * True when `id` is a job id of `queue` (`<queue>:<unique>`, `queue` already known to be
 * valid). Allocates nothing, for checking every id of a batch against the first one's queue.
 */
export function isJobIdOf(id: string, queue: string): boolean {
  return (
    typeof id === 'string' &&
    id.length > queue.length + 1 &&
    id.charCodeAt(queue.length) === COLON &&
    id.startsWith(queue)
  );
}

/** Workflow ids: `wf_` and 5–64 characters from A–Z, a–z, 0–9, `_` and `-`. */
export const WORKFLOW_ID_RULE = '"wf_" and 5–64 characters from A–Z, a–z, 0–9, "_" and "-"';

const WORKFLOW_ID = /^wf_[-0-9A-Z_a-z]{5,64}$/;

/** True when `id` follows {@link WORKFLOW_ID_RULE} (as {@link newWorkflowId}'s ids do). */
export function isWorkflowId(id: unknown): id is string {
  return typeof id === 'string' && WORKFLOW_ID.test(id);
}

/**
 * A new workflow id, `wf_<time><random>`: 17 URL-safe characters after `wf_`, sortable by
 * creation time (to the millisecond), as {@link newJobId}'s unique part.
 */
export function newWorkflowId(): string {
  return `wf_${timePart(Date.now())}${randomIdPart()}`;
}

/** Longest plain unique part of a {@link workflowJobId}; a longer one is hashed. */
const PLAIN_WORKFLOW_JOB_CHARS = 96;

/**
 * The job id of a workflow's step, the same in every process for one step, map child and
 * retry: `<queue>:<workflowId>.<step>[.<child>][.r<retries>]` (no child for a plain step,
 * no retry part for retry 0), or `<queue>:<workflowId>:<hash>` (22 base64url characters of
 * the SHA-256 of the rest) when the plain form's unique part would pass 96 characters.
 * Never equal to a {@link newJobId} id (which has no `.` or `:` after the queue) nor to a
 * {@link scheduleJobId} id (whose eighth character after the queue is `.` or `:`; here it
 * is a character of the workflow id). Arguments as `transport.workflows` checks them.
 *
 * @example
 * workflowJobId('emails', 'wf_Oetny5-abcdefghij', 'confirm'); // 'emails:wf_Oetny5-abcdefghij.confirm'
 * workflowJobId('charges', 'wf_Oetny5-abcdefghij', 'charge', 41, 1); // '….charge.41.r1'
 */
export function workflowJobId(
  queue: string,
  workflowId: string,
  step: string,
  child?: number,
  retries = 0,
): string {
  let tail = step;
  if (child !== undefined) tail += `.${child}`;
  if (retries > 0) tail += `.r${retries}`;
  if (workflowId.length + 1 + tail.length <= PLAIN_WORKFLOW_JOB_CHARS) {
    return `${queue}:${workflowId}.${tail}`;
  }
  const hash = createHash('sha256').update(tail).digest('base64url').slice(0, 22);
  return `${queue}:${workflowId}:${hash}`;
}
