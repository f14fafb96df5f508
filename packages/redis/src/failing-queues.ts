import type { Logger } from '@conveyor/core';
import {
  createOutage,
  type Outage,
  type OutageSoFar,
  outageKind,
  outageLength,
} from '@conveyor/core/transport';
import { failureOf, isPassing } from './errors.js';

/**
 * Queues whose reserve failed in passing (their Cluster master down or failing over) while a
 * reserve over several queues went on with the others. Each is left out of reserves until a
 * probe of it answers: a reserve on a down master fails only after about a second of
 * redirections, and trying it again on the reserve's path every second slowed every other
 * queue's pickup to that pace. The reserver sends the probes in the background
 * ({@link FailingQueues.probesDue}). What it reports: the first failure of an outage at once,
 * a changed error, then a reminder at most every {@link REMINDER_MS} while it lasts (a warning
 * per try buried everything else in the log), and the first answer after it.
 */
export interface FailingQueues {
  /** How many queues are failing now. */
  readonly size: number;
  /**
   * Whether `queue` is left out of reserves over several queues: failing, and no probe of it
   * has answered since (one that has lets the reserve try it; its outage ends when that works).
   */
  skips(queue: string): boolean;
  /** The last error of `queue`'s outage, or undefined when it is not failing. */
  errorOf(queue: string): unknown;
  /** A reserve from `queue`, or a probe of it, failed in passing at `now`. */
  failed(queue: string, error: unknown, now: number): void;
  /** A reserve from `queue`, or a probe of it, answered at `now`. */
  answered(queue: string, now: number): void;
  /**
   * The failing queues due for a probe at `now` (one every `skipMs` per queue, never two at
   * once): each is probing until {@link FailingQueues.failed} or {@link FailingQueues.admit}.
   */
  probesDue(now: number): string[];
  /**
   * A probe of `queue` answered: a reserve may try it again. (A probe reads; a node that
   * answers reads but refuses writes would otherwise end and restart the outage each second.)
   */
  admit(queue: string): void;
}

/** What a failing queue's report says about its outage so far. */
export type QueueOutage = OutageSoFar;

export interface FailingQueueReports {
  /**
   * The queue's reserve failed: the first failure of an outage (`failures` 1), a changed
   * error, or a reminder while it lasts. It is checked again in `skipMs`.
   */
  onFailing?(queue: string, error: unknown, outage: QueueOutage & { skipMs: number }): void;
  /** The queue's reserve answered again after an outage. */
  onWorksAgain?(queue: string, outage: QueueOutage): void;
}

/** Longest a queue that keeps failing goes without a reminder in the log. */
export const REMINDER_MS = 30_000;

export function createFailingQueues(skipMs: number, reports: FailingQueueReports): FailingQueues {
  const outages = new Map<
    string,
    { outage: Outage; error: unknown; probeAt: number; probing: boolean; admitted: boolean }
  >();
  return {
    get size() {
      return outages.size;
    },
    skips: (queue) => outages.get(queue)?.admitted === false,
    errorOf: (queue) => outages.get(queue)?.error,
    failed(queue, error, now) {
      let failing = outages.get(queue);
      if (!failing) {
        failing = {
          outage: createOutage({ reminderMs: REMINDER_MS }),
          error,
          probeAt: 0,
          probing: false,
          admitted: false,
        };
        outages.set(queue, failing);
      }
      failing.error = error;
      failing.probeAt = now + skipMs;
      failing.probing = false;
      failing.admitted = false;
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
    admit(queue) {
      const failing = outages.get(queue);
      if (failing) {
        failing.admitted = true;
        failing.probing = false;
      }
    },
    probesDue(now) {
      const due: string[] = [];
      for (const [queue, failing] of outages) {
        if (failing.admitted || failing.probing || failing.probeAt > now) continue;
        failing.probing = true;
        due.push(queue);
      }
      return due;
    },
  };
}

/** How a reserver reaches the servers of failing queues (see `ReserveDeps`). */
export interface FailingQueueServers {
  probe(queue: string): Promise<unknown>;
  serverOf?(queue: string): string | undefined;
  /** A closed transport's probes still in flight say nothing. */
  isClosed?(): boolean;
}

/**
 * Probes the failing queues whose probe is due, in the background: one probe per server
 * (`serverOf`), whose answer settles every due queue on it.
 */
export function probeFailing(failing: FailingQueues, servers: FailingQueueServers): void {
  const due = new Map<string, string[]>();
  for (const queue of failing.probesDue(Date.now())) {
    const server = servers.serverOf?.(queue) ?? queue;
    due.set(server, [...(due.get(server) ?? []), queue]);
  }
  for (const queues of due.values()) {
    servers.probe(queues[0] as string).then(
      () => {
        for (const queue of queues) failing.admit(queue);
      },
      (error: unknown) => {
        if (servers.isClosed?.()) return;
        // Any other failure came from the queue's server: it answers again.
        const down = isPassing(failureOf(error));
        for (const queue of queues) {
          if (down) failing.failed(queue, error, Date.now());
          else failing.admit(queue);
        }
      },
    );
  }
}

/**
 * A passing failure of `queue`'s reserve: it is left out, and so are the queues of `among` on
 * its server, each of which would wait out the same failure.
 */
export function leaveOut(
  failing: FailingQueues,
  servers: FailingQueueServers,
  queue: string,
  error: unknown,
  among: readonly string[],
  /** Queues that answered in this reserve: their server answers them. */
  answered: ReadonlySet<string> = new Set(),
): void {
  const now = Date.now();
  failing.failed(queue, error, now);
  const server = servers.serverOf?.(queue);
  if (server === undefined) return;
  for (const other of among) {
    if (answered.has(other) || other === queue) continue;
    if (!failing.skips(other) && servers.serverOf?.(other) === server) {
      failing.failed(other, error, now);
    }
  }
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
          ? `${named(queue)} failed (${messageOf(error)}): the other queues go on without it; it is checked again every ${skipMs} ms, with a reminder here every ${REMINDER_MS / 1_000} s while it fails.`
          : `${named(queue)} still fails after ${outageLength(failingForMs)} (${failures} tries; the last: ${messageOf(error)}): the other queues go on. If its Cluster master is down, start it or promote a replica.`,
      ),
    onWorksAgain: (queue, { failures, failingForMs }) =>
      logger.info(
        { queue, failures, failingForMs },
        `${named(queue)} works again, after ${outageLength(failingForMs)} and ${failures} failed ${failures === 1 ? 'try' : 'tries'}.`,
      ),
  };
}
