// removeOnComplete end to end on a private Redis: the worker deletes a completed job's
// record as it settles it, a result() already waiting is told it completed (RESULT_NOT_KEPT),
// and failures are kept.
import {
  defineTask,
  JobNotFoundError,
  NonRetryableError,
  ResultNotKeptError,
} from '@conveyor/core';
import { expect, it } from 'vitest';
import { z } from 'zod';
import { captureLogger } from '../helpers.js';
import { useRedisWorkers } from './harness.js';

const queue = 'remove-on-complete';
const input = z.object({ n: z.number() });
const dropped = defineTask({
  name: 'rc.dropped',
  input,
  queue,
  removeOnComplete: true,
  run: ({ n }) => n * 2,
});
const refused = defineTask({
  name: 'rc.refused',
  input,
  queue,
  removeOnComplete: true,
  run() {
    throw new NonRetryableError('not this one');
  },
});
const kept = defineTask({ name: 'rc.kept', input, queue, run: ({ n }) => n + 1 });
const keptAlways = defineTask({
  name: 'rc.keptAlways',
  input,
  queue,
  removeOnComplete: false,
  run: ({ n }) => n - 1,
});

const redis = useRedisWorkers();

it('deletes completed jobs of a removeOnComplete task, tells a waiting result(), and keeps failures', async () => {
  const client = redis.client();
  const [gone, failed, stays] = await Promise.all([
    client.enqueue(dropped, { n: 1 }),
    client.enqueue(refused, { n: 2 }),
    client.enqueue(kept, { n: 3 }),
  ]);
  // Waiting before any worker runs: the job's end must reach it though no record is left.
  const waiting = gone.result().then(
    () => undefined,
    (error: unknown) => error,
  );
  const worker = redis.startWorker({
    tasks: [dropped, refused, kept],
    queues: [queue],
    logger: captureLogger(),
  });
  // Told it completed, though its result was not kept; asked later, there is no such job.
  const failure = await waiting;
  expect(failure).toBeInstanceOf(ResultNotKeptError);
  expect(failure).toMatchObject({ code: 'RESULT_NOT_KEPT', jobId: gone.id });
  expect((failure as Error).message).toContain('completed, but its result was not kept');
  await expect(gone.result()).rejects.toBeInstanceOf(JobNotFoundError);
  expect(await stays.result()).toBe(4);
  const [failedRecord] = await redis.finished([failed.id]);
  expect(failedRecord).toMatchObject({ state: 'failed', error: { message: 'not this one' } });
  await worker.stop();

  const producer = redis.producer();
  expect(await producer.getJob(gone.id)).toBeNull();
  const [counts] = await producer.admin.queueCounts([queue]);
  // The failed and the plain completed records are kept; the removed one is not counted.
  expect(counts).toMatchObject({ finished: 2, dead: 0, active: 0, waiting: 0 });
  // The worker's own counts still see it run.
  expect(await producer.metrics.totals([queue])).toEqual([
    { queue, task: 'rc.dropped', completed: 1, failed: 0, retried: 0 },
    { queue, task: 'rc.kept', completed: 1, failed: 0, retried: 0 },
    { queue, task: 'rc.refused', completed: 0, failed: 1, retried: 0 },
  ]);
});

it("deletes completed jobs of every task that does not say, with the worker's removeOnComplete", async () => {
  const client = redis.client();
  const [gone, stays, failed] = await Promise.all([
    client.enqueue(kept, { n: 5 }),
    client.enqueue(keptAlways, { n: 5 }),
    client.enqueue(refused, { n: 6 }),
  ]);
  const waiting = gone.result().then(
    () => undefined,
    (error: unknown) => error,
  );
  const worker = redis.startWorker({
    tasks: [refused, kept, keptAlways],
    queues: [queue],
    removeOnComplete: true,
    logger: captureLogger(),
  });
  // The task's own `false` wins over the worker's default.
  expect(await stays.result()).toBe(4);
  expect(await waiting).toBeInstanceOf(ResultNotKeptError);
  const [failedRecord] = await redis.finished([failed.id]);
  expect(failedRecord).toMatchObject({ state: 'failed' });
  await worker.stop();
  expect(await redis.producer().getJob(gone.id)).toBeNull();
});
