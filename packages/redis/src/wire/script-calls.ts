import {
  type DeadLetterPage,
  type EnqueueRequest,
  type EnqueueResult,
  type FireRefusal,
  type FireRequest,
  type FireResult,
  type IndexEntry,
  InvalidEnvelopeError,
  type JobError,
  type JobRecord,
  type LeaseRenewal,
  type LeaseStatus,
  type Reservation,
  type ScheduleMark,
  type Settlement,
  type SettleStatus,
} from '@conveyor/core';
import { attemptError, inputJsonOf, toJobError } from '@conveyor/core/transport';
import { decodeEnvelope, decodeRecord, encodeExtras, JOB_FORMAT_VERSION } from './job-hash.js';

// The arguments the queue scripts take and the replies they give: every encoder and decoder
// of them, in one place. Each script's header (scripts/*.lua) names the same fields, and the
// README's "Script arguments and replies" table lists them. Ids and tokens hold no space, so
// a space separates the parts of one argument or reply string.

/** Separates the parts of one argument or reply string. */
const SEPARATOR = ' ';
/** Separates a job id's queue from its unique part, `<queue>:<unique>`. */
const ID_SEPARATOR = ':';

/** The unique part of a job id of `queue`: what the scripts take and give back. */
export function uniqueOf(id: string, queue: string): string {
  return id.slice(queue.length + 1);
}

/** The job id of a unique part the scripts gave back. */
export function idOf(queue: string, unique: string): string {
  return `${queue}${ID_SEPARATOR}${unique}`;
}

// --- enqueue.lua -----------------------------------------------------------------------

/**
 * Throws unless this package stores the request's envelope version. The rest of what the
 * enqueue arguments need (an id `<queue>:<unique>`, a one-digit priority, a fingerprint
 * without whitespace) core's createTransport has checked before the enqueuer is called.
 */
export function assertEncodable({ envelope }: EnqueueRequest): void {
  if (envelope.v !== JOB_FORMAT_VERSION) {
    throw new InvalidEnvelopeError(
      `Job ${JSON.stringify(envelope.id)} has envelope version ${JSON.stringify(envelope.v)}; this @conveyor/redis stores version ${JOB_FORMAT_VERSION}. Build envelopes with the @conveyor/core this transport depends on.`,
    );
  }
}

/** True when two requests share every field of a group header (see {@link enqueueArgs}). */
function sameGroup(a: EnqueueRequest, b: EnqueueRequest): boolean {
  const x = a.envelope;
  const y = b.envelope;
  return (
    x.task === y.task &&
    x.enqueuedAt === y.enqueuedAt &&
    x.priority === y.priority &&
    x.maxAttempts === y.maxAttempts &&
    x.expiresAt === y.expiresAt &&
    x.idempotencyKey === y.idempotencyKey &&
    x.schema === y.schema &&
    a.delayMs === b.delayMs &&
    a.runAt === b.runAt &&
    a.dedupeWindowMs === b.dedupeWindowMs &&
    (x.idempotencyKey === undefined || a.inputFingerprint === b.inputFingerprint) &&
    indexed(a) === indexed(b)
  );
}

/** Whether a request carries index entries (then each job of its group sends them). */
const indexed = (request: EnqueueRequest): boolean =>
  request.index !== undefined && request.index.length > 0;

/** Group header flags: what follows the header, and what follows each job's input. */
const GROUP_EXTRAS = 1;
const GROUP_INDEX = 2;

/**
 * A job's index entries as enqueue.lua reads them: `<field bytes>:<field><value
 * bytes>:<value>` per entry, so that a field or value may hold anything.
 */
export function encodeIndexEntries(entries: readonly IndexEntry[]): string {
  let out = '';
  for (const { field, value } of entries) {
    out += `${Buffer.byteLength(field)}:${field}${Buffer.byteLength(value)}:${value}`;
  }
  return out;
}

/**
 * A group header: `<count> <more> <priority> <maxAttempts> <producer's enqueuedAt>
 * <expiresAt> <delayMs> <runAt> <dedupe window> <task>`, absent numbers empty; the task
 * is the rest of the string, so it may hold anything. `more` is a digit of flags:
 * {@link GROUP_EXTRAS} when the `[idempotencyKey, schema]` JSON, the idempotency key and
 * the input fingerprint follow as three arguments, {@link GROUP_INDEX} when each job sends
 * its index entries ({@link encodeIndexEntries}) after its input.
 */
function groupHeader(request: EnqueueRequest, count: number): string {
  const { envelope, delayMs, runAt, dedupeWindowMs } = request;
  const extras = envelope.idempotencyKey !== undefined || envelope.schema !== undefined;
  const more = (extras ? GROUP_EXTRAS : 0) + (indexed(request) ? GROUP_INDEX : 0);
  const enqueuedAt = Number.isFinite(envelope.enqueuedAt) ? Math.round(envelope.enqueuedAt) : 0;
  return `${count} ${more} ${envelope.priority} ${envelope.maxAttempts} ${enqueuedAt} ${
    envelope.expiresAt ?? ''
  } ${delayMs ?? ''} ${delayMs === undefined ? (runAt ?? '') : ''} ${dedupeWindowMs ?? ''} ${
    envelope.task
  }`;
}

/**
 * The enqueue.lua arguments of one queue's chunk: the default dedupe window, the job format
 * version, then groups. Consecutive requests that differ only in id and input (one
 * enqueueMany, or single calls of one task made in the same tick) form a group: one header,
 * then `<unique id> <input JSON>` per job, so a job costs two arguments and the script
 * builds the shared fields once per group (a third, its index entries, when the group's
 * jobs have them). Throws NotJsonError for input JSON cannot carry.
 */
export function enqueueArgs(
  requests: readonly EnqueueRequest[],
  queue: string,
  defaultWindowMs: number,
): string[] {
  const args: string[] = [String(defaultWindowMs), String(JOB_FORMAT_VERSION)];
  let head = 0;
  let first: EnqueueRequest | undefined;
  let count = 0;
  let withIndex = false;
  for (const request of requests) {
    if (!first || !sameGroup(first, request)) {
      if (first) args[head] = groupHeader(first, count);
      first = request;
      count = 0;
      withIndex = indexed(request);
      head = args.length;
      args.push('');
      const { idempotencyKey, schema } = request.envelope;
      if (idempotencyKey !== undefined || schema !== undefined) {
        const fingerprint = idempotencyKey === undefined ? '' : (request.inputFingerprint ?? '');
        args.push(encodeExtras(request.envelope), idempotencyKey ?? '', fingerprint);
      }
    }
    args.push(uniqueOf(request.envelope.id, queue), inputJsonOf(request));
    if (withIndex) args.push(encodeIndexEntries(request.index ?? []));
    count += 1;
  }
  if (first) args[head] = groupHeader(first, count);
  return args;
}

/**
 * Reads enqueue.lua's reply into `results` (one per request, `duplicate: false` already):
 * `<position> <unique id of the earlier job> <fingerprint of its claim, or ''>` triples,
 * only for the jobs not added. `indexOf` maps a position in the chunk to one in `results`.
 */
export function readEnqueueReply(
  reply: readonly unknown[],
  queue: string,
  results: EnqueueResult[],
  indexOf: (position: number) => number | undefined,
): void {
  for (let i = 0; i + 2 < reply.length; i += 3) {
    const index = indexOf(Number(reply[i]));
    if (index === undefined) continue;
    const id = idOf(queue, String(reply[i + 1]));
    const inputFingerprint = String(reply[i + 2]);
    results[index] =
      inputFingerprint === '' ? { id, duplicate: true } : { id, duplicate: true, inputFingerprint };
  }
}

// --- reserve.lua -----------------------------------------------------------------------

/**
 * The token Redis keeps for a delivery. The jobs of one reserve call share it, so that the
 * call writes one delivery string to all of them. The token a reservation carries is it
 * followed by the job's unique id, which keeps it unique for the worker and ties it to its
 * job: a token that does not end with the settled job's id names no delivery of it
 * ({@link NO_DELIVERY}).
 */
export function storedToken(token: string, unique: string): string {
  return token.length > unique.length && token.endsWith(unique)
    ? token.slice(0, token.length - unique.length)
    : NO_DELIVERY;
}

/** A stored token no delivery has: Redis never stores it. */
const NO_DELIVERY = '!';

/** The reserve.lua arguments after the common two. */
export function reserveArgs(
  max: number,
  leaseMs: number,
  consumer: string,
  callToken: string,
): Array<string | number> {
  return [max, leaseMs, consumer, callToken];
}

/** The head of reserve.lua's reply. */
export interface ReserveReply {
  /** Redis time of the call. */
  now: number;
  /** Earliest due time or lease deadline in the queue (Redis ms), or -1; only when it leased nothing. */
  nextWake: number;
  /** Jobs the call leased, whether they decoded or not. */
  leased: number;
}

/** A leased job whose stored form could not be decoded: it goes to the dead-letter set. */
export interface BrokenDelivery {
  id: string;
  token: string;
  error: JobError;
}

/** Reply elements before the jobs: now, next wake, lease deadline. */
const RESERVE_HEAD = 3;
/** Reply elements per job: `<unique> <d> <input>`, then the attempt or `[attempt, y, x]`. */
const RESERVE_PER_JOB = 2;

/**
 * Reads reserve.lua's reply: pushes a reservation per job onto `reservations`, and a broken
 * delivery per job whose stored form is unreadable (an unknown format version, garbage)
 * onto `broken`. Per job the reply has `<unique> <d> <input>` in one string (the unique id
 * alone when `d` or the input is missing), then the attempt, or `[attempt, y or false,
 * x or false]` when the job has extras or an expiry.
 */
export function readReserveReply(
  reply: readonly unknown[],
  queue: string,
  callToken: string,
  reservations: Reservation[],
  broken: BrokenDelivery[],
): ReserveReply {
  const leaseExpiresAt = Number(reply[2]);
  let leased = 0;
  for (let i = RESERVE_HEAD; i + RESERVE_PER_JOB - 1 < reply.length; i += RESERVE_PER_JOB) {
    leased++;
    const packed = String(reply[i]);
    // Neither the unique id nor `d` holds a space; the input may.
    const first = packed.indexOf(SEPARATOR);
    const second = first < 0 ? -1 : packed.indexOf(SEPARATOR, first + 1);
    const unique = first < 0 ? packed : packed.slice(0, first);
    const id = idOf(queue, unique);
    const token = `${callToken}${unique}`;
    try {
      const meta = reply[i + 1];
      const rare = Array.isArray(meta) ? meta : undefined;
      const input = second < 0 ? undefined : packed.slice(second + 1);
      const job = {
        fixed: second < 0 ? undefined : packed.slice(first + 1, second),
        input,
        extras: rare?.[1] ?? null,
        expiresAt: rare?.[2] ?? null,
      };
      const envelope = decodeEnvelope(id, queue, job, Number(rare ? rare[0] : meta));
      // The input's size as stored, for the worker's payload cap: no second stringify.
      const inputBytes = Buffer.byteLength(input as string, 'utf8');
      reservations.push({ envelope, token, leaseExpiresAt, inputBytes });
    } catch (error) {
      broken.push({ id, token, error: toJobError(error) });
    }
  }
  return { now: Number(reply[0]), nextWake: Number(reply[1]), leased };
}

// --- get-job.lua, list-dead.lua --------------------------------------------------------

/** get-job.lua's reply, `{ now, field, value, … }` (HGETALL of the job), as a record. */
export function readJobReply(
  reply: readonly unknown[],
  id: string,
  queue: string,
): JobRecord | null {
  return decodeRecord(id, queue, reply.slice(1));
}

/** list-dead.lua's reply, `{ total, then per job: unique id, { HGETALL fields } }`. */
export function readDeadPage(reply: readonly unknown[], queue: string): DeadLetterPage {
  const jobs: DeadLetterPage['jobs'] = [];
  for (let i = 1; i + 1 < reply.length; i += 2) {
    const record = decodeRecord(idOf(queue, String(reply[i])), queue, reply[i + 1] as unknown[]);
    if (record) jobs.push(record);
  }
  return { jobs, total: Number(reply[0]) };
}

// --- renew.lua -------------------------------------------------------------------------

/** The 3 renew.lua arguments of one renewal: unique id, stored token, progress. */
export function renewArgs(renewal: LeaseRenewal, queue: string): Array<string | number> {
  const progress = renewal.progress === undefined ? '' : `=${JSON.stringify(renewal.progress)}`;
  const unique = uniqueOf(renewal.id, queue);
  return [unique, storedToken(renewal.token, unique), progress];
}

/** renew.lua's reply codes, after now and the lease deadline. */
const RENEW_STATUS: Readonly<Record<number, LeaseStatus>> = {
  0: 'lost',
  1: 'held',
  2: 'cancel-requested',
};

/** The status of the renewal at `position` in renew.lua's reply. */
export function renewStatusAt(reply: readonly unknown[], position: number): LeaseStatus {
  return RENEW_STATUS[Number(reply[position + 2])] ?? 'lost';
}

// --- settle.lua ------------------------------------------------------------------------

/** Settlement types, the first character of a settle group header. */
const SETTLE_KIND = {
  complete: 'c',
  fail: 'f',
  failToDead: 'F',
  retry: 'r',
  release: 'l',
} as const;

/** settle.lua's reply: one character per settlement. */
const SETTLED_OK = '1';

/**
 * The settle.lua arguments of a batch: runs of consecutive settlements that share type,
 * number and stored token become a header `<type><number> <token> <count>` followed by one
 * argument per settlement, `<unique>` or `<unique> <text>` (the result or error JSON).
 * Settlements keep their order, so the script's reply lines up with them.
 */
export function settleArgs(settlements: readonly Settlement[], queue: string): string[] {
  const args: string[] = [];
  let header = '';
  let headerAt = -1;
  let count = 0;
  for (const settlement of settlements) {
    const unique = uniqueOf(settlement.id, queue);
    const [head, text] = settleParts(settlement);
    const groupHead = `${head}${SEPARATOR}${storedToken(settlement.token, unique)}`;
    if (groupHead !== header) {
      if (headerAt >= 0) args[headerAt] = `${header}${SEPARATOR}${count}`;
      header = groupHead;
      headerAt = args.length;
      count = 0;
      args.push('');
    }
    args.push(text === undefined ? unique : `${unique}${SEPARATOR}${text}`);
    count += 1;
  }
  if (headerAt >= 0) args[headerAt] = `${header}${SEPARATOR}${count}`;
  return args;
}

/** `<type><number>` of a settlement, and its text (undefined for none). */
function settleParts(settlement: Settlement): [string, string | undefined] {
  switch (settlement.type) {
    case 'complete':
      return [
        `${SETTLE_KIND.complete}${numberArg(settlement.resultTtlMs)}`,
        settlement.result === undefined ? undefined : JSON.stringify(settlement.result),
      ];
    case 'fail':
      return [
        `${settlement.deadLetter ? SETTLE_KIND.failToDead : SETTLE_KIND.fail}${numberArg(settlement.resultTtlMs)}`,
        errorText(settlement.error),
      ];
    case 'retry':
      return [`${SETTLE_KIND.retry}${numberArg(settlement.delayMs)}`, errorText(settlement.error)];
    case 'release':
      return [SETTLE_KIND.release, undefined];
  }
}

/**
 * A fail or retry's text: the error JSON, then, when the attempt record keeps less of it
 * (`attemptError`: no stack, a shorter message), a newline and that JSON. JSON text holds no
 * raw newline, so settle.lua splits at the first one.
 */
function errorText(error: JobError): string {
  const json = JSON.stringify(error);
  const kept = attemptError(error);
  return kept === error ? json : `${json}\n${JSON.stringify(kept)}`;
}

/** A number as ioredis would send it as an argument of its own ('' when absent). */
function numberArg(value: number | undefined): string {
  if (value === undefined) return '';
  return Number.isInteger(value) && !Number.isSafeInteger(value)
    ? BigInt(value).toString()
    : String(value);
}

/** The status of the settlement at `position` in settle.lua's reply. */
export function settleStatusAt(reply: string, position: number): SettleStatus {
  return reply[position] === SETTLED_OK ? 'ok' : 'stale';
}

// --- fire-schedule.lua -----------------------------------------------------------------

/**
 * The fire-schedule.lua arguments after the common two: enqueue.lua's (see
 * {@link enqueueArgs}) with the schedule id, slot, overlap and the job's unique id before
 * the group.
 */
export function fireArgs(request: FireRequest, queue: string, defaultWindowMs: number): string[] {
  const [window = '', version = '', ...group] = enqueueArgs([request.job], queue, defaultWindowMs);
  const unique = uniqueOf(request.job.envelope.id, queue);
  const { scheduleId, slotAt, overlap = 'allow' } = request;
  return [window, version, scheduleId, String(slotAt), overlap, unique, ...group];
}

/** fire-schedule.lua's reply, `{1}` or `{0, reason[, unique id]}`, as a result. */
export function readFireReply(
  reply: readonly unknown[],
  request: FireRequest,
  queue: string,
): FireResult {
  const jobId = request.job.envelope.id;
  if (Number(reply[0]) === 1) return { fired: true, jobId };
  const reason = String(reply[1]) as FireRefusal;
  const earlier = reply[2] === undefined ? jobId : idOf(queue, String(reply[2]));
  return { fired: false, jobId: earlier, reason };
}

/** A schedule mark as fire-schedule.lua stores it, `<slotAt> <jobSlotAt> <firedAt> <unique id>`. */
export function decodeScheduleMark(text: string | null, queue: string): ScheduleMark | null {
  const match = text === null ? null : /^(\d+) (\d+) (\d+) (.+)$/.exec(text);
  if (!match) return null;
  return {
    slotAt: Number(match[1]),
    jobId: idOf(queue, match[4] as string),
    jobSlotAt: Number(match[2]),
    firedAt: Number(match[3]),
  };
}
