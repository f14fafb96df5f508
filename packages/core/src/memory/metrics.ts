import type { Clock } from '../clock.js';
import {
  METRICS_RETENTION_MS,
  type TaskMinute,
  type TaskTotals,
  type TransportMetrics,
} from '../transport-metrics.js';

const MINUTE_MS = 60_000;

/**
 * The memory transport's per-minute counters [M1–M3]: counts per (queue, task, minute),
 * kept for {@link METRICS_RETENTION_MS} by the transport's clock, and totals that are kept.
 */
export function createMemoryMetrics(clock: Clock): TransportMetrics {
  // minute → `queue` + NUL + `task` → counts
  const minutes = new Map<number, Map<string, TaskMinute>>();
  const totals = new Map<string, TaskTotals>();

  /** The oldest minute still kept at `now`. */
  const oldestKept = (now: number) => Math.floor((now - METRICS_RETENTION_MS) / MINUTE_MS);

  function sweep(now: number): void {
    const oldest = oldestKept(now);
    for (const minute of minutes.keys()) if (minute < oldest) minutes.delete(minute);
  }

  return {
    async record(counts) {
      const now = clock.now();
      sweep(now);
      const oldest = oldestKept(now);
      for (const count of counts) {
        const key = `${count.queue}\0${count.task}`;
        let total = totals.get(key);
        if (!total) {
          total = { queue: count.queue, task: count.task, completed: 0, failed: 0, retried: 0 };
          totals.set(key, total);
        }
        total.completed += count.completed;
        total.failed += count.failed;
        total.retried += count.retried;
        if (count.minute < oldest) continue;
        let ofMinute = minutes.get(count.minute);
        if (!ofMinute) {
          ofMinute = new Map();
          minutes.set(count.minute, ofMinute);
        }
        const kept = ofMinute.get(key);
        if (!kept) {
          ofMinute.set(key, { ...count, pickup: [...count.pickup] });
          continue;
        }
        kept.completed += count.completed;
        kept.failed += count.failed;
        kept.retried += count.retried;
        count.pickup.forEach((n, bucket) => {
          kept.pickup[bucket] = (kept.pickup[bucket] ?? 0) + n;
        });
      }
    },

    async read(queues, { fromMinute, toMinute }) {
      sweep(clock.now());
      const wanted = new Set(queues);
      const found: TaskMinute[] = [];
      for (let minute = fromMinute; minute <= toMinute; minute++) {
        for (const count of minutes.get(minute)?.values() ?? []) {
          if (wanted.has(count.queue)) found.push({ ...count, pickup: [...count.pickup] });
        }
      }
      return found.sort(
        (a, b) => compare(a.queue, b.queue) || compare(a.task, b.task) || a.minute - b.minute,
      );
    },

    async totals(queues) {
      const wanted = new Set(queues);
      return [...totals.values()]
        .filter((total) => wanted.has(total.queue))
        .map((total) => ({ ...total }))
        .sort((a, b) => compare(a.queue, b.queue) || compare(a.task, b.task));
    },
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
