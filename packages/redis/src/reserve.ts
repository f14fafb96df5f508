import { randomBytes } from 'node:crypto';
import type { Reservation, ReserveRequest } from '@conveyor/core';
import { failureOf, type RedisFailure } from './errors.js';
import { type BrokenDelivery, readReserveReply, reserveArgs } from './wire/script-calls.js';

/** Longest single blocking read: a backstop for lost wake-ups, not the pickup mechanism. */
const MAX_BLOCK_MS = 5_000;
/** Jobs per reserve script call (its ZADD unpacks two values per job). */
const MAX_PER_CALL = 1_000;

export interface ReserveDeps {
  /** Runs reserve.lua for one queue. */
  reserveScript(queue: string, args: Array<string | number>): Promise<unknown[]>;
  /** Dead-letters deliveries whose stored job could not be decoded. */
  deadLetter(items: BrokenDelivery[]): Promise<unknown>;
  /** Blocks until a marker of one of `queues` is pushed, or `timeoutMs`. */
  waitForMarker(queues: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<void>;
  isClosed(): boolean;
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

  async function take(request: ReserveRequest): Promise<Taken> {
    const taken: Taken = { reservations: [], nextWake: -1, now: 0 };
    const tokenPrefix = randomPrefix();
    let call = 0;
    for (const queue of request.queues) {
      for (;;) {
        const want = Math.min(request.max - taken.reservations.length, MAX_PER_CALL);
        if (want <= 0) break;
        const token = `${tokenPrefix}.${(call++).toString(36)}.`;
        const got = await takeFrom(queue, want, token, request, taken);
        if (got < want) break;
      }
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
    const reply = await deps.reserveScript(
      queue,
      reserveArgs(want, request.leaseMs, request.consumer, callToken),
    );
    const broken: BrokenDelivery[] = [];
    const { now, nextWake, leased } = readReserveReply(
      reply,
      queue,
      callToken,
      taken.reservations,
      broken,
    );
    taken.now = now;
    if (nextWake >= 0 && (taken.nextWake < 0 || nextWake < taken.nextWake)) {
      taken.nextWake = nextWake;
    }
    // A job stored in a format this package cannot read (a newer version, garbage): dead-
    // letter it with the reason, so that it neither crashes the worker nor blocks the queue.
    if (broken.length > 0) await deps.deadLetter(broken);
    return leased;
  }

  return async function reserve(request) {
    const { waitMs = 0, signal } = request;
    if (signal?.aborted || request.max < 1 || request.queues.length === 0) return [];
    const deadline = Date.now() + waitMs;
    for (;;) {
      let taken: Taken;
      try {
        taken = await take(request);
      } catch (error) {
        // A waiting reserve rides out a Redis restart or a cluster failover; anything else
        // is the caller's.
        if (!(waitMs > 0) || !passing(failureOf(error)) || deps.isClosed()) throw error;
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
      await deps.waitForMarker(request.queues, timeout, signal);
      if (signal?.aborted || deps.isClosed()) return [];
    }
  };
}

/** Failures that end by themselves: Redis restarting, a cluster failing over or resharding. */
function passing(failure: RedisFailure): boolean {
  return failure === 'CONNECTION' || failure === 'CLUSTER';
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
