// Two real worker processes sharing a private Redis: a rate limit and a concurrency cap
// that hold across both, and a cancel that reaches a job running in another process.
// Jobs record what they did in a separate private Redis (the ledger). Assertions are on
// counts, final states and how early jobs started, never on how long anything took.
import type { Client } from '@conveyor/core';
import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { useRedisWorkers } from './harness.js';
import type { WorkerProcess } from './processes.js';
import { capped, rated, waitForCancel } from './tasks.js';

const redis = useRedisWorkers({ ledger: true });
let ledger: Redis;
let client: Client;
let pair: WorkerProcess[] = [];

// Each worker serves a rated queue of its own (beside the shared ones), so both run rated
// jobs by construction. On one shared queue, whichever worker reserves first may take the
// whole burst: jobs waiting at a task limit do not count against fetching
// (maxWaitingForLimits), and a worker slowed by a busy machine never got one.
const WORKERS = [
  { name: 'limits-a', ratedQueue: 'it-rated-a' },
  { name: 'limits-b', ratedQueue: 'it-rated-b' },
];

beforeAll(async () => {
  ledger = redis.ledger();
  client = redis.client();
  pair = WORKERS.map(({ name, ratedQueue }) =>
    redis.spawnWorker(name, {
      CONVEYOR_TEST_QUEUES: `${ratedQueue},it-capped,it-cancel`,
      CONVEYOR_TEST_CONCURRENCY: 4,
    }),
  );
  await Promise.all(pair.map((worker) => worker.started));
});

const patient = { timeout: 30_000, interval: 100 };

/** The broker's clock (Redis TIME, ms): the clock take-rate.lua stamps permits with. */
async function brokerNow(): Promise<number> {
  const [seconds, micros] = await redis.admin().time();
  return Number(seconds) * 1_000 + Math.floor(Number(micros) / 1_000);
}

describe('limits across worker processes', () => {
  it('a rate limit of 5 per second holds across both workers', async () => {
    const before = await brokerNow();
    const jobs = (
      await Promise.all(
        WORKERS.map(({ ratedQueue }, w) =>
          client.enqueueMany(
            rated,
            Array.from({ length: 8 }, (_, n) => ({ n: w * 8 + n })),
            { queue: ratedQueue },
          ),
        ),
      )
    ).flat();
    await redis.completed(
      jobs.map((job) => job.id),
      patient.timeout,
    );
    const lines = (await ledger.lrange('it:rated:starts', 0, -1)).map((line) => line.split(' '));
    // Both processes took part: each ran the 8 jobs of its own queue.
    const byWorker: Record<string, number> = {};
    for (const [, , worker = '?'] of lines) byWorker[worker] = (byWorker[worker] ?? 0) + 1;
    expect(byWorker).toEqual({ 'limits-a': 8, 'limits-b': 8 });
    // The limit held across them. Its window slides: a permit counts for 1,000 ms after it
    // was taken, so the 6th permit comes at least 1 s after the 1st, the 11th 2 s after, and
    // the (j+1)-th (0-based j) at least floor(j / 5) s after `before`. Each start is recorded
    // after its permit, on the same host's clock, so the j-th earliest start is no earlier
    // than the j-th permit. A busy machine only delays starts, which cannot fail this; more
    // than 5 permits a second (say, a limit per process) starts the 6th job too early.
    const starts = lines.map(([at]) => Number(at) - before).sort((a, b) => a - b);
    const early = starts.flatMap((at, j) =>
      at < 1_000 * Math.floor(j / 5) ? [`start ${j + 1} at +${at} ms`] : [],
    );
    expect(early).toEqual([]);
    // That the limit grants all 5 a window (is not stricter) is the transports' conformance
    // rule [L1], and the worker's gate is tested on a manual clock in test/limits.test.ts.
  });

  it('a concurrency cap of 3 holds across both workers', async () => {
    const jobs = await client.enqueueMany(
      capped,
      Array.from({ length: 18 }, (_, n) => ({ n })),
    );
    await redis.completed(
      jobs.map((job) => job.id),
      patient.timeout,
    );
    const runs = (await ledger.lrange('it:capped:runs', 0, -1)).map((line) => {
      const [start, end] = line.split(' ').map(Number);
      return { start: start as number, end: end as number };
    });
    expect(runs).toHaveLength(18);
    // Sweep: an end at the same ms as a start comes first (the slot was freed before it).
    const events = runs
      .flatMap(({ start, end }) => [
        { at: start, delta: 1 },
        { at: end, delta: -1 },
      ])
      .sort((a, b) => a.at - b.at || a.delta - b.delta);
    let now = 0;
    let most = 0;
    for (const event of events) {
      now += event.delta;
      most = Math.max(most, now);
    }
    expect(most).toBeLessThanOrEqual(3);
    expect(most).toBeGreaterThanOrEqual(2);
  });
});

describe('worker records', () => {
  it('lists both live workers in the broker, as conveyor status shows them', async () => {
    const records = (await client.transport.admin?.listWorkers()) ?? [];
    expect(records.map((record) => record.id)).toEqual(['limits-a', 'limits-b']);
    expect(records[0]).toMatchObject({
      pid: pair[0]?.process.pid,
      queues: ['it-rated-a', 'it-capped', 'it-cancel'],
      tasks: ['it.blockLoop', 'it.capped', 'it.rated', 'it.waitForCancel', 'it.work'],
      concurrency: 4,
      heartbeatAt: expect.any(Number),
    });
  });
});

describe('cancel across processes', () => {
  it('aborts ctx.signal in the worker process that runs the job', async () => {
    const job = await client.enqueue(waitForCancel, {});
    await vi.waitFor(async () => {
      expect(await ledger.get(`it:cancel:${job.id}:running`)).not.toBeNull();
    }, patient);
    expect(await job.cancel()).toBe('signalled');
    const [record] = await redis.finished([job.id], patient.timeout);
    expect(record?.state).toBe('cancelled');
    expect(await ledger.get(`it:cancel:${job.id}:aborted`)).toBe('JOB_CANCEL_REQUESTED');
    expect(['limits-a', 'limits-b']).toContain(await ledger.get(`it:cancel:${job.id}:running`));
  });
});
