import { type Clock, type Logger, systemClock, type TimerHandle } from '@conveyor/core';
import { assertQueueName, parsePartitionName } from '@conveyor/core/transport';

/** Finished jobs one sweep call deletes at most: bounds how long it holds Redis. */
export const SWEEP_LIMIT = 1_000;
/** Pause between sweeps once a pass found nothing more to delete. */
export const SWEEP_INTERVAL_MS = 1_000;
/**
 * Most passes a partition that had nothing to delete sits out. A worker on a queue of 256
 * partitions would otherwise make 256 sweep calls a second while the queue is idle.
 */
export const MAX_IDLE_PASSES = 32;

export interface SweepResult {
  deleted: number;
  /** The call stopped at its limit: more may be due now. */
  more: boolean;
}

export interface Sweeper {
  /** Sweeps these queues from now on, until `close` (the queues a transport reserves from). */
  add(queues: readonly string[]): void;
  /** Stops; resolves once a sweep call in flight has returned. */
  close(): Promise<void>;
}

export interface SweeperOptions {
  /** One sweep call on `queue` (sweep.lua), deleting at most `limit` finished jobs. */
  sweep(queue: string, limit: number): Promise<SweepResult>;
  logger: Logger;
  /** Default the system clock; its timers do not keep the process alive. */
  clock?: Clock;
  intervalMs?: number;
  limit?: number;
}

/**
 * Deletes expired finished jobs while a worker runs: finished jobs have no key TTL (see
 * includes/queue.lua), and the scripts on the hot path delete only about as many as they
 * finish, so without this a queue nobody touches would keep them forever. Each pass sweeps
 * every queue, calling again at once while a call stops at its limit, then waits
 * `intervalMs`; a partition that had nothing to delete sits out 1, 2, 4, … up to
 * {@link MAX_IDLE_PASSES} passes. One pass at a time per transport; no cost per job.
 */
export function createSweeper(options: SweeperOptions): Sweeper {
  const clock = options.clock ?? systemClock;
  const intervalMs = options.intervalMs ?? SWEEP_INTERVAL_MS;
  const limit = options.limit ?? SWEEP_LIMIT;
  const queues = new Set<string>();
  /** Partitions that had nothing to delete: passes left to sit out, and the last gap. */
  const resting = new Map<string, { skip: number; gap: number }>();
  let timer: TimerHandle | undefined;
  let pass: Promise<void> | undefined;
  let failing = false;
  let closed = false;

  function schedule(ms: number): void {
    if (closed || timer !== undefined || pass) return;
    timer = clock.setTimeout(() => {
      timer = undefined;
      pass = sweepAll().finally(() => {
        pass = undefined;
        schedule(intervalMs);
      });
    }, ms);
    // A worker's sweep must not hold a process open that is otherwise done.
    (timer as { unref?: () => void }).unref?.();
  }

  async function sweepAll(): Promise<void> {
    for (const queue of [...queues]) {
      const rest = resting.get(queue);
      if (rest && rest.skip > 0) {
        rest.skip -= 1;
        continue;
      }
      try {
        let result: SweepResult;
        let deleted = 0;
        do {
          if (closed) return;
          result = await options.sweep(queue, limit);
          deleted += result.deleted;
        } while (result.more);
        failing = false;
        // A partition with nothing to delete rests for twice as many passes as last time.
        if (deleted > 0 || !parsePartitionName(queue)) resting.delete(queue);
        else {
          const gap = Math.min(MAX_IDLE_PASSES, rest ? rest.gap * 2 : 1);
          resting.set(queue, { skip: gap, gap });
        }
      } catch (error) {
        // Redis down or failing over: the reserve loop reports that; try again next pass.
        if (!failing) {
          options.logger.debug(
            { err: error, queue },
            '[conveyor] [redis] sweeping finished jobs failed; retrying',
          );
        }
        failing = true;
      }
    }
  }

  return {
    add(added) {
      let fresh = false;
      for (const queue of added) {
        if (queues.has(queue) || !sweepable(queue)) continue;
        queues.add(queue);
        fresh = true;
      }
      // The first queue starts the sweeps with a pass at once: jobs that expired while no
      // worker ran go first.
      if (fresh) schedule(0);
    },
    async close() {
      closed = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      await pass;
    },
  };
}

/** A bad name fails its reserve call; it is never swept. */
function sweepable(queue: string): boolean {
  try {
    assertQueueName(queue);
    return true;
  } catch {
    return false;
  }
}
