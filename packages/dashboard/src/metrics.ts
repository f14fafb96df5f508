import { PICKUP_BUCKETS_MS, type TaskMinute } from '@conveyor/core';

/** One minute of one (queue, task) series, as the charts draw it. */
export interface MetricsPoint {
  minute: number;
  completed: number;
  failed: number;
  retried: number;
  /** Jobs picked up in the minute (the histogram's total). */
  pickupCount: number;
  /** Estimated pickup-latency percentiles; null when nothing was picked up. */
  pickupP50Ms: number | null;
  pickupP95Ms: number | null;
}

export interface MetricsSeries {
  queue: string;
  task: string;
  /** One point per minute of the range, oldest first; minutes without counts are zeros. */
  points: MetricsPoint[];
}

/**
 * The `q` quantile (0–1) of a histogram over `bounds` (upper bounds in ms; one more, open
 * bucket last), interpolated linearly inside its bucket, as Prometheus'
 * `histogram_quantile` does. In the open bucket it answers the last bound: "at least".
 * Null for an empty histogram.
 *
 * @example
 * quantileOf([0, 10, 0], [1, 2], 0.5); // 1.5: half-way through the 1–2 ms bucket
 */
export function quantileOf(
  counts: readonly number[],
  q: number,
  bounds: readonly number[] = PICKUP_BUCKETS_MS,
): number | null {
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (total <= 0) return null;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i] ?? 0;
    if (count > 0 && below + count >= rank) {
      const lower = i === 0 ? 0 : (bounds[i - 1] ?? 0);
      const upper = bounds[i];
      if (upper === undefined) return lower;
      return lower + ((upper - lower) * (rank - below)) / count;
    }
    below += count;
  }
  return bounds[bounds.length - 1] ?? null;
}

/**
 * Groups minutes into one series per (queue, task), sorted, each with a point for every
 * minute from `fromMinute` to `toMinute`.
 */
export function toSeries(
  minutes: readonly TaskMinute[],
  fromMinute: number,
  toMinute: number,
): MetricsSeries[] {
  const byTask = new Map<
    string,
    { queue: string; task: string; minutes: Map<number, TaskMinute> }
  >();
  for (const row of minutes) {
    if (row.minute < fromMinute || row.minute > toMinute) continue;
    const key = JSON.stringify([row.queue, row.task]);
    let entry = byTask.get(key);
    if (!entry) {
      entry = { queue: row.queue, task: row.task, minutes: new Map() };
      byTask.set(key, entry);
    }
    const seen = entry.minutes.get(row.minute);
    entry.minutes.set(row.minute, seen ? addMinutes(seen, row) : row);
  }
  return [...byTask.values()]
    .sort((a, b) => (a.queue === b.queue ? compare(a.task, b.task) : compare(a.queue, b.queue)))
    .map(({ queue, task, minutes: byMinute }) => {
      const points: MetricsPoint[] = [];
      for (let minute = fromMinute; minute <= toMinute; minute++) {
        points.push(toPoint(minute, byMinute.get(minute)));
      }
      return { queue, task, points };
    });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function addMinutes(a: TaskMinute, b: TaskMinute): TaskMinute {
  const length = Math.max(a.pickup.length, b.pickup.length);
  return {
    ...a,
    completed: a.completed + b.completed,
    failed: a.failed + b.failed,
    retried: a.retried + b.retried,
    pickup: Array.from({ length }, (_, i) => (a.pickup[i] ?? 0) + (b.pickup[i] ?? 0)),
  };
}

function toPoint(minute: number, row: TaskMinute | undefined): MetricsPoint {
  if (!row) {
    return {
      minute,
      completed: 0,
      failed: 0,
      retried: 0,
      pickupCount: 0,
      pickupP50Ms: null,
      pickupP95Ms: null,
    };
  }
  return {
    minute,
    completed: row.completed,
    failed: row.failed,
    retried: row.retried,
    pickupCount: row.pickup.reduce((sum, count) => sum + count, 0),
    pickupP50Ms: quantileOf(row.pickup, 0.5),
    pickupP95Ms: quantileOf(row.pickup, 0.95),
  };
}
