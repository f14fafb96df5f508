import type {
  Clock,
  Logger,
  Settlement,
  SettleStatus,
  TimerHandle,
  Transport,
} from '@conveyor/core';

/**
 * `error`: the settle call failed, and again on each retry until the job's lease had surely
 * expired (or the worker stopped, or the failure would not pass): the job runs again, or is
 * dead-lettered on its last attempt. `uncertain`: sent again after a failed call and refused
 * as stale; the failed call was most likely applied before its reply was lost (or the lease
 * ran out meanwhile).
 */
export type SettleAnswer = SettleStatus | 'error' | 'uncertain';

export interface SettleBatcher {
  /**
   * Queues one settlement; calls `onAnswer(answer, context)` once its batch is answered
   * (`error` if the call failed). One shared callback and a context the caller has anyway:
   * no promise or closure per job.
   */
  send<C>(
    settlement: Settlement,
    context: C,
    onAnswer: (answer: SettleAnswer, context: C) => void,
  ): void;
  /**
   * Resolves once everything sent so far has been answered; logs, in one line, the settles
   * given up on since {@link SettleBatcher.hurry}.
   */
  drain(): Promise<void>;
  /**
   * From now on (a stopping worker), sends each batch at once, beside the calls in flight:
   * against a broker that does not answer, calls one after another would each wait out the
   * command timeout (the release of prefetched jobs, then the completions).
   */
  hurry(): void;
  /** Whether a settle call failed since `hurry` (a broker that does not answer, say). */
  readonly failedSinceHurry: boolean;
}

interface Entry {
  settlement: Settlement;
  context: unknown;
  resolve: (answer: SettleAnswer, context: unknown) => void;
  /** When a call carrying it first failed: it is retried until `leaseMs` after. */
  failedAt?: number;
}

/** Pauses before each retry of a failed settle call; the last one repeats. */
const RETRY_DELAYS_MS = [250, 500, 1_000, 2_000];

/**
 * Whether a failed settle call is worth sending again: a transport error that may pass by
 * itself (`TransportError.passing`: the broker out of reach or failing over), not a bug or a
 * refusal that would come back each time, and fail the settlements that rode along with it.
 */
function mayPass(error: unknown): boolean {
  const { code, passing } = (error ?? {}) as { code?: unknown; passing?: unknown };
  return code === 'TRANSPORT_ERROR' && passing !== false;
}

/**
 * Groups settlements into few settle calls without a timer per job: at most one call is
 * in flight (until `hurry`), settlements sent meanwhile go in the next one, and an idle
 * batcher sends on the next microtask (so jobs ending in the same tick share a call).
 *
 * A call that fails (the broker unreachable, a master of a Cluster down) is sent again after
 * a pause, with whatever was queued meanwhile, for as long as its jobs' leases may still hold
 * (`leaseMs` from the first failure): a job that completed while the broker was away is then
 * recorded once it is back, instead of running again, or being dead-lettered on its last
 * attempt, when its lease runs out. A stopping worker (`hurry`) retries no more.
 */
export function createSettleBatcher(options: {
  transport: Transport;
  logger: Logger;
  clock: Clock;
  config: {
    /** Settlements per call. */
    settleBatchSize: number;
    /** The worker's lease: how long after a failure a settlement may still apply. */
    leaseMs: number;
  };
}): SettleBatcher {
  const { transport, logger, clock } = options;
  const { settleBatchSize: maxBatch, leaseMs } = options.config;
  // A failed call's entries, waiting out the pause before their retry (with the queue's).
  let retryTimer: TimerHandle | undefined;
  let failures = 0;
  let queued: Entry[] = [];
  let scheduled = false;
  let inFlight = 0;
  let hurried = false;
  let failedSinceHurry = false;
  /** The settles a stopping worker gave up on, logged when it drains (see reportGivenAtStop). */
  let givenAtStop: { jobIds: string[]; errors: unknown[] } = { jobIds: [], errors: [] };
  let drained: Array<() => void> = [];

  function schedule(): void {
    if (scheduled || (inFlight > 0 && !hurried)) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      send();
    });
  }

  function send(): void {
    if (retryTimer !== undefined) return;
    if (queued.length === 0) {
      if (inFlight === 0) notifyDrained();
      return;
    }
    if (inFlight > 0 && !hurried) return;
    do {
      const batch = queued.slice(0, maxBatch);
      queued = queued.slice(batch.length);
      inFlight++;
      void call(batch).finally(() => {
        inFlight--;
        send();
      });
    } while (hurried && queued.length > 0);
  }

  async function call(batch: Entry[]): Promise<void> {
    let statuses: SettleStatus[];
    try {
      statuses = await transport.settle(batch.map((entry) => entry.settlement));
    } catch (error) {
      failed(batch, error);
      return;
    }
    if (failures > 0) {
      logger.info(
        { jobIds: batch.map((entry) => entry.settlement.id) },
        'settle calls answered again',
      );
      failures = 0;
    }
    for (let index = 0; index < batch.length; index++) {
      const entry = batch[index] as Entry;
      const status = statuses[index] ?? 'error';
      // Refused after a failed call: that call may have been applied, its reply lost.
      answer(entry, status === 'stale' && entry.failedAt !== undefined ? 'uncertain' : status);
    }
  }

  /**
   * A call failed: its entries go back to the head of the queue for a retry after a pause,
   * but those whose leases have surely run out since their first failure, and all of them in
   * a stopping worker, are answered `error`.
   */
  function failed(batch: Entry[], error: unknown): void {
    const now = clock.now();
    const retried: Entry[] = [];
    const given: Entry[] = [];
    const passing = !hurried && mayPass(error);
    for (const entry of batch) {
      entry.failedAt ??= now;
      (passing && now - entry.failedAt < leaseMs ? retried : given).push(entry);
    }
    // The outage holds the queued ones too: their time counts from now, not from their turn.
    if (passing) for (const entry of queued) entry.failedAt ??= now;
    if (hurried) failedSinceHurry = true;
    failures++;
    if (given.length > 0) {
      const jobIds = given.map((entry) => entry.settlement.id);
      // A stopping worker sends each job's settle as it ends: with the broker gone, one line
      // for all of them once the last call is answered, not one per call.
      if (hurried) {
        givenAtStop.jobIds.push(...jobIds);
        givenAtStop.errors.push(error);
      } else {
        logger.error(
          { err: error, jobIds },
          // A call cut off by the connection (a reset, the command timeout) may have been
          // applied: a broker can run it after its reply was lost.
          passing
            ? "settle call failed until these jobs' leases ran out: unless the broker applied it before its reply was lost, they run again, or are dead-lettered if that was their last attempt (look them up with conveyor inspect <id>)"
            : 'settle call failed, and sending it again would fail the same way: unless the broker applied it, these jobs run again once their leases expire, or are dead-lettered if that was their last attempt (look them up with conveyor inspect <id>)',
        );
      }
      for (const entry of given) answer(entry, 'error');
    }
    if (retried.length === 0) return;
    const delayMs = RETRY_DELAYS_MS[Math.min(failures, RETRY_DELAYS_MS.length) - 1] as number;
    if (failures === 1) {
      logger.warn(
        { err: error, jobIds: retried.map((entry) => entry.settlement.id), retryMs: delayMs },
        'settle call failed: sending it again until the broker answers or the leases run out',
      );
    }
    queued = retried.concat(queued);
    if (retryTimer !== undefined) return;
    retryTimer = clock.setTimeout(() => {
      retryTimer = undefined;
      send();
    }, delayMs);
  }

  /**
   * Logs the settles a stopping worker gave up on (see `failed`) when it drains the batcher,
   * once its last jobs have ended and their calls are done.
   */
  function reportGivenAtStop(): void {
    const { jobIds, errors } = givenAtStop;
    if (jobIds.length === 0) return;
    givenAtStop = { jobIds: [], errors: [] };
    const messages = new Set(errors.map((error) => String((error as Error)?.message ?? error)));
    logger.error(
      {
        err: errors[0],
        jobIds,
        ...(errors.length > 1 ? { calls: errors.length } : {}),
        ...(messages.size > 1 ? { otherErrors: [...messages].slice(1) } : {}),
      },
      `settle ${errors.length === 1 ? 'call' : `calls (${errors.length})`} failed as the worker stopped: unless the broker applied ${errors.length === 1 ? 'it' : 'them'} before ${errors.length === 1 ? 'its reply was' : 'their replies were'} lost, these jobs run again once their leases expire, or are dead-lettered if that was their last attempt (look them up with conveyor inspect <id>)`,
    );
  }

  /** `send` callbacks run right here: one that throws must not cost the others their answer. */
  function answer(entry: Entry, status: SettleAnswer): void {
    try {
      entry.resolve(status, entry.context);
    } catch (error) {
      if (hurried) failedSinceHurry = true;
      logger.error({ err: error, jobId: entry.settlement.id }, 'settle callback threw');
    }
  }

  function enqueue(entry: Entry): void {
    queued.push(entry);
    if (queued.length >= maxBatch && (inFlight === 0 || hurried)) send();
    else schedule();
  }

  function notifyDrained(): void {
    if (drained.length > 0) reportGivenAtStop();
    const waiters = drained;
    drained = [];
    for (const waiter of waiters) waiter();
  }

  return {
    send(settlement, context, onAnswer) {
      enqueue({ settlement, context, resolve: onAnswer as Entry['resolve'] });
    },
    drain() {
      if (inFlight === 0 && queued.length === 0 && !scheduled) {
        reportGivenAtStop();
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => drained.push(resolve));
    },
    get failedSinceHurry() {
      return failedSinceHurry;
    },
    hurry() {
      hurried = true;
      // A retry waiting out its pause goes now, as its last try.
      if (retryTimer !== undefined) {
        clock.clearTimeout(retryTimer);
        retryTimer = undefined;
      }
      // Whatever waits for the call in flight goes now.
      if (queued.length > 0) send();
    },
  };
}
