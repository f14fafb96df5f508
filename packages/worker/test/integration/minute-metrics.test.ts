// A worker's per-minute counts, recorded in a private Redis through the Redis transport's
// `metrics` and read back through another transport, as the dashboard reads them.
import { defineTask, NonRetryableError } from '@conveyor/core';
import { makeEnvelope } from '@conveyor/core/testing';
import { expect, it } from 'vitest';
import { z } from 'zod';
import { captureLogger } from '../helpers.js';
import { useRedisWorkers } from './harness.js';

const queue = 'metrics-e2e';
const input = z.object({});
const ok = defineTask({ name: 'm.ok', input, queue, run: () => 'done' });
const bad = defineTask({
  name: 'm.bad',
  input,
  queue,
  run() {
    throw new NonRetryableError('no');
  },
});

const redis = useRedisWorkers();

it('records completed and failed jobs and their pickups, read back per minute and in totals', async () => {
  const producer = redis.producer();
  const fromMinute = Math.floor(Date.now() / 60_000);
  const worker = redis.startWorker({ tasks: [ok, bad], queues: [queue], logger: captureLogger() });
  const envelopes = ['m.ok', 'm.ok', 'm.bad'].map((task) =>
    makeEnvelope(queue, { task, input: {} }),
  );
  await producer.enqueue(envelopes.map((envelope) => ({ envelope })));
  await redis.finished(envelopes.map((envelope) => envelope.id));
  // Long before its first 5 s flush: the counts are recorded by stop().
  await worker.stop();
  const toMinute = Math.floor(Date.now() / 60_000);

  const minutes = await producer.metrics.read([queue], { fromMinute, toMinute });
  const summed = new Map<string, { completed: number; failed: number; pickups: number }>();
  for (const minute of minutes) {
    expect(minute.minute).toBeGreaterThanOrEqual(fromMinute);
    const into = summed.get(minute.task) ?? { completed: 0, failed: 0, pickups: 0 };
    into.completed += minute.completed;
    into.failed += minute.failed;
    into.pickups += minute.pickup.reduce((sum, count) => sum + count, 0);
    summed.set(minute.task, into);
  }
  expect(Object.fromEntries(summed)).toEqual({
    'm.ok': { completed: 2, failed: 0, pickups: 2 },
    'm.bad': { completed: 0, failed: 1, pickups: 1 },
  });
  expect(await producer.metrics.totals([queue])).toEqual([
    { queue, task: 'm.bad', completed: 0, failed: 1, retried: 0 },
    { queue, task: 'm.ok', completed: 2, failed: 0, retried: 0 },
  ]);
});
