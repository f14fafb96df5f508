import type { Clock, Logger, Reservation, TimerHandle, Transport } from '@conveyor/core';
import { createOutage, outageKind, outageLength } from '@conveyor/core/transport';
import { reserveOrder } from './reserve-order.js';

export interface Fetcher {
  /** Call when capacity frees up: a fetcher waiting for a slot reserves again. */
  wake(): void;
  /** Stops reserving; resolves once the reserves in flight have returned (and been accepted). */
  stop(): Promise<void>;
}

/** Back-off after failed reserve calls: 0.5 s, 1 s, 2 s, … up to 30 s. */
const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 30_000;
/** Pause between empty non-blocking reserves. */
const IDLE_POLL_MS = 1_000;
/** Reserve calls in flight at once while the queues keep filling whole requests. */
const MAX_IN_FLIGHT = 2;

/**
 * The reserve loop: reserve calls for as many jobs as there is free capacity, blocking
 * up to `waitMs` when the queues are empty. The queue order rotates between calls,
 * because the transport drains queues in the order given: without the rotation a busy
 * first queue would starve the others.
 *
 * One call is in flight at a time, except while the queues are flowing (the last call
 * got every job it asked for): then a second call may go out for the capacity the
 * first does not cover, so that the next batch is on its way while this one runs and
 * the worker does not wait a round trip between batches. Jobs asked for in flight count
 * against the free capacity, so at most `concurrency + prefetch` are ever running or
 * buffered (and ended jobs awaiting their settle answers are bounded too: Slots).
 */
export function startFetching(options: {
  transport: Transport;
  clock: Clock;
  logger: Logger;
  consumer: string;
  queues: readonly string[];
  leaseMs: number;
  waitMs: number;
  freeCapacity: () => number;
  /**
   * Fewest jobs worth a call while nothing would idle (a batch, not one job per call);
   * with slots about to idle any free capacity is reserved. Default 1.
   */
  minBatch?: number;
  /** True when a running slot is free and no job waits for it. */
  starving?: () => boolean;
  /**
   * Run slots free now: the reserve's `startNow` [R27], less what calls in flight claimed.
   * Absent: not sent (every reserved job counts as started at once).
   */
  startNow?: () => number;
  /** Passed on to every reserve (`ReserveRequest.removeOnComplete`). */
  removeOnComplete?: readonly string[];
  /** `startNow`: what the call sent (the jobs past it the broker holds unstarted). */
  accept: (reservations: Reservation[], startNow: number | undefined) => void;
  /** A reserve failed with an error that retrying cannot fix (closed, or INVALID_OPTION). */
  onFatal: (error: unknown) => void;
}): Fetcher {
  const { transport, clock, logger, queues } = options;
  const removeOnComplete = options.removeOnComplete ?? [];
  const minBatch = Math.max(1, options.minBatch ?? 1);
  const abort = new AbortController();
  const calls = new Set<Promise<void>>();
  let stopped = false;
  let fatal = false;
  let wakeUp: (() => void) | undefined;
  let rotation = 0;
  /** Turns the queue order between calls, a partitioned queue's partitions as one queue. */
  const orderOf = reserveOrder(queues);
  /** Failed reserves in a row, for the back-off. */
  let failures = 0;
  /** What the log says of them: the first, a changed error (see outageKind), reminders. */
  const outage = createOutage();
  /** Jobs asked for by the calls in flight. */
  let requested = 0;
  /** Run slots the calls in flight said their first jobs start in. */
  let claimedStarts = 0;
  /** The last call got all it asked for: more jobs are likely ready. */
  let flowing = false;
  /** Set by a call that ended badly: the loop waits this long before the next one. */
  let pauseMs = 0;
  /** The loop waits for capacity (not for a back-off or poll timer). */
  let waitingForCapacity = false;

  function pause(ms?: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: TimerHandle | undefined;
      wakeUp = () => {
        wakeUp = undefined;
        if (timer !== undefined) clock.clearTimeout(timer);
        resolve();
      };
      if (ms !== undefined) timer = clock.setTimeout(() => wakeUp?.(), ms);
    });
  }

  /** How many jobs the next call should ask for now; 0: none. */
  function nextRequest(): number {
    const max = options.freeCapacity() - requested;
    if (max <= 0) return 0;
    if (calls.size === 0) return max >= minBatch || options.starving?.() !== false ? max : 0;
    return flowing && calls.size < MAX_IN_FLIGHT && max >= minBatch ? max : 0;
  }

  async function reserveOnce(max: number): Promise<void> {
    const order = orderOf(rotation);
    rotation += 1;
    requested += max;
    const startNow =
      options.startNow && Math.min(max, Math.max(0, options.startNow() - claimedStarts));
    claimedStarts += startNow ?? 0;
    let reservations: Reservation[];
    try {
      reservations = await transport.reserve({
        queues: order,
        max,
        leaseMs: options.leaseMs,
        waitMs: options.waitMs,
        signal: abort.signal,
        consumer: options.consumer,
        ...(startNow !== undefined && { startNow }),
        ...(removeOnComplete.length > 0 && { removeOnComplete }),
      });
      const ended = outage.recovered(clock.now());
      if (ended) {
        logger.info(
          ended,
          `reserve works again, after ${outageLength(ended.failingForMs)} and ${ended.failures} failed ${ended.failures === 1 ? 'try' : 'tries'}`,
        );
      }
      failures = 0;
    } catch (error) {
      flowing = false;
      if (stopped) return;
      // Closed, or misconfigured (a Redis database the server does not have): waiting
      // cannot fix either, and the worker stops with the error.
      const code = (error as { code?: unknown }).code;
      if (code === 'TRANSPORT_CLOSED' || code === 'INVALID_OPTION') {
        fatal = true;
        options.onFatal(error);
        return;
      }
      // Anything else may pass (a broker restarting, a cluster failing over): back off and
      // try again, saying so at the first failure, when it changes, and each minute.
      failures += 1;
      pauseMs = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (failures - 1));
      const report = outage.failed(clock.now(), outageKind(error));
      if (report?.reason === 'reminder') {
        logger.warn(
          { err: error, retryInMs: pauseMs, failures, failingForMs: report.failingForMs },
          `reserve still fails after ${outageLength(report.failingForMs)} (${failures} tries): retrying until it works`,
        );
      } else if (report) {
        logger.warn({ err: error, retryInMs: pauseMs }, 'reserve failed: retrying until it works');
      } else {
        logger.debug({ err: error, failures, retryInMs: pauseMs }, 'reserve failed again');
      }
      return;
    } finally {
      requested -= max;
      claimedStarts -= startNow ?? 0;
    }
    flowing = reservations.length >= max;
    if (reservations.length > 0) options.accept(reservations, startNow);
    // A transport that cannot block (waitMs 0) would be polled in a hot loop.
    else if (!(options.waitMs > 0)) pauseMs = IDLE_POLL_MS;
  }

  async function loop(): Promise<void> {
    while (!stopped && !fatal) {
      if (pauseMs > 0) {
        const ms = pauseMs;
        pauseMs = 0;
        await pause(ms);
        continue;
      }
      const max = nextRequest();
      if (max <= 0) {
        waitingForCapacity = true;
        await pause();
        waitingForCapacity = false;
        continue;
      }
      const call: Promise<void> = reserveOnce(max)
        .catch((error: unknown) => {
          fatal = true;
          logger.error({ err: error }, 'reserve loop crashed');
          options.onFatal(error);
        })
        .finally(() => {
          calls.delete(call);
          wakeUp?.();
        });
      calls.add(call);
    }
    await Promise.all(calls);
  }

  const running = loop().catch((error: unknown) => {
    logger.error({ err: error }, 'reserve loop crashed');
    options.onFatal(error);
  });
  return {
    wake() {
      // Called for every job that ends: a loop waiting for capacity only resumes when
      // there is a call to make, not once per job.
      if (waitingForCapacity && nextRequest() <= 0) return;
      wakeUp?.();
    },
    async stop() {
      stopped = true;
      abort.abort();
      wakeUp?.();
      await running;
    },
  };
}
