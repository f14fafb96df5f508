/**
 * Per-minute counters: what the dashboard's charts read. Workers count in memory and add
 * their counts to the transport every few seconds, so recording costs no broker call per
 * job; minutes expire after {@link METRICS_RETENTION_MS}.
 */

/**
 * Upper bounds, in ms, of the pickup-latency histogram's buckets; a last, open bucket
 * holds everything slower. Pickup latency is from when a job became ready (enqueued, or
 * due) to when a worker started it.
 */
export const PICKUP_BUCKETS_MS: readonly number[] = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000,
];

/** How long a minute's counters are kept: two hours. */
export const METRICS_RETENTION_MS = 2 * 60 * 60 * 1000;

/** One task's counts on one queue in one minute. */
export interface TaskMinute {
  queue: string;
  task: string;
  /** Minutes since the epoch: `Math.floor(ms / 60_000)`. */
  minute: number;
  completed: number;
  /** Attempts that failed for good (failed or dead-lettered). */
  failed: number;
  /** Attempts that failed and were scheduled again. */
  retried: number;
  /** Pickup-latency histogram: `PICKUP_BUCKETS_MS.length + 1` counts. */
  pickup: number[];
}

/** Counts since counting began, per queue and task (they do not expire). */
export interface TaskTotals {
  queue: string;
  task: string;
  completed: number;
  failed: number;
  retried: number;
}

/**
 * The `metrics` capability. Optional on a {@link Transport}; a worker records when its
 * transport has it, and the dashboard draws nothing without it.
 */
export interface TransportMetrics {
  /** Adds the counts (to the minute's counters and to the totals) [M1]. */
  record(minutes: readonly TaskMinute[]): Promise<void>;
  /** Every recorded (queue, task) minute of the queues from `fromMinute` to `toMinute`, inclusive [M2]. */
  read(
    queues: readonly string[],
    range: { fromMinute: number; toMinute: number },
  ): Promise<TaskMinute[]>;
  /** Totals of the queues' tasks, sorted by queue then task [M3]. */
  totals(queues: readonly string[]): Promise<TaskTotals[]>;
}
