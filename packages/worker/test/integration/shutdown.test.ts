// Real worker processes against a private Redis: SIGTERM under load, kill -9, and an
// event loop blocked past the lease. A second private Redis holds the ledger the jobs
// write to. No timing assertions: only counts and final states.
import { type Client, isWorkerStale, type JobRecord } from '@conveyor/core';
import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { useRedisWorkers } from './harness.js';
import type { WorkerProcess } from './processes.js';
import { blockLoop, work } from './tasks.js';

const redis = useRedisWorkers({ ledger: true });
let ledger: Redis;
let client: Client;
/** Runs through the whole file: it takes over from the workers the tests stop or kill. */
let steady: WorkerProcess;
const STEADY = {
  CONVEYOR_TEST_QUEUES: 'it-work,it-block',
  // 2 s between a heartbeat and the lease's end: the tests count runs exactly, and on a busy
  // machine a smaller margin let an event-loop delay hand a healthy run to another worker.
  CONVEYOR_TEST_LEASE_MS: 3_000,
  CONVEYOR_TEST_CONCURRENCY: 4,
};

beforeAll(() => {
  ledger = redis.ledger();
  client = redis.client();
});

const patient = { timeout: 40_000, interval: 100 };

async function records(ids: readonly string[]): Promise<JobRecord[]> {
  const all = await Promise.all(ids.map((id) => client.getJob(id)));
  return all.map((record, index) => {
    if (!record) throw new Error(`job ${ids[index]} is gone`);
    return record;
  });
}

async function counts(key: string): Promise<Map<string, number>> {
  const hash = await ledger.hgetall(key);
  return new Map(Object.entries(hash).map(([id, count]) => [id, Number(count)]));
}

describe('worker processes on Redis', () => {
  it('SIGTERM under load: finishes or releases every job; none lost, none run twice', async () => {
    await ledger.del('it:work:started', 'it:work:done', 'it:work:startedBy');
    const first = redis.spawnWorker('sigterm-a', {
      CONVEYOR_TEST_GRACE_MS: 300,
      CONVEYOR_TEST_CONCURRENCY: 4,
    });
    await first.started;
    // Goes first, and is slow only on sigterm-a: it is still running when its grace ends.
    const long = await client.enqueue(work, { n: -1, ms: 60_000, slowOn: 'sigterm-a' });
    const jobs = await client.enqueueMany(
      work,
      Array.from({ length: 40 }, (_, n) => ({ n, ms: 50 + (n % 4) * 50 })),
    );
    const ids = [long.id, ...jobs.map((job) => job.id)];
    await vi.waitFor(async () => {
      expect(await ledger.hget('it:work:startedBy', long.id)).toBe('sigterm-a');
    }, patient);
    steady = redis.spawnWorker('steady', STEADY);
    await steady.started;
    await vi.waitFor(
      async () => expect((await counts('it:work:done')).size).toBeGreaterThan(8),
      patient,
    );
    first.signal('SIGTERM');
    expect(await first.exited).toBe(0);
    // A clean stop removes the worker's record at once.
    const live = (await client.transport.admin?.listWorkers()) ?? [];
    expect(live.map((record) => record.id)).toEqual(['steady']);
    await redis.completed(ids, patient.timeout);

    const done = await counts('it:work:done');
    expect(ids.filter((id) => done.get(id) !== 1)).toEqual([]);
    expect(done.size).toBe(ids.length);
    // The long job was given back unfinished, its attempt uncounted, and run by the other.
    expect(first.stats()?.totals.released).toBeGreaterThanOrEqual(1);
    expect(await client.getJob(long.id)).toMatchObject({
      attempts: 1,
      result: { worker: 'steady' },
    });
    // What sigterm-a counted is what the broker holds from it.
    const byFirst = (await records(ids)).filter(
      (record) => (record.result as { worker?: string }).worker === 'sigterm-a',
    );
    expect(first.stats()?.totals.completed).toBe(byFirst.length);
  });

  it("kill -9: the dead worker's jobs run again after their lease and all complete", async () => {
    await ledger.del('it:work:started', 'it:work:done', 'it:work:startedBy');
    // The victim alone takes the jobs: beside a running steady, which runs them in 50 ms, it
    // could find none left on a loaded machine. steady comes back after the kill.
    steady.signal('SIGTERM');
    expect(await steady.exited).toBe(0);
    const victim = redis.spawnWorker('victim', {
      CONVEYOR_TEST_LEASE_MS: 1_500,
      CONVEYOR_TEST_CONCURRENCY: 4,
    });
    await victim.started;
    const jobs = await client.enqueueMany(
      work,
      Array.from({ length: 12 }, (_, n) => ({ n, ms: 1_000, slowOn: 'victim' })),
    );
    const ids = jobs.map((job) => job.id);
    await vi.waitFor(async () => {
      expect(Object.values(await ledger.hgetall('it:work:startedBy'))).toContain('victim');
    }, patient);
    expect((await client.transport.admin?.listWorkers())?.map((record) => record.id)).toContain(
      'victim',
    );
    victim.signal('SIGKILL');
    await victim.exited;
    steady = redis.spawnWorker('steady', STEADY);
    await steady.started;
    const startedBy = await ledger.hgetall('it:work:startedBy');
    const done = await counts('it:work:done');
    const orphans = Object.keys(startedBy).filter(
      (id) => startedBy[id] === 'victim' && !done.has(id),
    );
    expect(orphans.length).toBeGreaterThan(0);

    await redis.completed(ids, patient.timeout);
    for (const record of await records(orphans)) {
      expect(record.attempts).toBe(2);
      expect(record.result).toEqual({ worker: 'steady' });
    }
    const finalDone = await counts('it:work:done');
    expect(ids.every((id) => (finalDone.get(id) ?? 0) >= 1)).toBe(true);
    // Nobody removed the killed worker's record: it is listed as stale (it missed its
    // refreshes), as conveyor status and the dashboard show it, until it expires 5 min on.
    await vi.waitFor(async () => {
      const records = (await client.transport.admin?.listWorkers()) ?? [];
      const now = Date.now();
      const stale = records.filter((record) => isWorkerStale(record, now));
      expect(stale.map((record) => record.id)).toEqual(['victim']);
      expect(records.map((record) => record.id).sort()).toEqual(['steady', 'victim']);
    }, patient);
  });

  it('an event loop blocked past the lease: the stale ack is rejected and the job ends once', async () => {
    await ledger.del('it:block:runs');
    const blocker = redis.spawnWorker('blocker', { ...STEADY, CONVEYOR_TEST_QUEUES: 'it-block' });
    await blocker.started;
    // Twice the lease: no heartbeat can run meanwhile.
    const job = await client.enqueue(blockLoop, { ms: 6_000 });
    await redis.completed([job.id], patient.timeout);
    const pair = [blocker, steady];
    for (const worker of pair) worker.signal('SIGTERM');
    await Promise.all(pair.map((worker) => worker.exited));

    const record = await client.getJob(job.id);
    expect(record).toMatchObject({ state: 'completed', attempts: 2, result: { attempt: 2 } });
    const runs = await ledger.lrange('it:block:runs', 0, -1);
    expect(runs).toHaveLength(2);
    const blocked = pair.find((worker) => runs[0] === `1 ${worker.name}`);
    // The blocked run returned late: its ack was refused, counted, not applied. (Whichever
    // worker took the second delivery completed it; that may be the blocked one again.)
    expect(blocked?.stats()?.totals.staleSettles).toBe(1);
    expect(record?.result).toEqual({ attempt: 2, worker: runs[1]?.replace(/^2 /, '') });
  });
});
