// Two real worker processes sharing a private Redis: a rate limit and a concurrency cap
// that hold across both, and a cancel that reaches a job running in another process.
// Jobs record what they did in a separate private Redis (the ledger). Assertions are on
// counts and final states, never on durations.
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

beforeAll(async () => {
  ledger = redis.ledger();
  client = redis.client();
  pair = ['limits-a', 'limits-b'].map((name) =>
    redis.spawnWorker(name, {
      CONVEYOR_TEST_QUEUES: 'it-rated,it-capped,it-cancel',
      CONVEYOR_TEST_CONCURRENCY: 4,
    }),
  );
  await Promise.all(pair.map((worker) => worker.started));
});

const patient = { timeout: 30_000, interval: 100 };

describe('limits across worker processes', () => {
  it('a rate limit of 5 per second holds across both workers', async () => {
    const jobs = await client.enqueueMany(
      rated,
      Array.from({ length: 16 }, (_, n) => ({ n })),
    );
    await redis.completed(
      jobs.map((job) => job.id),
      patient.timeout,
    );
    const starts = (await ledger.lrange('it:rated:starts', 0, -1))
      .map((line) => Number(line.split(' ')[0]))
      .sort((a, b) => a - b);
    expect(starts).toHaveLength(16);
    // Permits are taken on Redis's clock; a start is recorded after its permit, by as much as
    // a busy machine delays a worker's event loop (over 100 ms was seen beside a full test
    // run). So count starts in windows narrower than the limit's: the permits come in bursts
    // of 5 a window apart, so a burst still fits in the narrower window.
    const slack = 250;
    const most = Math.max(
      ...starts.map(
        (from) => starts.filter((at) => at >= from && at < from + 1_000 - slack).length,
      ),
    );
    expect(most).toBeLessThanOrEqual(5);
    // The limit was reached, not merely unused.
    expect(most).toBeGreaterThanOrEqual(4);
    // Both processes took part.
    const workers = new Set(
      (await ledger.lrange('it:rated:starts', 0, -1)).map((line) => line.split(' ')[2]),
    );
    expect(workers.size).toBe(2);
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
      queues: ['it-rated', 'it-capped', 'it-cancel'],
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
