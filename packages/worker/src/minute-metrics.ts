import {
  type Clock,
  ConveyorError,
  type Logger,
  METRICS_RETENTION_MS,
  type TaskMinute,
  type TimerHandle,
  type TransportMetrics,
} from '@conveyor/core';
import { createMinuteCounts, type JobMinutes } from './minute-counts.js';

/** How often a worker adds its counts to the transport by default: every 5 s. */
export const DEFAULT_METRICS_FLUSH_MS = 5_000;

export interface MinuteMetrics extends JobMinutes {
  /** Flushes every interval from now on, each flush timed from the end of the previous one. */
  start(): void;
  /**
   * Stops the timer and flushes what is left, once a flush in flight is answered. Never
   * rejects. `brokerFailed`: another call just failed (a stopping worker's settles), so the
   * counts are not sent: against a broker that does not answer, that would wait out one more
   * command timeout.
   */
  close(options?: { brokerFailed?: boolean }): Promise<void>;
}

/**
 * The per-minute counts the dashboard draws: counted in memory per job (see
 * `createMinuteCounts`), added to the transport with one `metrics.record` call per queue
 * per interval. A failed call logs once per streak of failures and keeps its minutes for
 * the next call, except those older than {@link METRICS_RETENTION_MS}, which the transport
 * would have expired anyway.
 */
export function createMinuteMetrics(options: {
  metrics: TransportMetrics;
  clock: Clock;
  logger: Logger;
  flushMs: number;
}): MinuteMetrics {
  const { metrics, clock, logger, flushMs } = options;
  const counts = createMinuteCounts();
  /** Minutes a failed call did not record, for the next one. */
  let unsent: TaskMinute[] = [];
  let failing = false;
  let stopped = false;
  /** A flush in flight that close() did not wait for. */
  let abandoned = false;
  let timer: TimerHandle | undefined;
  let flushing: Promise<void> | undefined;

  async function flush(): Promise<void> {
    const fresh = counts.take();
    const minutes = unsent.length === 0 ? fresh : merge(unsent, fresh);
    unsent = [];
    if (minutes.length === 0) return;
    // One call per queue: on a Redis Cluster each queue (each partition) has its own master,
    // and a call that failed for one of them had recorded the others, which the next try
    // then counted twice. Only the queues whose call failed are kept for the next one.
    const byQueue = new Map<string, TaskMinute[]>();
    for (const minute of minutes) {
      const group = byQueue.get(minute.queue);
      if (group) group.push(minute);
      else byQueue.set(minute.queue, [minute]);
    }
    const groups = [...byQueue.values()];
    const outcomes = await Promise.allSettled(groups.map((group) => metrics.record(group)));
    let failure: unknown;
    const kept: TaskMinute[] = [];
    const refusedGroups: TaskMinute[][] = [];
    outcomes.forEach((outcome, index) => {
      if (outcome.status === 'fulfilled') return;
      const error: unknown = outcome.reason;
      if (refused(error)) refusedGroups.push(groups[index] ?? []);
      else {
        failure ??= error;
        kept.push(...(groups[index] ?? []));
      }
    });
    // One minute the transport refuses (a task name longer than it accepts, from a job
    // written straight into the broker) refused its whole queue's call, and the queue's other
    // counts were dropped with it: each minute of such a call is sent alone, so that only the
    // refused ones, which would be refused again, are lost.
    const alone = refusedGroups.flat();
    for (const [index, minute] of alone.entries()) {
      try {
        await metrics.record([minute]);
      } catch (error) {
        if (!refused(error)) {
          // The broker failed meanwhile: the rest wait for the next flush, not for one
          // command timeout each.
          failure ??= error;
          kept.push(...alone.slice(index));
          break;
        }
        logger.warn(
          { err: error, queue: minute.queue },
          'the transport refused a per-minute count; dropping it',
        );
      }
    }
    if (failure === undefined) {
      if (failing) logger.info('per-minute metrics recorded again');
      failing = false;
      return;
    }
    const oldest = Math.floor((clock.now() - METRICS_RETENTION_MS) / 60_000);
    unsent = kept.filter((minute) => minute.minute >= oldest);
    // Once per streak: a broker that is down is reported by the renew calls too. A flush that
    // a stop did not wait for is covered by its warning.
    if (!failing && !abandoned) {
      logger.warn(
        { err: failure, minutes: unsent.length },
        'recording per-minute metrics failed; keeping the counts for the next try',
      );
    }
    failing = true;
  }

  function arm(): void {
    if (stopped) return;
    timer = clock.setTimeout(() => {
      timer = undefined;
      flushing = flush().finally(() => {
        flushing = undefined;
        arm();
      });
    }, flushMs);
  }

  return {
    started: counts.started,
    settled: counts.settled,
    start() {
      if (!stopped && timer === undefined && flushing === undefined) arm();
    },
    async close(options = {}) {
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      // A broker that did not answer (the last call, or the stop's settles) is not asked
      // again, nor waited for: with one that does not answer at all, each call takes the
      // whole command timeout of a stopping worker.
      abandoned = options.brokerFailed === true && flushing !== undefined;
      if (!abandoned) await flushing;
      if (failing || options.brokerFailed) unsent = merge(unsent, counts.take());
      else await flush();
      if (unsent.length > 0) {
        logger.warn(
          { minutes: unsent.length },
          'per-minute metrics not recorded before stopping: their counts are lost',
        );
      }
    },
  };
}

/** A refusal of the minutes themselves (`INVALID_OPTION`), not a failed call. */
function refused(error: unknown): boolean {
  return error instanceof ConveyorError && error.code === 'INVALID_OPTION';
}

/** The minutes of both lists, counts of the same (queue, task, minute) added up. */
function merge(kept: readonly TaskMinute[], fresh: readonly TaskMinute[]): TaskMinute[] {
  const byKey = new Map<string, TaskMinute>();
  for (const minute of [...kept, ...fresh]) {
    // Queue names hold no space, so the key is unambiguous whatever the task name.
    const key = `${minute.minute} ${minute.queue} ${minute.task}`;
    const into = byKey.get(key);
    if (!into) {
      // A copy: the kept minutes were handed to a record call already.
      byKey.set(key, { ...minute, pickup: [...minute.pickup] });
      continue;
    }
    into.completed += minute.completed;
    into.failed += minute.failed;
    into.retried += minute.retried;
    minute.pickup.forEach((count, index) => {
      into.pickup[index] = (into.pickup[index] ?? 0) + count;
    });
  }
  return [...byKey.values()];
}
