import type {
  DeadLetterPage,
  JobError,
  JobRecord,
  LeaseRenewal,
  LeaseStatus,
  Reservation,
  Settlement,
  SettleStatus,
} from '@conveyor/core';
import { attemptError, toJobError } from '@conveyor/core/transport';
import { decodeEnvelope, decodeListedRecord, decodeRecord } from './job-hash.js';
import { missingFieldError } from './unreadable-job.js';

// The arguments the queue scripts take and the replies they give: the encoders and decoders
// of delivering jobs here (reserve, get-job, list-dead, renew, settle), those of adding jobs
// (enqueue, fire-schedule) in enqueue-calls.ts. Each script's header (scripts/*.lua) names the same fields, and the
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
  startNow?: number,
  packFrom?: number,
): Array<string | number> {
  // reserve.lua's ARGV[7]: how many of the call's jobs start at once ('': all) [R27];
  // ARGV[8]: the fewest jobs of one pop left packed while leased ('': none; see
  // ReserveRequest.removeOnComplete and RedisTransportOptions.packLeasedFrom).
  return [
    max,
    leaseMs,
    consumer,
    callToken,
    startNow === undefined ? '' : Math.max(0, startNow),
    packFrom ?? '',
  ];
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
/** Starts a schema fingerprint after `d` in a reply whose attempt is a number ('#'). */
const SCHEMA_SIGN = 35;

/**
 * Reads reserve.lua's reply: pushes a reservation per job onto `reservations`, and a broken
 * delivery per job whose stored form is unreadable (an unknown format version, garbage)
 * onto `broken`. Per job the reply has `<unique> <d> <input>` in one string (the unique id
 * alone when `d` or the input is missing), then the attempt, or `[attempt, y or false,
 * x or false]` when the job has extras or an expiry (and `'s'` fourth when its hash has no
 * state field); a packed job with a schema fingerprint
 * alone is `<unique> <d> #<schema> <input>` and the attempt (reserve.lua's header).
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
      let input = second < 0 ? undefined : packed.slice(second + 1);
      let schema: string | undefined;
      if (!rare && input !== undefined && input.charCodeAt(0) === SCHEMA_SIGN) {
        const end = input.indexOf(SEPARATOR);
        schema = input.slice(1, end < 0 ? undefined : end);
        input = end < 0 ? undefined : input.slice(end + 1);
      }
      const job = {
        fixed: second < 0 ? undefined : packed.slice(first + 1, second),
        input,
        extras: rare?.[1] ?? null,
        expiresAt: rare?.[2] ?? null,
        schema,
      };
      // reserve.lua leased a job hash with no state field, to be dead-lettered.
      if (rare?.[3] === 's') throw missingFieldError(id, '`s` field (its state)');
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

/**
 * list-dead.lua's reply, `{ total, then per job: unique id, { HGETALL fields } }`. A job this
 * package cannot read is a row that says why ({@link decodeListedRecord}): one bad job does
 * not hide the others, and the page's rows add up to the total.
 */
export function readDeadPage(reply: readonly unknown[], queue: string): DeadLetterPage {
  const jobs: DeadLetterPage['jobs'] = [];
  for (let i = 1; i + 1 < reply.length; i += 2) {
    const id = idOf(queue, String(reply[i]));
    const record = decodeListedRecord(id, queue, reply[i + 1] as unknown[]);
    if (record) jobs.push(record);
  }
  return { jobs, total: Number(reply[0]) };
}

// --- renew.lua -------------------------------------------------------------------------

/** The 3 renew.lua arguments of one renewal: unique id, stored token, progress. */
export function renewArgs(renewal: LeaseRenewal, queue: string): Array<string | number> {
  let progress = renewal.progress === undefined ? '' : `=${JSON.stringify(renewal.progress)}`;
  // A held job that has started since it was reserved: renew.lua drops its mark [R27].
  if (renewal.started === true) progress = `+${progress}`;
  const unique = uniqueOf(renewal.id, queue);
  return [unique, storedToken(renewal.token, unique), progress];
}

/** renew.lua's reply codes, after now and the lease deadline. */
const RENEW_STATUS: Readonly<Record<number, LeaseStatus>> = {
  0: 'lost',
  1: 'held',
  2: 'cancel-requested',
  3: 'gone',
};

/** The status of the renewal at `position` in renew.lua's reply. */
export function renewStatusAt(reply: readonly unknown[], position: number): LeaseStatus {
  return RENEW_STATUS[Number(reply[position + 2])] ?? 'lost';
}

// --- settle.lua ------------------------------------------------------------------------

/** Settlement types, the first character of a settle group header. */
const SETTLE_KIND = {
  complete: 'c',
  completeAndRemove: 'C',
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
/** A release, as settle.lua takes it: a leased job given back unrun, its attempt not counted. */
export function releaseOf({ id, token }: { id: string; token: string }): Settlement {
  return { type: 'release', id, token };
}

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
      // Removed at once: no result or TTL to send.
      if (settlement.remove === true) return [SETTLE_KIND.completeAndRemove, undefined];
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
