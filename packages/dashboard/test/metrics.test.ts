import { PICKUP_BUCKETS_MS, type TaskMinute } from '@conveyor/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { quantileOf, toSeries } from '../src/metrics.js';
import { enqueue, login, type Served, serve } from './helpers.js';

function histogram(entries: Record<number, number>): number[] {
  const counts = new Array<number>(PICKUP_BUCKETS_MS.length + 1).fill(0);
  for (const [index, count] of Object.entries(entries)) counts[Number(index)] = count;
  return counts;
}

describe('quantileOf', () => {
  test('interpolates inside the bucket that holds the rank', () => {
    expect(quantileOf([0, 10, 0], 0.5, [1, 2])).toBe(1.5);
    expect(quantileOf([10, 0, 0], 0.5, [1, 2])).toBe(0.5);
    // 90 fast (<=1 ms) and 10 in the 5-10 ms bucket: p50 is fast, p95 half-way through 5-10.
    const counts = histogram({ 0: 90, 3: 10 });
    expect(quantileOf(counts, 0.5)).toBeCloseTo(0.556, 2);
    expect(quantileOf(counts, 0.95)).toBe(7.5);
  });

  test('answers the last bound in the open bucket, and null for no pickups', () => {
    expect(quantileOf(histogram({ [PICKUP_BUCKETS_MS.length]: 3 }), 0.5)).toBe(60_000);
    expect(quantileOf(histogram({}), 0.5)).toBeNull();
  });
});

describe('toSeries', () => {
  test('one series per queue and task, one point per minute, zeros where nothing was counted', () => {
    const row = (task: string, minute: number, completed: number): TaskMinute => ({
      queue: 'q',
      task,
      minute,
      completed,
      failed: 1,
      retried: 0,
      pickup: histogram({ 1: 2 }),
    });
    const series = toSeries(
      [row('b', 10, 5), row('a', 12, 1), row('a', 12, 2), row('a', 99, 7)],
      10,
      12,
    );
    expect(series.map((each) => each.task)).toEqual(['a', 'b']);
    expect(series[0]?.points.map((point) => point.completed)).toEqual([0, 0, 3]);
    expect(series[0]?.points[2]).toMatchObject({ failed: 2, pickupCount: 4, pickupP50Ms: 1.5 });
    expect(series[1]?.points[0]).toMatchObject({ minute: 10, completed: 5, pickupP95Ms: 1.95 });
    expect(series[1]?.points[1]).toMatchObject({ pickupCount: 0, pickupP50Ms: null });
  });
});

describe('GET /api/metrics', () => {
  let served: Served;
  beforeAll(async () => {
    served = await serve();
  });
  afterAll(() => served.close());

  test('reads the last hour of the queues from the metrics capability', async () => {
    await enqueue(served.transport, { queue: 'm-q', task: 'shop.report' });
    const minute = Math.floor(Date.now() / 60_000);
    await served.transport.metrics?.record([
      {
        queue: 'm-q',
        task: 'shop.report',
        minute,
        completed: 4,
        failed: 1,
        retried: 2,
        pickup: histogram({ 2: 4 }),
      },
    ]);
    const client = await login(served);
    const body = await (await client.get('/api/metrics?minutes=60')).json();
    expect(body.toMinute - body.fromMinute).toBe(59);
    expect(body.bucketsMs).toEqual([...PICKUP_BUCKETS_MS]);
    const series = body.series.find((each: { queue: string }) => each.queue === 'm-q');
    expect(series.task).toBe('shop.report');
    expect(series.points).toHaveLength(60);
    const point = series.points.find((each: { minute: number }) => each.minute === minute);
    expect(point).toMatchObject({
      completed: 4,
      failed: 1,
      retried: 2,
      pickupCount: 4,
      pickupP50Ms: 3.5,
    });
    const overview = await (await client.get('/api/queues')).json();
    expect(overview.queues.find((each: { name: string }) => each.name === 'm-q').totals).toEqual({
      completed: 4,
      failed: 1,
      retried: 2,
    });
    expect((await client.get('/api/metrics?minutes=500')).status).toBe(400);
  });

  test('says unavailable, with no series, on a transport without metrics', async () => {
    const { metrics: _metrics, ...rest } = served.transport;
    const bare = Object.assign(Object.create(Object.getPrototypeOf(served.transport)), rest);
    const own = await serve({ transport: bare });
    try {
      const body = await (await (await login(own)).get('/api/metrics')).json();
      expect(body).toMatchObject({ series: [], unavailable: true });
      const overview = await (await (await login(own)).get('/api/queues')).json();
      expect(overview.queues[0]?.totals).toBeNull();
    } finally {
      await own.close();
    }
  });
});
