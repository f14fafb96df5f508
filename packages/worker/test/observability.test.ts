import {
  defineTask,
  type QueueCounts,
  type TransportAdmin,
  type WorkerRecord,
} from '@conveyor/core';
import { createManualClock } from '@conveyor/core/testing';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { deferred, useWorkerHarness } from './helpers.js';

const input = z.object({ email: z.string() });

const workers = useWorkerHarness();

/** An admin that records what the worker tells it. */
function fakeAdmin(counts: QueueCounts[] = []) {
  const puts: Array<{ record: WorkerRecord; ttlMs: number }> = [];
  const removed: string[] = [];
  let countCalls = 0;
  const admin: TransportAdmin = {
    listQueues: async () => [],
    async queueCounts() {
      countCalls += 1;
      return counts;
    },
    purgeQueue: async () => 0,
    pauseQueue: async () => true,
    resumeQueue: async () => true,
    listDead: async () => ({ jobs: [], total: 0 }),
    retryDead: async () => 0,
    purgeDead: async () => 0,
    promoteDelayed: async () => 0,
    async putWorker(record, ttlMs) {
      puts.push({ record: structuredClone(record), ttlMs });
    },
    async removeWorker(id) {
      removed.push(id);
    },
    listWorkers: async () => [],
    listJobs: async () => ({ jobs: [] }),
    findByIndex: async () => ({ jobs: [] }),
    indexedFields: async () => [],
    async appendAudit(entry) {
      return { ...entry, id: '1', at: 0 };
    },
    listAudit: async () => [],
  };
  return { admin, puts, removed, countCalls: () => countCalls };
}

describe('worker record', () => {
  it('publishes on start and every heartbeat with its jobs, and removes it on stop', async () => {
    const fake = fakeAdmin();
    const gate = deferred<string>();
    const task = defineTask({ name: 't.mail', input, queue: 'work', run: () => gate.promise });
    const harness = await workers.start(
      [task],
      { id: 'w-1', concurrency: 4, leaseMs: 3_000, heartbeatMs: 1_000 },
      (transport) => {
        (transport as { admin?: TransportAdmin }).admin = fake.admin;
      },
    );
    expect(fake.puts).toHaveLength(1);
    // Kept 5 minutes past its last refresh: a killed worker shows as stale that long.
    expect(fake.puts[0]).toMatchObject({
      ttlMs: 300_000,
      record: {
        id: 'w-1',
        pid: process.pid,
        queues: ['work'],
        tasks: ['t.mail'],
        concurrency: 4,
        state: 'idle',
        jobs: [],
        counts: { completed: 0, failed: 0, dead: 0, retried: 0 },
      },
    });
    const id = await harness.enqueue('t.mail', { email: 'a@b.c' });
    await harness.clock.advance(1_000);
    expect(fake.puts).toHaveLength(2);
    expect(fake.puts[1]?.record).toMatchObject({
      state: 'running',
      jobs: [{ id, task: 't.mail', attempt: 1, startedAt: expect.any(Number) }],
    });
    gate.resolve('sent');
    await harness.clock.advance(1_000);
    expect(fake.puts.at(-1)?.record).toMatchObject({
      state: 'idle',
      jobs: [],
      counts: { completed: 1 },
    });
    await harness.stop();
    expect(fake.removed).toEqual(['w-1']);
  });

  it('counts dead-lettered jobs as dead, not failed, as the stop line and worker.stats() do', async () => {
    const fake = fakeAdmin();
    const task = defineTask({
      name: 't.doomed',
      input,
      run: () => {
        throw new Error('boom');
      },
    });
    const harness = await workers.start([task], { id: 'w-3', heartbeatMs: 1_000 }, (transport) => {
      (transport as { admin?: TransportAdmin }).admin = fake.admin;
    });
    await harness.enqueue('t.doomed', { email: 'a@b.c' }, { maxAttempts: 1 });
    // Heartbeats until the record shows the job ended (the run and its settle are async).
    for (let beat = 0; beat < 20 && fake.puts.at(-1)?.record.counts.dead !== 1; beat++) {
      await harness.clock.advance(1_000);
    }
    expect(fake.puts.at(-1)?.record.counts).toEqual({
      completed: 0,
      failed: 0,
      dead: 1,
      retried: 0,
    });
    await harness.stop();
  });

  it('refreshes the record every 2 s with that interval in it, though the lease heartbeat is 10 s', async () => {
    const fake = fakeAdmin();
    const task = defineTask({ name: 't.mail', input, run: () => 'sent' });
    const harness = await workers.start([task], { id: 'w-2', leaseMs: 30_000 }, (transport) => {
      (transport as { admin?: TransportAdmin }).admin = fake.admin;
    });
    expect(fake.puts[0]).toMatchObject({ ttlMs: 300_000, record: { heartbeatMs: 2_000 } });
    await harness.enqueue('t.mail', { email: 'a@b.c' });
    await harness.clock.advance(2_000);
    // Done counts are two seconds fresh, not ten.
    expect(fake.puts).toHaveLength(2);
    expect(fake.puts[1]?.record.counts.completed).toBe(1);
    await harness.clock.advance(8_000);
    expect(fake.puts).toHaveLength(6);
    await harness.stop();
    expect(fake.removed).toEqual(['w-2']);
    await harness.clock.advance(10_000);
    expect(fake.puts).toHaveLength(6);
  });

  // Two workers started with one --worker-id were merged in `conveyor status`, silently.
  it('warns at start when a live worker of another process has its id, not for a stale record', async () => {
    const task = defineTask({ name: 't.mail', input, run: () => 'ok' });
    const other = (heartbeatAt: number): WorkerRecord => ({
      id: 'dup',
      hostname: 'box-2',
      pid: 4242,
      queues: ['default'],
      tasks: ['t.mail'],
      concurrency: 1,
      state: 'idle',
      startedAt: 0,
      heartbeatAt,
      heartbeatMs: 2_000,
      jobs: [],
      counts: { completed: 0, failed: 0, retried: 0 },
    });
    // The harness's manual clock starts at the default start, and start() does not move it.
    const now = createManualClock().now();
    const start = (records: WorkerRecord[]) =>
      workers.start([task], { id: 'dup' }, (transport) => {
        const fake = fakeAdmin();
        (transport as { admin?: TransportAdmin }).admin = {
          ...fake.admin,
          listWorkers: async () => records,
        };
      });
    const taken = (lines: Array<{ message: string }>) =>
      lines.filter((line) => line.message.startsWith('another live worker has id "dup"'));
    const live = await start([other(now - 1_000)]);
    expect(taken(live.logger.lines)).toEqual([
      expect.objectContaining({
        message: expect.stringContaining('(host box-2, pid 4242, refreshed 1.0 s ago)'),
      }),
    ]);
    await live.stop();
    const stale = await start([other(now - 60_000)]);
    expect(taken(stale.logger.lines)).toEqual([]);
    await stale.stop();
  });

  it('keeps running when the admin calls fail', async () => {
    const task = defineTask({ name: 't.mail', input, run: () => 'ok' });
    const harness = await workers.start(
      [task],
      { heartbeatMs: 1_000, leaseMs: 3_000 },
      (transport) => {
        (transport as { admin?: TransportAdmin }).admin = {
          ...fakeAdmin().admin,
          putWorker: () => Promise.reject(new Error('broker down')),
        };
      },
    );
    const id = await harness.enqueue('t.mail', { email: 'x' });
    await harness.clock.advance(3_000);
    expect((await harness.job(id)).state).toBe('completed');
    const warnings = harness.logger.lines.filter((line) =>
      line.message.includes('publishing the worker record failed'),
    );
    expect(warnings).toHaveLength(1);
  });
});

describe('schema skew', () => {
  const versioned = {
    ...defineTask({ name: 't.skew', input, run: ({ email }) => email }),
    fingerprint: 'sha-new',
  };

  it('warns and counts when the producer stamped another fingerprint, and still runs valid input', async () => {
    const harness = await workers.start([versioned]);
    const id = await harness.enqueue('t.skew', { email: 'a@b.c' }, { schema: 'sha-old' });
    await harness.clock.advance(0);
    expect(await harness.job(id)).toMatchObject({ state: 'completed', result: 'a@b.c' });
    expect(harness.worker.stats().tasks['t.skew']).toMatchObject({ schemaSkew: 1, completed: 1 });
    const warning = harness.logger.lines.find((line) => line.message.includes('schema skew'));
    expect(warning?.fields).toMatchObject({
      jobId: id,
      producerSchema: 'sha-old',
      workerSchema: 'sha-new',
    });
    expect(await harness.worker.metrics()).toMatchObject({
      body: expect.stringContaining('conveyor_schema_skew_total{task="t.skew"} 1'),
    });
  });

  it('fails the job only when validation fails', async () => {
    const harness = await workers.start([versioned]);
    const id = await harness.enqueue('t.skew', { mail: 'renamed' }, { schema: 'sha-old' });
    await harness.clock.advance(0);
    const record = await harness.job(id);
    expect(record).toMatchObject({ state: 'dead', error: { code: 'VALIDATION_FAILED' } });
    expect(record.error?.message).toContain('another version of the schema (sha-old,');
    expect(harness.worker.stats().totals).toMatchObject({ schemaSkew: 1, dead: 1 });
  });

  it('stays quiet when fingerprints match or either side has none', async () => {
    const unversioned = defineTask({ name: 't.plain', input, run: () => 'ok' });
    const harness = await workers.start([versioned, unversioned]);
    await harness.enqueue('t.skew', { email: 'a' }, { schema: 'sha-new' });
    await harness.enqueue('t.skew', { email: 'b' });
    await harness.enqueue('t.plain', { email: 'c' }, { schema: 'sha-any' });
    await harness.clock.advance(0);
    expect(harness.worker.stats().totals).toMatchObject({ schemaSkew: 0, completed: 3 });
  });
});

describe('queue depth metrics', () => {
  it('serves counts from admin.queueCounts, read at most every 5 s', async () => {
    const fake = fakeAdmin([
      { queue: 'work', waiting: 7, delayed: 2, active: 1, dead: 3, finished: 0, paused: true },
    ]);
    const task = defineTask({ name: 't.mail', input, run: () => 'ok' });
    const harness = await workers.start([task], {}, (transport) => {
      (transport as { admin?: TransportAdmin }).admin = fake.admin;
    });
    // The worker's start-up check for paused queues reads the counts once.
    await vi.waitFor(() => expect(fake.countCalls()).toBe(1), { timeout: 30_000 });
    const { body } = await harness.worker.metrics();
    expect(body).toContain('conveyor_queue_jobs{queue="work",state="waiting"} 7');
    expect(body).toContain('conveyor_queue_jobs{queue="work",state="dead"} 3');
    expect(body).toMatch(/^conveyor_queue_paused\{queue="work"\} 1$/m);
    expect(body).toMatch(/^conveyor_jobs_waiting_for_limits 0$/m);
    await harness.worker.metrics();
    expect(fake.countCalls()).toBe(2);
    await harness.clock.advance(5_000);
    await harness.worker.metrics();
    expect(fake.countCalls()).toBe(3);
  });

  it('leaves the queue gauge empty without admin', async () => {
    const task = defineTask({ name: 't.mail', input, run: () => 'ok' });
    const harness = await workers.start([task], {}, (transport) => {
      (transport as { admin?: TransportAdmin }).admin = undefined;
    });
    const { body } = await harness.worker.metrics();
    expect(body).not.toMatch(/^conveyor_queue_jobs\{/m);
  });
});
