import { describe, expect, it } from 'vitest';
import type { Transport } from '../../transport.js';
import { PICKUP_BUCKETS_MS, type TaskMinute } from '../../transport-metrics.js';
import { capabilityOf, type SuiteContext, useSuiteContext } from './context.js';
import { type ConformanceHarness, uniqueQueue } from './harness.js';

/** A pickup histogram with `count` in `bucket` and 0 elsewhere. */
function pickup(bucket = 0, count = 0): number[] {
  const buckets = new Array<number>(PICKUP_BUCKETS_MS.length + 1).fill(0);
  buckets[bucket] = count;
  return buckets;
}

function minuteOf(
  queue: string,
  task: string,
  minute: number,
  counts: Partial<Omit<TaskMinute, 'queue' | 'task' | 'minute'>> = {},
): TaskMinute {
  return { queue, task, minute, completed: 0, failed: 0, retried: 0, pickup: pickup(), ...counts };
}

/** The transport's current minute: recorded minutes must be recent, as a worker's are. */
async function currentMinute(ctx: SuiteContext, transport: Transport): Promise<number> {
  return Math.floor((await ctx.now(transport)) / 60_000);
}

/** M1–M4: `transport.metrics`, the per-minute counters the dashboard's charts read. */
export function metricsRules(harness: ConformanceHarness): void {
  describe('metrics', () => {
    const ctx = useSuiteContext(harness);

    it('[M1] record adds counts and pickup histograms to the minute and to the totals', async ({
      skip,
    }) => {
      const transport = await ctx.transport();
      const metrics = capabilityOf(transport, 'metrics', skip);
      const queue = uniqueQueue('metrics-add');
      const minute = await currentMinute(ctx, transport);
      await metrics.record([
        minuteOf(queue, 'm.task', minute, { completed: 3, retried: 1, pickup: pickup(0, 3) }),
      ]);
      await metrics.record([
        minuteOf(queue, 'm.task', minute, { completed: 2, failed: 1, pickup: pickup(0, 1) }),
        minuteOf(queue, 'm.task', minute, { pickup: pickup(PICKUP_BUCKETS_MS.length, 2) }),
      ]);
      const expected = pickup(0, 4);
      expected[PICKUP_BUCKETS_MS.length] = 2;
      expect(await metrics.read([queue], { fromMinute: minute, toMinute: minute })).toEqual([
        minuteOf(queue, 'm.task', minute, {
          completed: 5,
          failed: 1,
          retried: 1,
          pickup: expected,
        }),
      ]);
      expect(await metrics.totals([queue])).toEqual([
        { queue, task: 'm.task', completed: 5, failed: 1, retried: 1 },
      ]);
    });

    it('[M2] read returns the recorded minutes of the queues in the range, by queue, task, minute', async ({
      skip,
    }) => {
      const transport = await ctx.transport();
      const metrics = capabilityOf(transport, 'metrics', skip);
      const [queue, other, unasked] = ['metrics-b', 'metrics-a', 'metrics-c'].map((prefix) =>
        uniqueQueue(prefix),
      ) as [string, string, string];
      const now = await currentMinute(ctx, transport);
      const recorded = [
        minuteOf(queue, 'z.task', now - 1, { completed: 1 }),
        minuteOf(queue, 'a.task', now, { completed: 2 }),
        minuteOf(queue, 'a.task', now - 3, { completed: 3 }),
        minuteOf(queue, 'a.task', now - 1, { failed: 4 }),
        minuteOf(other, 'a.task', now - 2, { retried: 5, pickup: pickup(3, 1) }),
        minuteOf(unasked, 'a.task', now - 1, { completed: 6 }),
      ];
      await metrics.record(recorded);
      const [z1, a0, a3, a1, other2] = recorded;
      const range = { fromMinute: now - 2, toMinute: now };
      const sorted = [queue, other].sort();
      const expected = sorted[0] === other ? [other2, a1, a0, z1] : [a1, a0, z1, other2];
      expect(await metrics.read([queue, other], range)).toEqual(expected);
      expect(await metrics.read([queue], { fromMinute: now - 3, toMinute: now - 3 })).toEqual([a3]);
      expect(await metrics.read([queue], { fromMinute: now - 10, toMinute: now - 4 })).toEqual([]);
      expect(await metrics.read([uniqueQueue('metrics-none')], range)).toEqual([]);
    });

    it('[M3] totals sum every recorded minute per queue and task, sorted by queue then task', async ({
      skip,
    }) => {
      const transport = await ctx.transport();
      const metrics = capabilityOf(transport, 'metrics', skip);
      const [b, a] = [uniqueQueue('metrics-tb'), uniqueQueue('metrics-ta')];
      const now = await currentMinute(ctx, transport);
      await metrics.record([
        minuteOf(b, 'y.task', now - 5, { completed: 1, failed: 2 }),
        minuteOf(b, 'x.task', now, { retried: 3 }),
        minuteOf(b, 'y.task', now, { completed: 10 }),
        minuteOf(a, 'y.task', now - 1, { completed: 7 }),
      ]);
      const totals = await metrics.totals([b, a]);
      const ofB = [
        { queue: b, task: 'x.task', completed: 0, failed: 0, retried: 3 },
        { queue: b, task: 'y.task', completed: 11, failed: 2, retried: 0 },
      ];
      const ofA = [{ queue: a, task: 'y.task', completed: 7, failed: 0, retried: 0 }];
      expect(totals).toEqual(a < b ? [...ofA, ...ofB] : [...ofB, ...ofA]);
      expect(await metrics.totals([a])).toEqual(ofA);
      expect(await metrics.totals([uniqueQueue('metrics-none')])).toEqual([]);
    });

    it('[M4] rejects bad minutes, counts, histograms, ranges and queue names, and every call after close', async ({
      skip,
    }) => {
      const transport = await ctx.transport();
      const metrics = capabilityOf(transport, 'metrics', skip);
      const queue = uniqueQueue('metrics-bad');
      const good = minuteOf(queue, 'm.task', 29_000_000);
      for (const bad of [
        { ...good, minute: -1 },
        { ...good, minute: 1.5 },
        { ...good, completed: -1 },
        { ...good, failed: 0.5 },
        { ...good, task: '' },
        { ...good, pickup: [1, 2, 3] },
        { ...good, pickup: pickup().map(() => -1) },
      ]) {
        await expect(metrics.record([good, bad])).rejects.toMatchObject({ code: 'INVALID_OPTION' });
      }
      await expect(metrics.record([{ ...good, queue: 'no spaces' }])).rejects.toMatchObject({
        code: 'INVALID_ENVELOPE',
      });
      await expect(metrics.read([queue], { fromMinute: 10, toMinute: 9 })).rejects.toMatchObject({
        code: 'INVALID_OPTION',
      });
      await expect(metrics.totals(['{queue}'])).rejects.toMatchObject({
        code: 'INVALID_ENVELOPE',
      });
      expect(await metrics.totals([queue])).toEqual([]);
      await transport.close();
      for (const call of [
        () => metrics.record([good]),
        () => metrics.read([queue], { fromMinute: 1, toMinute: 2 }),
        () => metrics.totals([queue]),
      ]) {
        await expect(call()).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
      }
    });
  });
}
