import type { Logger, QueueCounts, TransportAdmin } from '@conveyor/core';

/** Queue counts are read at most this often, however often Prometheus scrapes. */
export const QUEUE_DEPTH_MAX_AGE_MS = 5_000;

export interface QueueDepths {
  /** The latest counts of the worker's queues, read again when older than the max age. */
  read(): Promise<QueueCounts[]>;
}

/**
 * Queue depths for the metrics endpoint, through `admin.queueCounts`. They are read when
 * a scrape asks and cached, so a worker nobody scrapes costs the broker nothing.
 */
export function createQueueDepths(options: {
  admin: TransportAdmin | undefined;
  queues: readonly string[];
  now: () => number;
  logger: Logger;
  maxAgeMs?: number;
}): QueueDepths {
  const { admin, queues, now, logger } = options;
  const maxAgeMs = options.maxAgeMs ?? QUEUE_DEPTH_MAX_AGE_MS;
  let cached: { at: number; counts: QueueCounts[] } | undefined;
  let reading: Promise<QueueCounts[]> | undefined;
  return {
    read() {
      if (!admin) return Promise.resolve([]);
      if (cached && now() - cached.at < maxAgeMs) return Promise.resolve(cached.counts);
      reading ??= admin
        .queueCounts(queues)
        .then(
          (counts) => {
            cached = { at: now(), counts };
            return counts;
          },
          (error: unknown) => {
            logger.warn({ err: error }, 'reading queue depths failed');
            return cached?.counts ?? [];
          },
        )
        .finally(() => {
          reading = undefined;
        });
      return reading;
    },
  };
}
