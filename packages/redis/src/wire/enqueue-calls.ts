import {
  type EnqueueRequest,
  type EnqueueResult,
  type FireRefusal,
  type FireRequest,
  type FireResult,
  type IndexEntry,
  InvalidEnvelopeError,
  type JobEnvelope,
} from '@conveyor/core';
import { inputJsonOf } from '@conveyor/core/transport';
import { encodeExtras, hasExtras, JOB_FORMAT_VERSION } from './job-hash.js';
import { idOf, uniqueOf } from './script-calls.js';

// The arguments of the scripts that add jobs and the replies they give: enqueue.lua, and
// fire-schedule.lua, which claims a schedule's slot and then adds its job as enqueue.lua
// does. The scripts that deliver jobs are in script-calls.ts.

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
    sameWorkflowRef(x, y) &&
    a.delayMs === b.delayMs &&
    a.runAt === b.runAt &&
    a.dedupeWindowMs === b.dedupeWindowMs &&
    (x.idempotencyKey === undefined || a.inputFingerprint === b.inputFingerprint) &&
    indexed(a) === indexed(b)
  );
}

/**
 * Whether two envelopes run the same workflow step (or neither runs one); children of one
 * map step count as the same, each sending its child index ({@link GROUP_CHILD}).
 */
function sameWorkflowRef(x: JobEnvelope, y: JobEnvelope): boolean {
  const a = x.workflow;
  const b = y.workflow;
  if (a === undefined || b === undefined) return a === b;
  return (
    a.id === b.id &&
    a.step === b.step &&
    a.kind === b.kind &&
    (a.child === undefined) === (b.child === undefined)
  );
}

/** A map child's index, when the request's job is one (then its group has {@link GROUP_CHILD}). */
const childOf = (request: EnqueueRequest): number | undefined => request.envelope.workflow?.child;

/** Whether a request carries index entries (then each job of its group sends them). */
const indexed = (request: EnqueueRequest): boolean =>
  request.index !== undefined && request.index.length > 0;

/** Group header flags: what follows the header, and what follows each job's input. */
const GROUP_EXTRAS = 1;
const GROUP_INDEX = 2;
/** Every job of the group gets its own hash: none is packed (`packWaitingJobs: false`). */
const GROUP_OWN_HASH = 4;
/**
 * The group's jobs are children of one map step: its workflow JSON holds `"child":-1`, and
 * each job sends its child index last, which enqueue.lua puts in that place in the job's
 * `y`. So 1,000 children cost one header and one extras JSON, not 1,000 of each.
 */
const GROUP_CHILD = 8;

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
 * is the rest of the string, so it may hold anything. `more` is a sum of flags:
 * {@link GROUP_EXTRAS} when the `[idempotencyKey, schema, workflow?]` JSON, the idempotency
 * key and the input fingerprint follow as three arguments, {@link GROUP_INDEX} when each job
 * sends its index entries ({@link encodeIndexEntries}) after its input, {@link GROUP_OWN_HASH}
 * when none of the group's jobs may be packed, {@link GROUP_CHILD} when each job sends its
 * map child index last.
 */
function groupHeader(request: EnqueueRequest, count: number, pack: boolean): string {
  const { envelope, delayMs, runAt, dedupeWindowMs } = request;
  const more =
    (hasExtras(envelope) ? GROUP_EXTRAS : 0) +
    (indexed(request) ? GROUP_INDEX : 0) +
    (pack ? 0 : GROUP_OWN_HASH) +
    (childOf(request) === undefined ? 0 : GROUP_CHILD);
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
 * builds the shared fields once per group (then its index entries, when the group's jobs
 * have them, and its child index, when they are a map's children). With `packWaitingJobs` false no job is packed (the README's "Packed
 * jobs"). Throws NotJsonError for input JSON cannot carry.
 */
export function enqueueArgs(
  requests: readonly EnqueueRequest[],
  queue: string,
  defaultWindowMs: number,
  packWaitingJobs = true,
): string[] {
  const args: string[] = [String(defaultWindowMs), String(JOB_FORMAT_VERSION)];
  let head = 0;
  let first: EnqueueRequest | undefined;
  let count = 0;
  let withIndex = false;
  let withChild = false;
  for (const request of requests) {
    if (!first || !sameGroup(first, request)) {
      if (first) args[head] = groupHeader(first, count, packWaitingJobs);
      first = request;
      count = 0;
      withIndex = indexed(request);
      head = args.length;
      args.push('');
      const { idempotencyKey } = request.envelope;
      withChild = childOf(request) !== undefined;
      if (hasExtras(request.envelope)) {
        const fingerprint = idempotencyKey === undefined ? '' : (request.inputFingerprint ?? '');
        args.push(encodeExtras(request.envelope, withChild), idempotencyKey ?? '', fingerprint);
      }
    }
    args.push(uniqueOf(request.envelope.id, queue), inputJsonOf(request));
    if (withIndex) args.push(encodeIndexEntries(request.index ?? []));
    if (withChild) args.push(String(childOf(request)));
    count += 1;
  }
  if (first) args[head] = groupHeader(first, count, packWaitingJobs);
  return args;
}

/**
 * Reads enqueue.lua's reply into `results` (one per request, `duplicate: false` already):
 * `<position> <unique id of the earlier job> <fingerprint of its claim, or ''>` triples,
 * only for the jobs not added. `indexOf` maps a position in the chunk to one in `results`;
 * `resent`: the call was answered across a reconnect (reconnects.ts), so it may have run twice.
 */
export function readEnqueueReply(
  reply: readonly unknown[],
  queue: string,
  results: EnqueueResult[],
  indexOf: (position: number) => number | undefined,
  resent = false,
): void {
  for (let i = 0; i + 2 < reply.length; i += 3) {
    const index = indexOf(Number(reply[i]));
    if (index === undefined) continue;
    const unique = String(reply[i + 1]);
    const id = idOf(queue, unique);
    // Re-sent by ioredis after a reset lost the reply, the call finds its own job: with the
    // request's own id, random per job (newJobId: no '.' or ':'), it stored the job itself.
    // (A workflow's or schedule's id is the same in every process: a duplicate.)
    if (resent && id === results[index]?.id && !/[.:]/.test(unique)) continue;
    const inputFingerprint = String(reply[i + 2]);
    results[index] =
      inputFingerprint === '' ? { id, duplicate: true } : { id, duplicate: true, inputFingerprint };
  }
}

// --- fire-schedule.lua -----------------------------------------------------------------

/**
 * The fire-schedule.lua arguments after the common two: enqueue.lua's (see
 * {@link enqueueArgs}) with the schedule id, slot, revision and the job's unique id before
 * the group, whose producer's enqueuedAt is left empty: the job is enqueued at Redis TIME,
 * its fire time [S14].
 */
export function fireArgs(
  request: FireRequest,
  queue: string,
  defaultWindowMs: number,
  packWaitingJobs = true,
): string[] {
  const [window = '', version = '', header = '', ...rest] = enqueueArgs(
    [request.job],
    queue,
    defaultWindowMs,
    packWaitingJobs,
  );
  const unique = uniqueOf(request.job.envelope.id, queue);
  const { scheduleId, slotAt, revision } = request;
  return [
    window,
    version,
    scheduleId,
    String(slotAt),
    String(revision),
    unique,
    withoutProducerTime(header),
    ...rest,
  ];
}

/** A group header (see groupHeader) with its producer's enqueuedAt, the fifth field, empty. */
function withoutProducerTime(header: string): string {
  return header.replace(/^(\d+ \d+ \S* \S* )\S*/, '$1');
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
