import {
  METRICS_RETENTION_MS,
  PICKUP_BUCKETS_MS,
  type TaskMinute,
  type TaskTotals,
  type TransportMetrics,
} from '@conveyor/core';
import type { ChainableCommander, Cluster, Redis } from 'ioredis';
import { redisCall } from './call.js';
import { queueKeyBase } from './keys.js';

/**
 * A queue's metrics keys, in the queue's slot: a hash per minute (`P:{q}:m:<minute>`, kept
 * {@link METRICS_RETENTION_MS} after its last write) and the totals (`P:{q}:mt`, kept).
 */
export function metricsKeys(
  prefix: string,
  queue: string,
): { minute(minute: number): string; totals: string } {
  const base = `${queueKeyBase(prefix, queue)}m`;
  return { minute: (minute) => `${base}:${minute}`, totals: `${base}t` };
}

/**
 * The hash fields, `<task>|<counter>`: completed, failed, retried, and `p<bucket>` per
 * pickup-latency bucket (0 to `PICKUP_BUCKETS_MS.length`, the last the open one). The
 * counter is after the last `|`, so a task may hold one.
 */
const COUNTER = { completed: 'c', failed: 'f', retried: 'r' } as const;
const PICKUP = 'p';
const BUCKETS = PICKUP_BUCKETS_MS.length + 1;
const MINUTE_MS = 60_000;
/** Minutes a minute hash lives: what `read` looks at, back from the current minute. */
const RETENTION_MINUTES = Math.ceil(METRICS_RETENTION_MS / MINUTE_MS);

/**
 * The `metrics` capability on Redis [M1–M3]: per queue one transaction (MULTI/EXEC) of
 * `HINCRBY`s (and a `PEXPIRE` per minute hash) for `record`, and a pipeline of `HGETALL`s for
 * `read` and `totals`. Each
 * pipeline holds keys of one queue, so of one Cluster slot. No SCAN: `read` asks for each
 * minute of the range that can still be kept, at most about 120 per queue.
 */
export function redisMetrics(options: {
  commands: Redis | Cluster;
  prefix: string;
}): TransportMetrics {
  const { commands, prefix } = options;

  const run = (operation: string, pipeline: ChainableCommander): Promise<unknown[]> =>
    redisCall(
      operation,
      async () =>
        ((await pipeline.exec()) ?? []).map(([error, result]) => {
          if (error) throw error;
          return result;
        }),
      commands,
    );

  return {
    async record(minutes) {
      const byQueue = groupBy(minutes, (minute) => minute.queue);
      await Promise.all(
        [...byQueue].map(([queue, counts]) => {
          const keys = metricsKeys(prefix, queue);
          // MULTI/EXEC: all of a queue's counts or none. A pipeline cut off by a lost
          // connection could leave some applied, which the worker's retry counted again.
          const pipeline = commands.multi();
          const touched = new Set<string>();
          for (const count of counts) {
            const key = keys.minute(count.minute);
            touched.add(key);
            const { task } = count;
            for (const [name, field] of Object.entries(COUNTER)) {
              const n = count[name as keyof typeof COUNTER];
              if (n > 0) {
                pipeline.hincrby(key, `${task}|${field}`, n);
                pipeline.hincrby(keys.totals, `${task}|${field}`, n);
              }
            }
            count.pickup.forEach((n, bucket) => {
              if (n > 0) pipeline.hincrby(key, `${task}|${PICKUP}${bucket}`, n);
            });
          }
          for (const key of touched) pipeline.pexpire(key, METRICS_RETENTION_MS);
          return run('record-metrics', pipeline);
        }),
      );
    },

    async read(queues, { fromMinute, toMinute }) {
      // Minutes older than the retention are gone: no need to ask for them.
      const from = Math.max(fromMinute, Math.floor(Date.now() / MINUTE_MS) - RETENTION_MINUTES);
      const to = Math.min(toMinute, from + RETENTION_MINUTES + 1);
      const found: TaskMinute[] = [];
      await Promise.all(
        [...new Set(queues)].map(async (queue) => {
          if (from > to) return;
          const keys = metricsKeys(prefix, queue);
          const pipeline = commands.pipeline();
          for (let minute = from; minute <= to; minute++) pipeline.hgetall(keys.minute(minute));
          const hashes = (await run('read-metrics', pipeline)) as Array<Record<string, string>>;
          hashes.forEach((hash, index) => {
            found.push(...minutesOf(queue, from + index, hash));
          });
        }),
      );
      return found.sort(
        (a, b) => compare(a.queue, b.queue) || compare(a.task, b.task) || a.minute - b.minute,
      );
    },

    async totals(queues) {
      const found: TaskTotals[] = [];
      await Promise.all(
        [...new Set(queues)].map(async (queue) => {
          const hash = await redisCall(
            'read-metrics',
            () => commands.hgetall(metricsKeys(prefix, queue).totals),
            commands,
          );
          const byTask = new Map<string, TaskTotals>();
          for (const [field, value] of Object.entries(hash)) {
            const [task, counter] = splitField(field);
            let totals = byTask.get(task);
            if (!totals) {
              totals = { queue, task, completed: 0, failed: 0, retried: 0 };
              byTask.set(task, totals);
            }
            addCounter(totals, counter, Number(value));
          }
          found.push(...byTask.values());
        }),
      );
      return found.sort((a, b) => compare(a.queue, b.queue) || compare(a.task, b.task));
    },
  };
}

/** The task minutes of one minute hash. */
function minutesOf(queue: string, minute: number, hash: Record<string, string>): TaskMinute[] {
  const byTask = new Map<string, TaskMinute>();
  for (const [field, value] of Object.entries(hash)) {
    const [task, counter] = splitField(field);
    let counts = byTask.get(task);
    if (!counts) {
      counts = {
        queue,
        task,
        minute,
        completed: 0,
        failed: 0,
        retried: 0,
        pickup: new Array<number>(BUCKETS).fill(0),
      };
      byTask.set(task, counts);
    }
    const n = Number(value) || 0;
    if (counter.startsWith(PICKUP)) {
      const bucket = Number(counter.slice(PICKUP.length));
      if (Number.isInteger(bucket) && bucket >= 0 && bucket < BUCKETS) counts.pickup[bucket] = n;
    } else {
      addCounter(counts, counter, n);
    }
  }
  return [...byTask.values()];
}

function addCounter(
  counts: { completed: number; failed: number; retried: number },
  counter: string,
  n: number,
): void {
  if (!Number.isFinite(n)) return;
  if (counter === COUNTER.completed) counts.completed += n;
  else if (counter === COUNTER.failed) counts.failed += n;
  else if (counter === COUNTER.retried) counts.retried += n;
}

/** `<task>|<counter>` split at the last `|`. */
function splitField(field: string): [task: string, counter: string] {
  const bar = field.lastIndexOf('|');
  return [field.slice(0, bar), field.slice(bar + 1)];
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
