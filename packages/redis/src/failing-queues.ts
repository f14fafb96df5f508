import type { Logger } from '@conveyor/core';
import {
  createOutage,
  type Outage,
  type OutageSoFar,
  outageKind,
  outageLength,
} from '@conveyor/core/transport';

/**
 * Queues whose reserve failed in passing (their Cluster master down or failing over) while a
 * reserve over several queues went on with the others. Each is left out for a while, then
 * tried again. What it reports: the first failure of an outage at once, then a reminder at
 * most every {@link REMINDER_MS} while it lasts (a reserve runs several times a second, and a
 * warning per try buried everything else in the log), and the first answer after it.
 */
export interface FailingQueues {
  /** How many queues are failing now. */
  readonly size: number;
  /** Whether `queue` is left out of a reserve at `now`. */
  skips(queue: string, now: number): boolean;
  /** A reserve from `queue` failed in passing at `now`. */
  failed(queue: string, error: unknown, now: number): void;
  /** A reserve from `queue` answered at `now`. */
  answered(queue: string, now: number): void;
}

/** What a failing queue's report says about its outage so far. */
export type QueueOutage = OutageSoFar;

export interface FailingQueueReports {
  /**
   * The queue's reserve failed: the first failure of an outage (`failures` 1), or a reminder
   * while it lasts. It is tried again in `skipMs`.
   */
  onFailing?(queue: string, error: unknown, outage: QueueOutage & { skipMs: number }): void;
  /** The queue's reserve answered again after an outage. */
  onWorksAgain?(queue: string, outage: QueueOutage): void;
}

/** Longest a queue that keeps failing goes without a reminder in the log. */
export const REMINDER_MS = 30_000;

export function createFailingQueues(skipMs: number, reports: FailingQueueReports): FailingQueues {
  const outages = new Map<string, { until: number; outage: Outage }>();
  return {
    get size() {
      return outages.size;
    },
    skips: (queue, now) => (outages.get(queue)?.until ?? 0) > now,
    failed(queue, error, now) {
      let failing = outages.get(queue);
      if (!failing) {
        failing = { until: 0, outage: createOutage({ reminderMs: REMINDER_MS }) };
        outages.set(queue, failing);
      }
      failing.until = now + skipMs;
      const report = failing.outage.failed(now, outageKind(error));
      if (!report) return;
      reports.onFailing?.(queue, error, {
        failures: report.failures,
        failingForMs: report.failingForMs,
        skipMs,
      });
    },
    answered(queue, now) {
      const ended = outages.get(queue)?.outage.recovered(now);
      outages.delete(queue);
      if (ended) reports.onWorksAgain?.(queue, ended);
    },
  };
}

const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/** The transport's log lines for {@link FailingQueueReports}. */
export function failingQueuesLog(logger: Logger): FailingQueueReports {
  const named = (queue: string) => `[conveyor] [redis] reserve from queue ${JSON.stringify(queue)}`;
  return {
    onFailing: (queue, error, { skipMs, failures, failingForMs }) =>
      logger.warn(
        { queue, err: error, retryInMs: skipMs, failures, failingForMs },
        failures === 1
          ? `${named(queue)} failed (${messageOf(error)}): the other queues go on; it is tried again every ${skipMs} ms, with a reminder here every ${REMINDER_MS / 1_000} s while it fails.`
          : `${named(queue)} still fails after ${outageLength(failingForMs)} (${failures} tries; the last: ${messageOf(error)}): the other queues go on. If its Cluster master is down, start it or promote a replica.`,
      ),
    onWorksAgain: (queue, { failures, failingForMs }) =>
      logger.info(
        { queue, failures, failingForMs },
        `${named(queue)} works again, after ${outageLength(failingForMs)} and ${failures} failed ${failures === 1 ? 'try' : 'tries'}.`,
      ),
  };
}
