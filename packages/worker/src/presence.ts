import type { Clock, Logger, TimerHandle, TransportAdmin, WorkerRecord } from '@conveyor/core';

/**
 * How often the worker record is refreshed, at most: `conveyor status` shows counts this
 * fresh, and calls a worker stale once it misses about two refreshes. One small write per
 * interval per worker, whatever the job rate.
 */
export const PRESENCE_INTERVAL_MS = 2_000;

/**
 * How long a worker's record outlives its last refresh, at least: a killed worker shows as
 * stale (`conveyor status`, the dashboard) this long, so that its death is seen, as Flower
 * keeps offline workers. Three lease heartbeats when that is longer.
 */
export const STALE_RECORD_KEPT_MS = 300_000;

/** The TTL of a worker's record, refreshed with each publish. */
export function recordTtlMs(heartbeatMs: number): number {
  return Math.max(heartbeatMs * 3, STALE_RECORD_KEPT_MS);
}

export interface Presence {
  /** Publishes the record now, then every interval until {@link Presence.remove}. */
  start(): void;
  /** Stores the current record. Never rejects. */
  publish(): Promise<void>;
  /**
   * Stops refreshing and removes the record (clean stop). Never rejects. `brokerFailed`:
   * the stop's settle calls failed, so the record is left to expire rather than waiting out
   * one more command timeout of a broker that does not answer.
   */
  remove(options?: { brokerFailed?: boolean }): Promise<void>;
}

/**
 * The worker's record in the transport, so that `conveyor status` lists live workers. It
 * carries its refresh interval (`heartbeatMs`), so a reader can tell a worker that stopped
 * refreshing (killed, frozen, cut off) from a live one; it expires `ttlMs` after the last
 * refresh, so a dead worker drops out on its own. Without `admin` on the transport, it
 * does nothing.
 */
export function createPresence(options: {
  admin: TransportAdmin | undefined;
  id: string;
  ttlMs: number;
  /** Refresh interval. */
  intervalMs: number;
  clock: Clock;
  logger: Logger;
  record: () => WorkerRecord;
}): Presence {
  const { admin, id, ttlMs, intervalMs, clock, logger } = options;
  let failing = false;
  let stopped = false;
  let checked = false;
  let timer: TimerHandle | undefined;

  async function publish(): Promise<void> {
    if (!admin) return;
    if (!checked) {
      checked = true;
      await warnIfIdTaken(admin, options.record(), clock, logger);
    }
    try {
      await admin.putWorker({ ...options.record(), heartbeatMs: intervalMs }, ttlMs);
      if (failing) logger.info('worker record published again');
      failing = false;
    } catch (error) {
      // Once per outage: a broker that is down is reported by the renew calls too.
      if (!failing) logger.warn({ err: error }, 'publishing the worker record failed');
      failing = true;
    }
  }

  // The next refresh is timed from the end of the previous one: calls never overlap.
  function refresh(): void {
    void publish().finally(() => {
      if (stopped) return;
      timer = clock.setTimeout(() => {
        timer = undefined;
        refresh();
      }, intervalMs);
    });
  }

  return {
    start() {
      if (admin && !stopped) refresh();
    },
    publish,
    async remove(removeOptions = {}) {
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      if (admin && removeOptions.brokerFailed) {
        logger.warn(
          { ttlMs },
          'not removing the worker record: the broker did not answer this stop; it expires after its ttl',
        );
        return;
      }
      // A refresh still in flight is not waited for: with a broker that does not answer it
      // takes the whole command timeout, and the removal would wait out a second one. Sent
      // after it, the removal reaches the broker after it (one connection, in order); should
      // a late refresh still win, the record expires after its ttl.
      if (!admin) return;
      try {
        await admin.removeWorker(id);
      } catch (error) {
        logger.warn({ err: error }, 'removing the worker record failed; it expires after its ttl');
      }
    },
  };
}

/**
 * Two workers given one id (`--worker-id`) write one record: `conveyor status` and the
 * dashboard showed one of them, with its counts, and nothing said so. A record of that id
 * from another process, refreshed within its last two intervals, is warned about once, at
 * start; a stale one (the same worker before a crash) is not.
 */
async function warnIfIdTaken(
  admin: TransportAdmin,
  mine: WorkerRecord,
  clock: Clock,
  logger: Logger,
): Promise<void> {
  const workers = await admin.listWorkers().catch(() => []);
  const other = workers.find(
    (record) =>
      record.id === mine.id && (record.hostname !== mine.hostname || record.pid !== mine.pid),
  );
  if (!other) return;
  const { heartbeatAt, heartbeatMs = PRESENCE_INTERVAL_MS } = other;
  const age = heartbeatAt === undefined ? undefined : clock.now() - heartbeatAt;
  if (age !== undefined && age > 2 * heartbeatMs) return;
  const seen = age === undefined ? '' : `, refreshed ${(Math.max(0, age) / 1000).toFixed(1)} s ago`;
  logger.warn(
    { otherHostname: other.hostname, otherPid: other.pid },
    `another live worker has id ${JSON.stringify(mine.id)} (host ${other.hostname}, pid ${other.pid}${seen}): the two write one record, so conveyor status and the dashboard show only one of them, with its counts. Give each worker its own id (--worker-id, createWorker({ id })), or leave it out for a generated one.`,
  );
}
