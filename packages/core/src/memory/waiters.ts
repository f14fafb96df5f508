import { type Clock, MAX_TIMER_MS } from '../clock.js';
import type { JobRecord, Reservation, ReserveRequest } from '../transport.js';

/**
 * A promise that settles once: with a value someone hands it, or with `fallback()` when
 * `timeoutMs` passes or `signal` aborts. Settling clears its timer and abort listener.
 */
export interface Pending<T> {
  readonly promise: Promise<T>;
  settle(value: T): void;
}

export function createPending<T>(options: {
  clock: Clock;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  fallback: () => T;
  onSettled: () => void;
}): Pending<T> {
  const { clock, signal } = options;
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  let done = false;
  // `fallback` may itself settle this pending (it can run a flush); `settle` ignores the rest.
  const expire = (): void => {
    if (!done) settle(options.fallback());
  };
  const deadline = clock.now() + options.timeoutMs;
  // A timeout longer than a timer can hold takes several timers in a row.
  const onTimer = (): void => {
    const left = deadline - clock.now();
    if (left > 0) timer = clock.setTimeout(onTimer, Math.min(left, MAX_TIMER_MS));
    else expire();
  };
  let timer = clock.setTimeout(onTimer, Math.min(options.timeoutMs, MAX_TIMER_MS));
  signal?.addEventListener('abort', expire, { once: true });

  function settle(value: T): void {
    if (done) return;
    done = true;
    clock.clearTimeout(timer);
    signal?.removeEventListener('abort', expire);
    options.onSettled();
    resolve(value);
  }

  return { promise, settle };
}

/** A blocked `reserve` [R8]. */
export interface ReserveWaiter {
  /** Arrival order: earlier waiters are served first. */
  readonly seq: number;
  readonly request: ReserveRequest;
  readonly pending: Pending<Reservation[]>;
}

/** Blocked reserves, indexed by the queues they wait on. */
export interface ReserveWaiters {
  readonly size: number;
  add(request: ReserveRequest, pending: Pending<Reservation[]>): ReserveWaiter;
  remove(waiter: ReserveWaiter): void;
  /** Waiters on any of `queues`, in arrival order. */
  on(queues: Iterable<string>): ReserveWaiter[];
  all(): ReserveWaiter[];
}

export function createReserveWaiters(): ReserveWaiters {
  const byQueue = new Map<string, Set<ReserveWaiter>>();
  const waiters = new Set<ReserveWaiter>();
  let nextSeq = 0;

  return {
    get size() {
      return waiters.size;
    },
    add(request, pending) {
      const waiter = { seq: nextSeq++, request, pending };
      waiters.add(waiter);
      for (const queue of request.queues) {
        let set = byQueue.get(queue);
        if (!set) {
          set = new Set();
          byQueue.set(queue, set);
        }
        set.add(waiter);
      }
      return waiter;
    },
    remove(waiter) {
      if (!waiters.delete(waiter)) return;
      for (const queue of waiter.request.queues) {
        const set = byQueue.get(queue);
        set?.delete(waiter);
        if (set?.size === 0) byQueue.delete(queue);
      }
    },
    on(queues) {
      const found = new Set<ReserveWaiter>();
      for (const queue of queues) {
        for (const waiter of byQueue.get(queue) ?? []) found.add(waiter);
      }
      return [...found].sort((a, b) => a.seq - b.seq);
    },
    all: () => [...waiters],
  };
}

/** Pending `waitFor` calls, by job id [R21]. */
export interface JobWaiters {
  readonly size: number;
  add(jobId: string, pending: Pending<JobRecord | null>): void;
  remove(jobId: string, pending: Pending<JobRecord | null>): void;
  /** The waiters of one job (a copy). */
  of(jobId: string): Array<Pending<JobRecord | null>>;
  jobIds(): string[];
}

export function createJobWaiters(): JobWaiters {
  const byJob = new Map<string, Set<Pending<JobRecord | null>>>();
  let size = 0;

  return {
    get size() {
      return size;
    },
    add(jobId, pending) {
      let set = byJob.get(jobId);
      if (!set) {
        set = new Set();
        byJob.set(jobId, set);
      }
      if (!set.has(pending)) size++;
      set.add(pending);
    },
    remove(jobId, pending) {
      const set = byJob.get(jobId);
      if (!set?.delete(pending)) return;
      size--;
      if (set.size === 0) byJob.delete(jobId);
    },
    of: (jobId) => [...(byJob.get(jobId) ?? [])],
    jobIds: () => [...byJob.keys()],
  };
}
