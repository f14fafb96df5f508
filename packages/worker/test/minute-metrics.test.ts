import {
  defineTask,
  hasCapability,
  InvalidOptionError,
  METRICS_RETENTION_MS,
  memoryTransport,
  NonRetryableError,
  PICKUP_BUCKETS_MS,
  type TaskMinute,
  type TransportMetrics,
} from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createWorker } from '../src/index.js';
import { pickupBucket } from '../src/minute-counts.js';
import { deferred, QUEUE, type RecordingTransport, useWorkerHarness } from './helpers.js';

const input = z.object({});
const ok = defineTask({ name: 't.ok', input, queue: QUEUE, run: () => 'done' });
const bad = defineTask({
  name: 't.bad',
  input,
  queue: QUEUE,
  run() {
    throw new NonRetryableError('no');
  },
});
const flaky = defineTask({
  name: 't.flaky',
  input,
  queue: QUEUE,
  retry: { attempts: 2, backoff: { type: 'fixed', delay: 1_000 } },
  run() {
    throw new Error('boom');
  },
});
const tasks = [ok, bad, flaky];
const BUCKETS = PICKUP_BUCKETS_MS.length + 1;

const workers = useWorkerHarness();

/** A `metrics` capability that keeps what it is given, and fails or waits when told to. */
function fakeMetrics() {
  const calls: TaskMinute[][] = [];
  const fake = {
    calls,
    failure: undefined as Error | undefined,
    /** A queue whose minutes fail the call that holds them, the others' recorded (its master is down). */
    failQueue: undefined as string | undefined,
    /** When set, record calls wait for it. */
    hold: undefined as Promise<void> | undefined,
    /** A task whose minutes the transport refuses, failing the whole call, as its gate does. */
    refuseTask: undefined as string | undefined,
    /** Calls of one minute fail as if the broker went down; counted in `alone`. */
    failAlone: false,
    alone: 0,
    metrics: {
      async record(minutes) {
        await fake.hold;
        if (fake.failure) throw fake.failure;
        if (minutes.length === 1) fake.alone += 1;
        if (minutes.length === 1 && fake.failAlone) throw new Error('broker down');
        if (minutes.some((minute) => minute.task === fake.refuseTask)) {
          throw new InvalidOptionError('metrics task', fake.refuseTask, 'a shorter name');
        }
        // As Redis records them on a Cluster: each queue on its own, so one failed queue
        // leaves the others recorded, and the call rejects.
        const failed = minutes.filter((minute) => minute.queue === fake.failQueue);
        const recorded = minutes.filter((minute) => minute.queue !== fake.failQueue);
        if (recorded.length > 0) calls.push(structuredClone(recorded));
        if (failed.length > 0) throw new Error(`the master of ${fake.failQueue} is down`);
      },
      read: async () => [],
      totals: async () => [],
    } satisfies TransportMetrics,
    /** Every recorded count, summed per `<task> <minute offset from start>`. */
    summed(startMinute: number): Record<string, Omit<TaskMinute, 'queue' | 'task' | 'minute'>> {
      const out: Record<string, Omit<TaskMinute, 'queue' | 'task' | 'minute'>> = {};
      for (const minute of calls.flat()) {
        expect(minute.queue).toBe(QUEUE);
        const key = `${minute.task} +${minute.minute - startMinute}`;
        out[key] ??= { completed: 0, failed: 0, retried: 0, pickup: new Array(BUCKETS).fill(0) };
        const into = out[key];
        into.completed += minute.completed;
        into.failed += minute.failed;
        into.retried += minute.retried;
        minute.pickup.forEach((count, index) => {
          into.pickup[index] = (into.pickup[index] ?? 0) + count;
        });
      }
      return out;
    },
  };
  return fake;
}

function withMetrics(fake: ReturnType<typeof fakeMetrics>) {
  return (transport: RecordingTransport) => {
    (transport as { metrics?: TransportMetrics }).metrics = fake.metrics;
  };
}

/** A pickup histogram with `count` in bucket `index`. */
function pickup(...entries: Array<[index: number, count: number]>): number[] {
  const histogram = new Array(BUCKETS).fill(0);
  for (const [index, count] of entries) histogram[index] = count;
  return histogram;
}

describe('per-minute metrics', () => {
  it('counts completed, failed (and dead-lettered) and retried jobs per task and minute', async () => {
    const fake = fakeMetrics();
    const harness = await workers.start(tasks, {}, withMetrics(fake));
    const { clock } = harness;
    const start = Math.floor(clock.now() / 60_000);
    const at = { enqueuedAt: clock.now() };
    await harness.enqueue('t.ok', {}, at);
    await harness.enqueue('t.ok', {}, at);
    await harness.enqueue('t.bad', {}, at);
    await harness.enqueue('t.flaky', {}, { ...at, maxAttempts: 2 });
    await clock.advance(0);
    // The retry runs after its 1 s back-off and is dead-lettered.
    await clock.advance(1_000);
    expect(harness.worker.stats().tasks['t.flaky']).toMatchObject({ retried: 1, dead: 1 });
    expect(fake.calls).toHaveLength(0);
    await clock.advance(4_000);
    expect(fake.calls).toHaveLength(1);
    expect(fake.summed(start)).toEqual({
      't.ok +0': { completed: 2, failed: 0, retried: 0, pickup: pickup([0, 2]) },
      't.bad +0': { completed: 0, failed: 1, retried: 0, pickup: pickup([0, 1]) },
      // The second attempt's pickup is not counted: its enqueuedAt predates the first run.
      't.flaky +0': { completed: 0, failed: 1, retried: 1, pickup: pickup([0, 1]) },
    });

    await clock.advance(60_000);
    await harness.enqueue('t.ok', {}, { enqueuedAt: clock.now() });
    await clock.advance(5_000);
    expect(fake.summed(start)['t.ok +1']).toEqual({
      completed: 1,
      failed: 0,
      retried: 0,
      pickup: pickup([0, 1]),
    });
    // Nothing counted in between: nothing sent.
    expect(fake.calls).toHaveLength(2);
  });

  it('puts each pickup latency (start - enqueuedAt) in the first bucket it does not exceed', async () => {
    expect(pickupBucket(-5)).toBe(0);
    expect(pickupBucket(1)).toBe(0);
    expect(pickupBucket(1.5)).toBe(1);
    expect(pickupBucket(50)).toBe(PICKUP_BUCKETS_MS.indexOf(50));
    expect(pickupBucket(60_000)).toBe(PICKUP_BUCKETS_MS.length - 1);
    expect(pickupBucket(60_001)).toBe(PICKUP_BUCKETS_MS.length);

    const fake = fakeMetrics();
    const harness = await workers.start([ok], {}, withMetrics(fake));
    const { clock } = harness;
    const start = Math.floor(clock.now() / 60_000);
    await harness.enqueue('t.ok', {}, { enqueuedAt: clock.now() - 30 });
    await harness.enqueue('t.ok', {}, { enqueuedAt: clock.now() - 120_000 });
    await clock.advance(5_000);
    expect(fake.summed(start)['t.ok +0']?.pickup).toEqual(
      pickup([PICKUP_BUCKETS_MS.indexOf(50), 1], [PICKUP_BUCKETS_MS.length, 1]),
    );
  });

  it('adds the last counts on stop, before start() resolves', async () => {
    const fake = fakeMetrics();
    const harness = await workers.start([ok], {}, withMetrics(fake));
    await harness.enqueue('t.ok', {}, { enqueuedAt: harness.clock.now() });
    await harness.clock.advance(0);
    expect(harness.worker.stats().totals.completed).toBe(1);
    const held = deferred();
    fake.hold = held.promise;
    let stopped = false;
    void harness.running.then(() => {
      stopped = true;
    });
    const stopping = harness.worker.stop();
    await harness.clock.advance(0);
    expect(stopped).toBe(false);
    held.resolve();
    await stopping;
    expect(fake.calls).toEqual([[expect.objectContaining({ task: 't.ok', completed: 1 })]]);
  });

  it('does not send the last counts when a settle of the stop failed (a silent broker)', async () => {
    const fake = fakeMetrics();
    const gate = deferred();
    const gated = defineTask({ name: 't.gated', input, queue: QUEUE, run: () => gate.promise });
    const harness = await workers.start([ok, gated], {}, (transport) => {
      withMetrics(fake)(transport);
      Object.assign(transport, {
        settle: () => Promise.reject(new Error('Command timed out')),
      });
    });
    await harness.enqueue('t.gated', {}, { enqueuedAt: harness.clock.now() });
    await harness.clock.advance(0);
    expect(harness.worker.stats().running).toBe(1);
    const stopping = harness.worker.stop();
    await harness.clock.advance(0);
    gate.resolve();
    await stopping;
    expect(fake.calls).toEqual([]);
    const lost = harness.logger.lines.find((line) =>
      line.message.startsWith('per-minute metrics not recorded before stopping'),
    );
    expect(lost?.fields).toEqual(expect.objectContaining({ minutes: 1 }));
  });

  it('keeps the counts of a failed call for the next one, and warns once per streak', async () => {
    const fake = fakeMetrics();
    const harness = await workers.start([ok], {}, withMetrics(fake));
    const { clock, logger } = harness;
    const start = Math.floor(clock.now() / 60_000);
    const warnings = () =>
      logger.lines.filter((line) => line.message.startsWith('recording per-minute metrics failed'));
    fake.failure = new Error('broker down');
    await harness.enqueue('t.ok', {}, { enqueuedAt: clock.now() });
    await clock.advance(5_000);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]?.fields.err).toBe(fake.failure);
    await harness.enqueue('t.ok', {}, { enqueuedAt: clock.now() });
    await clock.advance(5_000);
    expect(warnings()).toHaveLength(1);
    expect(fake.calls).toHaveLength(0);

    fake.failure = undefined;
    await clock.advance(5_000);
    // One call, the kept and the new counts of the same minute added up.
    expect(fake.calls).toEqual([
      [expect.objectContaining({ task: 't.ok', minute: start, completed: 2 })],
    ]);
    expect(logger.lines.some((line) => line.message === 'per-minute metrics recorded again')).toBe(
      true,
    );
  });

  it("sends each queue's minutes on their own: one queue's failed call resends only that queue's", async () => {
    // On a Redis Cluster each queue has its own master: a call that failed for one queue had
    // recorded the others, and the next flush sent them all again (totals over-counted).
    const fake = fakeMetrics();
    const elsewhere = defineTask({ name: 't.elsewhere', input, queue: 'elsewhere', run: () => 1 });
    const queues = [QUEUE, 'elsewhere'];
    const harness = await workers.start([ok, elsewhere], { queues }, withMetrics(fake));
    const { clock } = harness;
    fake.failQueue = 'elsewhere';
    await harness.enqueue('t.ok', {}, { enqueuedAt: clock.now() });
    await harness.enqueue('t.elsewhere', {}, { enqueuedAt: clock.now(), queue: 'elsewhere' });
    await expect.poll(() => harness.worker.stats().totals.completed).toBe(2);
    await clock.advance(5_000);
    fake.failQueue = undefined;
    await clock.advance(5_000);
    const completed = (queue: string) =>
      fake.calls
        .flat()
        .filter((minute) => minute.queue === queue)
        .reduce((sum, minute) => sum + minute.completed, 0);
    expect(completed(QUEUE)).toBe(1);
    expect(completed('elsewhere')).toBe(1);
  });

  it('drops kept minutes older than the retention', async () => {
    const fake = fakeMetrics();
    const harness = await workers.start([ok], {}, withMetrics(fake));
    const { clock } = harness;
    const start = Math.floor(clock.now() / 60_000);
    fake.failure = new Error('broker down');
    await harness.enqueue('t.ok', {}, { enqueuedAt: clock.now() });
    await clock.advance(5_000);
    // The next flush fails after the first minute fell out of the retention.
    clock.set(clock.now() + METRICS_RETENTION_MS + 60_000);
    await clock.advance(0);
    fake.failure = undefined;
    await harness.enqueue('t.ok', {}, { enqueuedAt: clock.now() });
    await clock.advance(5_000);
    expect(fake.calls.flat().map((minute) => minute.minute - start)).toEqual([
      Math.floor(clock.now() / 60_000) - start,
    ]);
  });

  it('drops counts the transport refuses, which would be refused again', async () => {
    const fake = fakeMetrics();
    const harness = await workers.start([ok], {}, withMetrics(fake));
    fake.failure = new InvalidOptionError('metrics task', 'x'.repeat(200), 'a shorter name');
    await harness.enqueue('t.ok', {}, { enqueuedAt: harness.clock.now() });
    await harness.clock.advance(5_000);
    fake.failure = undefined;
    await harness.clock.advance(5_000);
    expect(fake.calls).toEqual([]);
    expect(harness.logger.lines.map((line) => line.message)).toContain(
      'the transport refused a per-minute count; dropping it',
    );
  });

  it('stops sending a refused call minute by minute once the broker fails, keeping the rest', async () => {
    const fake = fakeMetrics();
    const other = defineTask({ name: 't.other', input, queue: QUEUE, run: () => 'done' });
    const harness = await workers.start([ok, other], {}, withMetrics(fake));
    fake.refuseTask = 't.other';
    fake.failAlone = true;
    await harness.enqueue('t.ok', {}, { enqueuedAt: harness.clock.now() });
    await harness.enqueue('t.other', {}, { enqueuedAt: harness.clock.now() });
    await harness.clock.advance(5_000);
    // One try, not one per minute (each would wait out a command timeout on a real broker).
    expect(fake.alone).toBe(1);
    fake.failAlone = false;
    await harness.clock.advance(5_000);
    expect(fake.calls.flat().map((minute) => [minute.task, minute.completed])).toEqual([
      ['t.ok', 1],
    ]);
  });

  it("drops only the refused task's counts, not its queue's others", async () => {
    const fake = fakeMetrics();
    const other = defineTask({ name: 't.other', input, queue: QUEUE, run: () => 'done' });
    const harness = await workers.start([ok, other], {}, withMetrics(fake));
    fake.refuseTask = 't.other';
    await harness.enqueue('t.ok', {}, { enqueuedAt: harness.clock.now() });
    await harness.enqueue('t.other', {}, { enqueuedAt: harness.clock.now() });
    await harness.clock.advance(5_000);
    // Before: one refused minute refused the queue's call, and t.ok's count went with it.
    expect(fake.calls.flat().map((minute) => [minute.task, minute.completed])).toEqual([
      ['t.ok', 1],
    ]);
  });

  it.each([false, 0] as const)('counts nothing with metricsFlushMs: %s', async (metricsFlushMs) => {
    const fake = fakeMetrics();
    const harness = await workers.start([ok], { metricsFlushMs }, withMetrics(fake));
    await harness.enqueue('t.ok', {}, { enqueuedAt: harness.clock.now() });
    await harness.clock.advance(5_000);
    await harness.stop();
    expect(harness.worker.stats().totals.completed).toBe(1);
    expect(fake.calls).toEqual([]);
  });

  it('runs as before on a transport without the metrics capability', async () => {
    const harness = await workers.start([ok], { metricsFlushMs: 1_000 }, (transport) => {
      (transport as { metrics?: TransportMetrics }).metrics = undefined;
    });
    await harness.enqueue('t.ok', {}, { enqueuedAt: harness.clock.now() });
    await harness.clock.advance(5_000);
    await harness.stop();
    expect(harness.worker.stats().totals.completed).toBe(1);
    expect(harness.logger.lines.filter((line) => line.message.includes('metrics'))).toEqual([]);
  });

  it.each([-1, Number.NaN, '5s'])('refuses metricsFlushMs: %s', (metricsFlushMs) => {
    expect(() =>
      createWorker({
        transport: memoryTransport(),
        tasks: [ok],
        metricsFlushMs: metricsFlushMs as number,
      }),
    ).toThrow(/Invalid metricsFlushMs .*or false/);
  });
});

describe('per-minute metrics on the memory transport', () => {
  it('are read back per minute and in the totals after the worker stops', async () => {
    const harness = await workers.start(tasks);
    const { clock, transport } = harness;
    if (!hasCapability(transport, 'metrics')) throw new Error('memoryTransport has no metrics');
    const at = { enqueuedAt: clock.now() - 30 };
    await harness.enqueue('t.ok', {}, at);
    await harness.enqueue('t.ok', {}, at);
    await harness.enqueue('t.bad', {}, at);
    await clock.advance(0);
    await harness.stop();
    const minute = Math.floor(clock.now() / 60_000);
    const bucket = PICKUP_BUCKETS_MS.indexOf(50);
    expect(await transport.metrics.read([QUEUE], { fromMinute: minute, toMinute: minute })).toEqual(
      [
        {
          queue: QUEUE,
          task: 't.bad',
          minute,
          completed: 0,
          failed: 1,
          retried: 0,
          pickup: pickup([bucket, 1]),
        },
        {
          queue: QUEUE,
          task: 't.ok',
          minute,
          completed: 2,
          failed: 0,
          retried: 0,
          pickup: pickup([bucket, 2]),
        },
      ],
    );
    expect(await transport.metrics.totals([QUEUE])).toEqual([
      { queue: QUEUE, task: 't.bad', completed: 0, failed: 1, retried: 0 },
      { queue: QUEUE, task: 't.ok', completed: 2, failed: 0, retried: 0 },
    ]);
  });
});
