import { randomBytes } from 'node:crypto';
import type { Reservation, ReserveRequest } from '@conveyor/core';
import { failureOf, isPassing } from './errors.js';
import {
  createFailingQueues,
  type FailingQueueReports,
  leaveOut,
  probeFailing,
} from './failing-queues.js';
import { createLostCalls } from './lost-calls.js';
import { createQuietPartitions } from './quiet-partitions.js';
import {
  type BrokenDelivery,
  type ReserveReply,
  readReserveReply,
  reserveArgs,
  uniqueOf,
} from './wire/script-calls.js';

/**
 * Longest single blocking read: a backstop for lost wake-ups, not the pickup mechanism.
 * reserve.lua counts on it (MAX_BLOCK_MS there): leases this long wake no blocked reserve.
 */
const MAX_BLOCK_MS = 5_000;
/** Jobs per reserve script call (its ZADD unpacks two values per job). */
const MAX_PER_CALL = 1_000;
/**
 * How often a queue whose reserve failed with a passing failure (its cluster master down or
 * failing over) is probed, in the background, while reserves over several queues leave it
 * out and go on with the others; and the longest a waiting reserve blocks meanwhile, so that
 * a queue whose probe answered is read again within about that.
 */
const FAILING_PROBE_MS = 1_000;

export interface ReserveDeps {
  /** Runs reserve.lua for one queue. */
  reserveScript(queue: string, args: Array<string | number>): Promise<unknown[]>;
  /**
   * A cheap command on `queue`'s slot (its node, in a cluster), which fails as its reserve
   * would: whether a failing queue answers again.
   */
  probe(queue: string): Promise<unknown>;
  /**
   * The server that holds `queue`'s keys (a cluster master's address), when known: a passing
   * failure of one queue's reserve leaves out the others on that server at once, each of
   * which would wait out the same failure.
   */
  serverOf?(queue: string): string | undefined;
  /**
   * Whether queues can fail apart (a cluster, whose masters fail one by one): a reserve over
   * several queues then goes on without those that fail. False on standalone Redis, where
   * one queue's connection failure is every queue's: the reserve fails, and its caller says
   * so once (default true).
   */
  failApart?: boolean;
  /** `RedisTransportOptions.packLeasedFrom` (reserve.lua's ARGV[8]); undefined: none. */
  packLeasedFrom?: number | undefined;
  /** Dead-letters deliveries whose stored job could not be decoded. */
  deadLetter(items: BrokenDelivery[]): Promise<unknown>;
  /**
   * Blocks until a marker of one of `queues` is pushed, or `timeoutMs`. Resolves with the
   * queue whose marker woke it, when known.
   */
  waitForMarker(
    queues: readonly string[],
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<string | undefined>;
  /**
   * Waits on one queue's marker with reserve.lua sent right behind the BLPOP (standalone
   * Redis: see `Pickup.waitThen`) and resolves with its reply; undefined when the wait was
   * aborted, closed or failed. A wait cut short passes the reply to `abandon`.
   */
  waitThenReserve?(
    queue: string,
    timeoutMs: number,
    args: Array<string | number>,
    abandon: (reply: unknown[]) => Promise<unknown>,
    signal?: AbortSignal,
  ): Promise<unknown[] | undefined>;
  /** Gives leased jobs of one queue back unrun (a release), even while closing. */
  release(queue: string, jobs: Array<{ id: string; token: string }>): Promise<unknown>;
  /**
   * Gives back unrun every job still leased under a reserve call's token but those `held`
   * (release-call.lua): after a call whose reply was lost, or that ran twice.
   */
  releaseCall(queue: string, callToken: string, held: readonly string[]): Promise<unknown>;
  /**
   * How many times the connection `reserveScript` runs on has closed: a call it answered
   * across a reconnect may have run twice (ioredis re-sends unanswered commands).
   */
  reconnects?(): number;
  isClosed(): boolean;
  /**
   * Told when a reserve over several queues leaves one out for a while, its reserve having
   * failed with a passing failure (`CONNECTION`, `CLUSTER`) while the others answer: at the
   * outage's first failure, then at most every 30 s while it lasts; and when it answers again.
   */
  failingQueues?: FailingQueueReports;
}

interface Taken {
  reservations: Reservation[];
  /** Earliest due time or lease deadline in the queues (Redis ms), or -1. */
  nextWake: number;
  /** Redis time of the last script call. */
  now: number;
}

/** Random bytes per token prefix, and how many prefixes one `randomBytes` call makes. */
const PREFIX_BYTES = 9;
const PREFIXES_PER_DRAW = 256;

/** Reserve: batch take per queue, then blocking waits on markers until something arrives. */
export function createReserver(
  deps: ReserveDeps,
): (request: ReserveRequest) => Promise<Reservation[]> {
  const packFrom = (request: ReserveRequest, queue: string): number | undefined =>
    request.removeOnComplete?.includes(queue) ? deps.packLeasedFrom : undefined;
  // One randomBytes call per 256 reserves: a call per reserve cost about 16 µs.
  let pool = Buffer.alloc(0);
  let drawn = 0;
  function randomPrefix(): string {
    if (drawn * PREFIX_BYTES >= pool.length) {
      pool = randomBytes(PREFIX_BYTES * PREFIXES_PER_DRAW);
      drawn = 0;
    }
    const start = drawn++ * PREFIX_BYTES;
    return pool.toString('base64url', start, start + PREFIX_BYTES);
  }

  const releaseLost = createLostCalls(deps);
  // Partitions that had nothing: a waiting reserve looks at them again when woken for them.
  const quiet = createQuietPartitions();
  // Queues whose last reserve failed in passing, left out of reserves over several queues
  // until a probe of them answers (Date.now()).
  const failing = createFailingQueues(FAILING_PROBE_MS, deps.failingQueues ?? {});

  /**
   * Takes from each queue in turn. A queue whose call fails in passing (its master down in a
   * cluster) is left out, with the others on its server, until a probe of it answers, so that
   * one partition's outage does not slow the rest; the call fails when every queue is failing.
   */
  async function take(request: ReserveRequest, skipQuiet: boolean): Promise<Taken> {
    const taken: Taken = { reservations: [], nextWake: -1, now: 0 };
    const tokenPrefix = randomPrefix();
    let call = 0;
    // Where each queue's reservations start in `taken`, to give them back on a failure.
    const starts: Array<[queue: string, start: number]> = [];
    const several = request.queues.length > 1;
    // Whether a queue that fails is left out while the others go on (a cluster's).
    const apart = several && deps.failApart !== false;
    if (failing.size > 0) {
      probeFailing(failing, deps);
      const down = apart && request.queues.find((queue) => !failing.skips(queue)) === undefined;
      // Every queue failing: their probes tell when one answers again.
      if (down) throw failing.errorOf(request.queues[0] as string);
    }
    let failure: { error: unknown } | undefined;
    // The queues that answered in this call (an outage of one ends when it does).
    const answered = new Set<string>();
    try {
      for (const queue of request.queues) {
        if (skipQuiet && quiet.skips(queue)) continue;
        if (apart && failing.skips(queue)) continue;
        starts.push([queue, taken.reservations.length]);
        try {
          for (;;) {
            const want = Math.min(request.max - taken.reservations.length, MAX_PER_CALL);
            if (want <= 0) break;
            const token = `${tokenPrefix}.${(call++).toString(36)}.`;
            const got = await takeFrom(queue, want, token, request, taken);
            if (got < want) break;
          }
          answered.add(queue);
          if (failing.size > 0) failing.answered(queue, Date.now());
        } catch (error) {
          if (!apart || !isPassing(failureOf(error))) throw error;
          leaveOut(failing, deps, queue, error, request.queues, answered);
          failure ??= { error };
        }
      }
      if (failure && answered.size === 0 && taken.reservations.length === 0) throw failure.error;
      // Every job asked for: more may wait, the worker will not block and see no marker.
      if (several && taken.reservations.length >= request.max) quiet.busy();
    } catch (error) {
      // Jobs leased by earlier calls would otherwise wait out their leases, an attempt
      // counted, for a reserve that returns none of them.
      await Promise.allSettled(
        starts.map(([queue, start], n) =>
          giveBack(queue, taken.reservations.slice(start, starts[n + 1]?.[1])),
        ),
      );
      throw error;
    }
    return taken;
  }

  /** One reserve script call; adds to `taken` and returns how many jobs it leased. */
  async function takeFrom(
    queue: string,
    want: number,
    callToken: string,
    request: ReserveRequest,
    taken: Taken,
  ): Promise<number> {
    const mark = quiet.mark();
    const before = deps.reconnects?.();
    let reply: unknown[];
    try {
      reply = await deps.reserveScript(
        queue,
        reserveArgs(
          want,
          request.leaseMs,
          request.consumer,
          callToken,
          // The first `startNow` jobs of the whole reserve start at once; the rest are held.
          request.startNow === undefined ? undefined : request.startNow - taken.reservations.length,
          packFrom(request, queue),
        ),
      );
    } catch (error) {
      // The call may have run before its reply was lost.
      if (isPassing(failureOf(error))) void releaseLost(queue, callToken, [], request.leaseMs);
      throw error;
    }
    const start = taken.reservations.length;
    const { now, nextWake, leased } = await absorb(reply, queue, callToken, taken);
    if (deps.reconnects?.() !== before) {
      // Re-sent after a reconnect: the first run's jobs are leased to nobody.
      const held = taken.reservations
        .slice(start)
        .map(({ envelope }) => uniqueOf(envelope.id, queue));
      await releaseLost(queue, callToken, held, request.leaseMs);
    }
    quiet.record(queue, mark, leased, nextWake >= 0 ? Math.max(0, nextWake - now) : -1);
    return leased;
  }

  /** Adds a reserve.lua reply to `taken`. */
  async function absorb(
    reply: unknown[],
    queue: string,
    callToken: string,
    taken: Taken,
  ): Promise<ReserveReply> {
    const broken: BrokenDelivery[] = [];
    const read = readReserveReply(reply, queue, callToken, taken.reservations, broken);
    taken.now = read.now;
    if (read.nextWake >= 0 && (taken.nextWake < 0 || read.nextWake < taken.nextWake)) {
      taken.nextWake = read.nextWake;
    }
    // A job stored in a format this package cannot read (a newer version, garbage): dead-
    // letter it with the reason, so that it neither crashes the worker nor blocks the queue.
    if (broken.length > 0) await deps.deadLetter(broken);
    return read;
  }

  /**
   * Waits on the one queue's marker with the reserve riding behind the BLPOP: woken, the
   * jobs come back without a second round trip. Undefined: nothing from the wait.
   */
  async function waitThenTake(
    request: ReserveRequest,
    queue: string,
    timeoutMs: number,
    waitThenReserve: NonNullable<ReserveDeps['waitThenReserve']>,
  ): Promise<Taken | undefined> {
    const callToken = `${randomPrefix()}.0.`;
    const args = reserveArgs(
      Math.min(request.max, MAX_PER_CALL),
      request.leaseMs,
      request.consumer,
      callToken,
      request.startNow,
      packFrom(request, queue),
    );
    const abandon = (reply: unknown[]): Promise<unknown> => {
      const reservations: Reservation[] = [];
      const broken: BrokenDelivery[] = [];
      readReserveReply(reply, queue, callToken, reservations, broken);
      return giveBack(queue, reservations, broken);
    };
    const reply = await waitThenReserve(queue, timeoutMs, args, abandon, request.signal);
    if (!reply) {
      // The wait failed: the reserve behind it may have run, its reply lost with the
      // connection. (A wait cut short by the signal gave its reply back: `abandon`.)
      if (!deps.isClosed() && !request.signal?.aborted) {
        void releaseLost(queue, callToken, [], request.leaseMs);
      }
      return undefined;
    }
    const taken: Taken = { reservations: [], nextWake: -1, now: 0 };
    try {
      await absorb(reply, queue, callToken, taken);
    } catch (error) {
      // Dead-lettering failed: the jobs read fine are given back rather than stranded.
      await giveBack(queue, taken.reservations).catch(() => {});
      throw error;
    }
    return taken;
  }

  /** Releases jobs leased for a reserve that no longer wants them (aborted, closed). */
  async function giveBack(
    queue: string,
    reservations: readonly Reservation[],
    broken: readonly BrokenDelivery[] = [],
  ): Promise<void> {
    const jobs = [
      ...reservations.map(({ envelope, token }) => ({ id: envelope.id, token })),
      ...broken.map(({ id, token }) => ({ id, token })),
    ];
    if (jobs.length > 0) await deps.release(queue, jobs);
  }

  return async function reserve(request) {
    const { waitMs = 0, signal } = request;
    if (signal?.aborted || request.max < 1 || request.queues.length === 0) return [];
    const deadline = Date.now() + waitMs;
    // A waiting reserve on several queues skips quiet partitions (quiet-partitions.ts).
    const skipQuiet = waitMs > 0 && request.queues.length > 1;
    // One queue on standalone Redis: the reserve follows the wait on its connection.
    const only = request.queues.length === 1 ? request.queues[0] : undefined;
    const { waitThenReserve } = deps;
    let followed: Taken | undefined;
    for (;;) {
      let taken: Taken;
      try {
        taken = followed ?? (await take(request, skipQuiet));
        followed = undefined;
      } catch (error) {
        // A waiting reserve rides out a Redis restart or a cluster failover; anything else
        // is the caller's.
        if (!(waitMs > 0) || !isPassing(failureOf(error)) || deps.isClosed()) throw error;
        await pause(Math.min(250, Math.max(0, deadline - Date.now())), signal);
        if (Date.now() >= deadline || signal?.aborted || deps.isClosed()) return [];
        continue;
      }
      if (taken.reservations.length > 0 || !(waitMs > 0)) return taken.reservations;
      const remaining = deadline - Date.now();
      if (remaining <= 0 || signal?.aborted || deps.isClosed()) return [];
      let timeout = Math.min(remaining, MAX_BLOCK_MS);
      if (taken.nextWake >= 0)
        timeout = Math.min(timeout, Math.max(1, taken.nextWake - taken.now + 1));
      const recheckIn = skipQuiet ? quiet.recheckIn(request.queues) : undefined;
      if (recheckIn !== undefined) timeout = Math.min(timeout, Math.max(1, recheckIn + 1));
      if (only !== undefined && waitThenReserve) {
        followed = await waitThenTake(request, only, timeout, waitThenReserve);
        if (signal?.aborted || deps.isClosed()) {
          // Leased just before the abort: given back, since an aborted reserve returns [].
          if (followed) await giveBack(only, followed.reservations).catch(() => {});
          return [];
        }
        continue;
      }
      // Failing queues are left out of the wait as out of the take (a BLPOP on a down master
      // fails and ends the wait), and a queue whose probe answered is read again soon.
      const apart = request.queues.length > 1 && deps.failApart !== false;
      const left = apart && failing.size > 0 ? request.queues.filter((q) => !failing.skips(q)) : [];
      const waitOn = left.length > 0 ? left : request.queues;
      if (waitOn.length < request.queues.length) timeout = Math.min(timeout, FAILING_PROBE_MS);
      const woken = await deps.waitForMarker(waitOn, timeout, signal);
      quiet.wake(typeof woken === 'string' ? woken : undefined, request.queues);
      if (signal?.aborted || deps.isClosed()) return [];
    }
  };
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
