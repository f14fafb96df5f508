import { type EnqueueRequest, type EnqueueResult, NotJsonError } from '@conveyor/core';
import { byQueue } from './batches.js';
import { uncertainEnqueue } from './errors.js';
import { assertEncodable, enqueueArgs, readEnqueueReply } from './wire/enqueue-calls.js';
import { ENQUEUE_ONE_DEFERRED, enqueueOneArgs } from './wire/enqueue-one.js';

export interface EnqueuerOptions {
  /** Runs enqueue.lua for one queue with these arguments. */
  enqueueScript(queue: string, args: readonly string[]): Promise<unknown[]>;
  /** Runs enqueue-one.lua for one job of `priority` on `queue` with these arguments. */
  enqueueOneScript(queue: string, priority: number, args: readonly string[]): Promise<unknown>;
  /** How many times the scripts' connection has closed (reconnects.ts): see readEnqueueReply. */
  reconnects?(): number;
  /** Records queues in the registry that `listQueues` reads. */
  registerQueues(queues: readonly string[]): Promise<void>;
  /**
   * A registration failed where the jobs were stored: the enqueue succeeds (failing it would
   * say they were not, and a resend would store them twice), and the next enqueue of the
   * queue registers it again.
   */
  registrationFailed?(queues: readonly string[], error: unknown): void;
  /** Jobs per script call: bounds how long one call holds Redis. */
  chunkSize: number;
  defaultDedupeWindowMs: number;
  /** False: every job gets its own hash (`RedisTransportOptions.packWaitingJobs`). */
  packWaitingJobs: boolean;
}

/**
 * Jobs after which the calls gathered so far go out at once instead of at the end of the
 * tick: Redis runs that batch while the producer prepares the next, so the two overlap.
 * Below about 50 jobs per call Redis' per-call work (housekeeping, 21 keys) shows: with
 * 100 concurrent callers, 16 cost 3.5 µs of script time per job, 48 2.9 µs and one batch
 * per tick 2.7 µs, while throughput was 195k, 190k-230k and 115k-130k jobs/s.
 */
const FLUSH_AT = 50;

interface PendingCall {
  requests: readonly EnqueueRequest[];
  resolve: (results: EnqueueResult[]) => void;
  reject: (error: unknown) => void;
}

/** One script call's worth of jobs: its sender, and where its jobs are in the results. */
interface Chunk {
  send(): Promise<void>;
  /**
   * Indexes into the requests (and results) of the `enqueueNow` that made it: worked out only
   * for a chunk that failed, not for every job of every enqueue.
   */
  positions(): readonly number[];
}

/** The results of an `enqueueNow`, and the chunks that failed, each with its error. */
interface Sent {
  results: EnqueueResult[];
  failed: Array<{ error: unknown; positions: readonly number[] }>;
}

/**
 * `transport.enqueue` for Redis. Calls made in the same tick share one script call per
 * queue, up to about {@link FLUSH_AT} jobs: concurrent single enqueues cost one round trip
 * and one script run per batch, not per job. `createTransport` has checked every request
 * (queue, id, priority, payload cap [R3b]) before it gets here, on the producer's
 * `inputJson`, so only a raw caller without one stringifies twice.
 */
export function createEnqueuer(
  options: EnqueuerOptions,
): (requests: readonly EnqueueRequest[]) => Promise<EnqueueResult[]> {
  const {
    enqueueScript,
    enqueueOneScript,
    registerQueues,
    chunkSize,
    defaultDedupeWindowMs,
    packWaitingJobs,
  } = options;
  let pending: PendingCall[] = [];
  let pendingJobs = 0;

  function flush(): void {
    const calls = pending;
    if (calls.length === 0) return;
    pending = [];
    pendingJobs = 0;
    const all = calls.length === 1 ? (calls[0]?.requests ?? []) : calls.flatMap((c) => c.requests);
    enqueueNow(all).then(
      (sent) => {
        // Each call fails only with a chunk of its own: calls merged in one tick go to other
        // queues (partitions on other masters), and one master down failed them all, though
        // the others' jobs were stored.
        let offset = 0;
        for (const call of calls) {
          answer(call, sent, offset);
          offset += call.requests.length;
        }
      },
      (error: unknown) => {
        if (error instanceof NotJsonError && calls.length > 1) {
          // Nothing was sent (enqueueNow encodes first): each call again on its own, so
          // that only the one with the bad input fails.
          for (const call of calls) {
            enqueueNow(call.requests).then((sent) => answer(call, sent, 0), call.reject);
          }
          return;
        }
        for (const call of calls) call.reject(uncertainEnqueue(error, call.requests));
      },
    );
  }

  /**
   * Answers `call`, whose requests are at `offset` in `sent`: its results, or the error of a
   * chunk of its own, saying how many of its jobs went out in chunks that succeeded (other
   * queues, on other masters). A chunk of another call merged with it fails it no more.
   */
  function answer(call: PendingCall, { results, failed }: Sent, offset: number): void {
    const end = offset + call.requests.length;
    const mine = (position: number) => position >= offset && position < end;
    const own = failed.find(({ positions }) => positions.some(mine));
    if (!own) {
      call.resolve(offset === 0 && end === results.length ? results : results.slice(offset, end));
      return;
    }
    const lost = failed.reduce((sum, { positions }) => sum + positions.filter(mine).length, 0);
    call.reject(uncertainEnqueue(own.error, call.requests, call.requests.length - lost));
  }

  /**
   * Encodes one queue's requests in chunks and returns a sender per chunk. `positions`
   * maps a request's place in `requests` to its place in `results` (same when absent).
   */
  function encode(
    queue: string,
    requests: readonly EnqueueRequest[],
    positions: readonly number[] | undefined,
    results: EnqueueResult[],
  ): Chunk[] {
    const chunks: Chunk[] = [];
    for (let start = 0; start < requests.length; start += chunkSize) {
      const chunk =
        requests.length <= chunkSize ? requests : requests.slice(start, start + chunkSize);
      const args = enqueueArgs(chunk, queue, defaultDedupeWindowMs, packWaitingJobs);
      const indexOf = positions
        ? (position: number) => positions[start + position]
        : (position: number) => start + position;
      chunks.push({
        send() {
          const before = options.reconnects?.();
          return enqueueScript(queue, args).then((reply) =>
            readEnqueueReply(reply, queue, results, indexOf, options.reconnects?.() !== before),
          );
        },
        positions: () => chunk.map((_, position) => indexOf(position) as number),
      });
    }
    return chunks;
  }

  /**
   * One plain ready job through enqueue-one.lua with its arguments (see its header); false
   * when the script found housekeeping due, and enqueue.lua must run.
   */
  async function enqueueOne(
    request: EnqueueRequest,
    args: readonly string[],
    results: EnqueueResult[],
  ): Promise<boolean> {
    const { queue, priority } = request.envelope;
    const before = options.reconnects?.();
    const reply = await registeredAlongside(
      [queue],
      enqueueOneScript(queue, priority, args),
      // Deferred: the script stored nothing, and the merged path sends the job again.
      (sent) => sent !== ENQUEUE_ONE_DEFERRED,
    );
    if (reply === ENQUEUE_ONE_DEFERRED) return false;
    const resent = options.reconnects?.() !== before;
    readEnqueueReply(reply as unknown[], queue, results, (position) => position, resent);
    return true;
  }

  /**
   * `sending`'s outcome once the registration of `queues` has settled too, so that nothing
   * of the call is still in flight when it answers. The registration fails no enqueue (see
   * registrationFailed), which hears of its failure only when `stored` says some of the
   * call's jobs were: a call that stored nothing fails with its own error.
   */
  async function registeredAlongside<T>(
    queues: readonly string[],
    sending: Promise<T>,
    stored: (sent: T) => boolean,
  ): Promise<T> {
    const registering = registerQueues(queues).then(
      () => ({ failed: false as const }),
      (error: unknown) => ({ failed: true as const, error }),
    );
    const [registration, sent] = await Promise.all([registering, settled(sending)]);
    if (sent.status === 'rejected') throw sent.reason;
    if (registration.failed && stored(sent.value)) {
      try {
        options.registrationFailed?.(queues, registration.error);
      } catch {
        // A logger that throws must not fail an enqueue whose jobs were stored.
      }
    }
    return sent.value;
  }

  async function enqueueNow(requests: readonly EnqueueRequest[]): Promise<Sent> {
    const single = requests.length === 1 ? (requests[0] as EnqueueRequest) : undefined;
    // Decided before any await: a request that does not qualify goes out in this same turn.
    const oneArgs = single && enqueueOneArgs(single, single.envelope.queue, packWaitingJobs);
    if (single && oneArgs) {
      const results: EnqueueResult[] = [{ id: single.envelope.id, duplicate: false }];
      if (await enqueueOne(single, oneArgs, results)) return { results, failed: [] };
    }
    const results: EnqueueResult[] = new Array(requests.length);
    let only: string | undefined = requests[0]?.envelope.queue;
    for (let index = 0; index < requests.length; index++) {
      const { envelope } = requests[index] as EnqueueRequest;
      results[index] = { id: envelope.id, duplicate: false };
      if (envelope.queue !== only) only = undefined;
    }
    // Every request is encoded before anything is sent, so input that cannot be
    // (NotJsonError) leaves no chunk of the call enqueued.
    let queues: string[];
    const chunks: Chunk[] = [];
    if (only !== undefined) {
      // The usual case, one queue: no regrouping.
      queues = [only];
      chunks.push(...encode(only, requests, undefined, results));
    } else {
      const batches = byQueue(requests, (request) => request.envelope.queue);
      queues = batches.map((batch) => batch.queue);
      for (const { queue, entries } of batches) {
        const items = entries.map((entry) => entry.item);
        const positions = entries.map((entry) => entry.index);
        chunks.push(...encode(queue, items, positions, results));
      }
    }
    const sent = await registeredAlongside(
      queues,
      Promise.allSettled(chunks.map((chunk) => chunk.send())),
      (outcomes) => outcomes.some((outcome) => outcome.status === 'fulfilled'),
    );
    const failed: Sent['failed'] = [];
    sent.forEach((outcome, index) => {
      if (outcome.status === 'rejected') {
        failed.push({ error: outcome.reason, positions: (chunks[index] as Chunk).positions() });
      }
    });
    return { results, failed };
  }

  return (requests) => {
    try {
      for (const request of requests) assertEncodable(request);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<EnqueueResult[]>((resolve, reject) => {
      pending.push({ requests, resolve, reject });
      pendingJobs += requests.length;
      if (pendingJobs >= FLUSH_AT) flush();
      else if (pending.length === 1) queueMicrotask(flush);
    });
  };
}

/** `promise`'s outcome, as `Promise.allSettled` gives it for one. */
function settled<T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> {
  return promise.then(
    (value) => ({ status: 'fulfilled', value }),
    (reason: unknown) => ({ status: 'rejected', reason }),
  );
}
