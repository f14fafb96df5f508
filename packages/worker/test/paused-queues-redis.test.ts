import { createClient, defineTask } from '@conveyor/core';
import { type RedisTransport, redisTransport } from '@conveyor/redis';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createWorker } from '../src/index.js';
import { captureLogger, deferred } from './helpers.js';

// A queue paused in Redis (`conveyor pause`) before a worker starts: the worker says so, runs
// none of its jobs while other queues run, and picks them up as soon as it is resumed.

let redis: RedisServer;
const transports: RedisTransport[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await Promise.all(transports.map((transport) => transport.close()));
  await redis?.stop();
});

function transport(): RedisTransport {
  const made = redisTransport({
    url: redis.url,
    prefix: `pause-${Math.random().toString(36).slice(2, 8)}`,
  });
  transports.push(made);
  return made;
}

describe('a paused queue on Redis', () => {
  it('warns at start, runs nothing of it while other queues run, and runs it on resume', async () => {
    const ran: string[] = [];
    const otherRan = deferred();
    const input = z.object({ n: z.number() });
    const held = defineTask({
      name: 'pq.held',
      queue: 'pq-held',
      input,
      run: ({ n }) => {
        ran.push(`held ${n}`);
      },
    });
    const other = defineTask({
      name: 'pq.other',
      queue: 'pq-other',
      input,
      run: () => otherRan.resolve(),
    });
    const shared = transport();
    const client = createClient({ transport: shared });
    expect(await shared.admin.pauseQueue('pq-held')).toBe(true);
    const [first] = await client.enqueueMany(held, [{ n: 1 }, { n: 2 }]);
    const logger = captureLogger();
    const worker = createWorker({
      transport: shared,
      tasks: [held, other],
      logger,
      concurrency: 2,
    });
    const running = worker.start();
    try {
      await vi.waitFor(
        () =>
          expect(logger.lines.find((line) => line.fields.queue === 'pq-held')?.message).toMatch(
            /queue "pq-held" is paused: .*conveyor resume pq-held/,
          ),
        { timeout: 30_000 },
      );
      // A job of another queue enqueued after the held ones runs first: the worker is live.
      await client.enqueue(other, { n: 3 });
      await otherRan.promise;
      expect(ran).toEqual([]);
      expect((await shared.admin.queueCounts(['pq-held']))[0]).toMatchObject({
        waiting: 2,
        active: 0,
        paused: true,
      });
      expect(await shared.admin.resumeQueue('pq-held')).toBe(true);
      await first?.result({ timeout: 10_000 });
      await vi.waitFor(() => expect(ran.sort()).toEqual(['held 1', 'held 2']), { timeout: 30_000 });
    } finally {
      await worker.stop();
      await running;
      await client.close();
    }
  });

  it('says which partitions are paused when only some are, and runs the others', async () => {
    const ran: number[] = [];
    const task = defineTask({
      name: 'pq.part',
      queue: { name: 'pq-part', partitions: 3 },
      input: z.object({ n: z.number() }),
      run: ({ n }) => {
        ran.push(n);
      },
    });
    const shared = transport();
    const client = createClient({ transport: shared });
    // The plain name only, as `conveyor pause pq-part --new` before the first job did.
    await shared.admin.pauseQueue('pq-part');
    await shared.admin.pauseQueue('pq-part~1of3');
    const logger = captureLogger();
    const worker = createWorker({ transport: shared, tasks: [task], logger, concurrency: 2 });
    const running = worker.start();
    try {
      await vi.waitFor(
        () =>
          expect(logger.lines.find((line) => line.fields.queue === 'pq-part')?.message).toBe(
            "queue \"pq-part\" is paused in part: pq-part, pq-part~1of3 paused, pq-part~0of3, pq-part~2of3 not. This worker takes none of the paused ones' jobs and runs the others'. `conveyor pause pq-part` or `conveyor resume pq-part` (on this worker's Redis and prefix) makes them agree; `conveyor status --partitions` shows each.",
          ),
        { timeout: 30_000 },
      );
      // Partitions are picked by job id at random: with 12 jobs, none landed on the paused
      // one about once in 130 runs; with 60, once in 30 billion.
      const count = 60;
      const handles = await client.enqueueMany(
        task,
        Array.from({ length: count }, (_, n) => ({ n })),
      );
      const held = handles.filter(({ id }) => id.startsWith('pq-part~1of3:'));
      expect(held.length).toBeGreaterThan(0);
      await vi.waitFor(() => expect(ran).toHaveLength(count - held.length), { timeout: 30_000 });
      const [counts] = await shared.admin.queueCounts(['pq-part~1of3']);
      expect(counts).toMatchObject({ waiting: held.length, paused: true });
    } finally {
      await worker.stop();
      await running;
      await client.close();
    }
  });
});
