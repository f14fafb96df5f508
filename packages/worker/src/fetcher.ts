import type { Clock, Logger, Reservation, TimerHandle, Transport } from '@conveyor/core';

export interface Fetcher {
  /** Call when capacity frees up: a fetcher waiting for a slot reserves again. */
  wake(): void;
  /** Stops reserving; resolves once the reserve in flight has returned (and been accepted). */
  stop(): Promise<void>;
}

/** Back-off after failed reserve calls: 0.5 s, 1 s, 2 s, … up to 30 s. */
const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 30_000;
/** Pause between empty non-blocking reserves. */
const IDLE_POLL_MS = 1_000;

/**
 * The reserve loop: one reserve call at a time, for as many jobs as there is free
 * capacity, blocking up to `waitMs` when the queues are empty. The queue order rotates
 * between calls, because the transport drains queues in the order given: without the
 * rotation a busy first queue would starve the others.
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
  accept: (reservations: Reservation[]) => void;
  /** A reserve failed with an error that retrying cannot fix (the transport is closed). */
  onFatal: (error: unknown) => void;
}): Fetcher {
  const { transport, clock, logger, queues } = options;
  const abort = new AbortController();
  let stopped = false;
  let wakeUp: (() => void) | undefined;

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

  async function loop(): Promise<void> {
    let rotation = 0;
    let failures = 0;
    while (!stopped) {
      const max = options.freeCapacity();
      if (max <= 0) {
        await pause();
        continue;
      }
      const start = rotation % queues.length;
      rotation += 1;
      const order = [...queues.slice(start), ...queues.slice(0, start)];
      let reservations: Reservation[];
      try {
        reservations = await transport.reserve({
          queues: order,
          max,
          leaseMs: options.leaseMs,
          waitMs: options.waitMs,
          signal: abort.signal,
          consumer: options.consumer,
        });
        failures = 0;
      } catch (error) {
        if (stopped) return;
        if ((error as { code?: unknown }).code === 'TRANSPORT_CLOSED') {
          options.onFatal(error);
          return;
        }
        failures += 1;
        const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (failures - 1));
        logger.error({ err: error, retryInMs: delay }, 'reserve failed');
        await pause(delay);
        continue;
      }
      if (reservations.length > 0) options.accept(reservations);
      // A transport that cannot block (waitMs 0) would be polled in a hot loop.
      else if (!(options.waitMs > 0)) await pause(IDLE_POLL_MS);
    }
  }

  const running = loop().catch((error: unknown) => {
    logger.error({ err: error }, 'reserve loop crashed');
    options.onFatal(error);
  });
  return {
    wake() {
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
