import {
  assertQueueName,
  type EnqueueRequest,
  InvalidEnvelopeError,
  InvalidOptionError,
  inputJsonOf,
  type LeaseRenewal,
  type Settlement,
} from '@conveyor/core';
import { encodeExtras } from './codec.js';
import { splitJobId } from './keys.js';

/** Items of one queue, with their places in the caller's list. */
export interface QueueBatch<T> {
  queue: string;
  entries: Array<{ index: number; item: T }>;
}

/** Groups items by queue, keeping each queue's items in order. Unroutable items are skipped. */
export function byQueue<T>(
  items: readonly T[],
  queueOf: (item: T, index: number) => string | undefined,
): QueueBatch<T>[] {
  const batches = new Map<string, QueueBatch<T>>();
  items.forEach((item, index) => {
    const queue = queueOf(item, index);
    if (queue === undefined) return;
    let batch = batches.get(queue);
    if (!batch) {
      batch = { queue, entries: [] };
      batches.set(queue, batch);
    }
    batch.entries.push({ index, item });
  });
  return [...batches.values()];
}

/** Splits `list` into chunks of at most `size`, so no script runs for long. */
export function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < list.length; start += size) out.push(list.slice(start, start + size));
  return out;
}

const QUEUE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** The last queue {@link queueOfId} accepted: a batch's ids usually share it. */
let lastQueue = '';

/** The queue of a job id, when the id names a valid queue; else undefined. */
export function queueOfId(id: string): string | undefined {
  // Queue names hold no ':', so `<lastQueue>:` at the start means that same queue.
  const known = lastQueue.length;
  if (known > 0 && id.length > known + 1 && id.charCodeAt(known) === 58 && id.startsWith(lastQueue))
    return lastQueue;
  const parts = splitJobId(id);
  if (!parts || !QUEUE_NAME.test(parts.queue)) return undefined;
  lastQueue = parts.queue;
  return parts.queue;
}

export function uniqueOf(id: string, queue: string): string {
  return id.slice(queue.length + 1);
}

/** The last queue name {@link queueOfRequest} checked. */
let lastRequestQueue = '';

/** What enqueue.lua can store before the id in an idempotency claim. */
const FINGERPRINT = /^\S{1,64}$/;

/** Checks a request and returns its queue: the id must be `<envelope.queue>:<unique>`. */
export function queueOfRequest({ envelope, inputFingerprint }: EnqueueRequest): string {
  const { queue, id } = envelope;
  // A batch's requests usually share their queue: its name is checked once.
  if (queue !== lastRequestQueue) {
    assertQueueName(queue);
    lastRequestQueue = queue;
  }
  if (
    id.length <= queue.length + 1 ||
    id.charCodeAt(queue.length) !== 58 ||
    !id.startsWith(queue)
  ) {
    throw new InvalidEnvelopeError(
      `Job id ${JSON.stringify(envelope.id)} does not start with its queue "${envelope.queue}:"; ids are <queue>:<unique> (see newJobId).`,
    );
  }
  const { priority, maxAttempts } = envelope;
  if (!Number.isInteger(priority) || priority < 0 || priority > 9) {
    throw new InvalidEnvelopeError(
      `Job ${JSON.stringify(envelope.id)} has priority ${priority}; use an integer from 0 to 9.`,
    );
  }
  if (!Number.isFinite(maxAttempts)) {
    throw new InvalidEnvelopeError(
      `Job ${JSON.stringify(envelope.id)} has maxAttempts ${maxAttempts}.`,
    );
  }
  if (inputFingerprint !== undefined && !FINGERPRINT.test(inputFingerprint)) {
    throw new InvalidOptionError(
      'inputFingerprint',
      inputFingerprint,
      '1–64 characters without whitespace (the client sends 16 hex digits)',
    );
  }
  return envelope.queue;
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
    (x.idempotencyKey === undefined || a.inputFingerprint === b.inputFingerprint)
  );
}

/**
 * A group header: `<count> <more> <priority> <maxAttempts> <producer's enqueuedAt>
 * <expiresAt> <delayMs> <runAt> <dedupe window> <task>`, absent numbers empty; the task
 * is the rest of the string, so it may hold anything. `more` is 1 when the
 * `[idempotencyKey, schema]` JSON, the idempotency key and the input fingerprint follow as
 * three arguments.
 */
function groupHeader(request: EnqueueRequest, count: number): string {
  const { envelope, delayMs, runAt, dedupeWindowMs } = request;
  const more = envelope.idempotencyKey !== undefined || envelope.schema !== undefined;
  const enqueuedAt = Number.isFinite(envelope.enqueuedAt) ? Math.round(envelope.enqueuedAt) : 0;
  return `${count} ${more ? 1 : 0} ${envelope.priority} ${envelope.maxAttempts} ${enqueuedAt} ${
    envelope.expiresAt ?? ''
  } ${delayMs ?? ''} ${delayMs === undefined ? (runAt ?? '') : ''} ${dedupeWindowMs ?? ''} ${
    envelope.task
  }`;
}

/**
 * The enqueue.lua arguments of one queue's chunk: the default dedupe window, then groups.
 * Consecutive requests that differ only in id and input (one enqueueMany, or single calls
 * of one task made in the same tick) form a group: one header, then `<unique id> <input
 * JSON>` per job, so a job costs two arguments and the script builds the shared fields
 * once per group. Throws NotJsonError for input JSON cannot carry.
 */
export function enqueueArgs(
  requests: readonly EnqueueRequest[],
  queue: string,
  defaultWindowMs: number,
): string[] {
  const args: string[] = [String(defaultWindowMs)];
  let head = 0;
  let first: EnqueueRequest | undefined;
  let count = 0;
  for (const request of requests) {
    if (!first || !sameGroup(first, request)) {
      if (first) args[head] = groupHeader(first, count);
      first = request;
      count = 0;
      head = args.length;
      args.push('');
      const { idempotencyKey, schema } = request.envelope;
      if (idempotencyKey !== undefined || schema !== undefined) {
        const fingerprint = idempotencyKey === undefined ? '' : (request.inputFingerprint ?? '');
        args.push(encodeExtras(request.envelope), idempotencyKey ?? '', fingerprint);
      }
    }
    args.push(uniqueOf(request.envelope.id, queue), inputJsonOf(request));
    count += 1;
  }
  if (first) args[head] = groupHeader(first, count);
  return args;
}

/** The 3 renew.lua arguments of one renewal. */
export function renewArgs(renewal: LeaseRenewal, queue: string): Array<string | number> {
  const progress = renewal.progress === undefined ? '' : `=${JSON.stringify(renewal.progress)}`;
  const unique = uniqueOf(renewal.id, queue);
  return [unique, storedToken(renewal.token, unique), progress];
}

/**
 * The token Redis keeps for a delivery. The jobs of one reserve call share it, so that the
 * call writes one delivery string to all of them. The token a reservation carries is it
 * followed by the job's unique id, which keeps it unique for the worker and ties it to its
 * job: a token that does not end with the settled job's id names no delivery of it ('!',
 * which Redis never stores).
 */
export function storedToken(token: string, unique: string): string {
  return token.length > unique.length && token.endsWith(unique)
    ? token.slice(0, token.length - unique.length)
    : '!';
}

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
    const groupHead = `${head} ${storedToken(settlement.token, unique)}`;
    if (groupHead !== header) {
      if (headerAt >= 0) args[headerAt] = `${header} ${count}`;
      header = groupHead;
      headerAt = args.length;
      count = 0;
      args.push('');
    }
    args.push(text === undefined ? unique : `${unique} ${text}`);
    count += 1;
  }
  if (headerAt >= 0) args[headerAt] = `${header} ${count}`;
  return args;
}

/** `<type><number>` of a settlement, and its text (undefined for none). */
function settleParts(settlement: Settlement): [string, string | undefined] {
  switch (settlement.type) {
    case 'complete':
      return [
        `c${numberArg(settlement.resultTtlMs)}`,
        settlement.result === undefined ? undefined : JSON.stringify(settlement.result),
      ];
    case 'fail':
      return [
        `${settlement.deadLetter ? 'F' : 'f'}${numberArg(settlement.resultTtlMs)}`,
        JSON.stringify(settlement.error),
      ];
    case 'retry':
      return [`r${numberArg(settlement.delayMs)}`, JSON.stringify(settlement.error)];
    case 'release':
      return ['l', undefined];
  }
}

/** A number as ioredis would send it as an argument of its own ('' when absent). */
function numberArg(value: number | undefined): string {
  if (value === undefined) return '';
  return Number.isInteger(value) && !Number.isSafeInteger(value)
    ? BigInt(value).toString()
    : String(value);
}
