import { type Reservation, silentLogger, type Transport } from '@conveyor/core';
import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisTransport } from '../src/index.js';
import { queueKeys } from '../src/keys.js';
import { defineScripts, runScript } from '../src/scripts.js';
import { enqueueMany, recordingLogger } from './helpers/util.js';

let redis: RedisServer;
/** A plain client on the server, for looking at keys behind the transport. */
let admin: Redis;
beforeAll(async () => {
  redis = await startRedis();
  admin = new Redis(redis.url);
});
afterAll(async () => {
  admin?.disconnect();
  await redis?.stop();
});
const transports: Transport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((transport) => transport.close()));
});
/** Leases up to `max` jobs of `queue` for a minute. */
const leaseAll = (transport: Transport, queue: string, max: number) =>
  transport.reserve({ queues: [queue], max, leaseMs: 60_000, consumer: 'r' });
const completeAll = (transport: Transport, jobs: readonly Reservation[]) =>
  transport.settle(
    jobs.map((job) => ({ type: 'complete', id: job.envelope.id, token: job.token, result: 1 })),
  );
const open = (options: Parameters<typeof redisTransport>[0] = {}) => {
  const transport = redisTransport({ url: redis.url, logger: silentLogger, ...options });
  transports.push(transport);
  return transport;
};

describe('delays', () => {
  it('runs delayed jobs never early and exactly once, with racing blocked consumers', async () => {
    const transport = open();
    const queue = uniqueQueue('delay-once');
    const envelopes = Array.from({ length: 30 }, () => makeEnvelope(queue));
    const delays = envelopes.map((_, index) => 300 + (index % 10) * 100);
    const before = Date.now();
    await transport.enqueue(
      envelopes.map((envelope, index) => ({ envelope, delayMs: delays[index] })),
    );
    // The stored due time while the job is still delayed. On a loaded machine a job may come
    // due before its read (getJob housekeeps, and promotes it): then the enqueue's start plus
    // the delay, a lower bound of the due time (same host clock as Redis TIME).
    const records = await Promise.all(envelopes.map((envelope) => transport.getJob(envelope.id)));
    const due = new Map<string, number>();
    envelopes.forEach((envelope, index) => {
      due.set(envelope.id, records[index]?.dueAt ?? before + (delays[index] ?? 0));
    });
    const deliveries: Array<{ id: string; at: number }> = [];
    const delivered = () => new Set(deliveries.map((delivery) => delivery.id)).size;
    // Until every job came (a busy machine may take long), then one more round each: a job
    // delivered twice would show there.
    const deadline = Date.now() + 60_000;
    const consumers = [open(), open(), open()].map(async (consumer) => {
      let rounds = 1;
      while (Date.now() < deadline && (delivered() < envelopes.length || rounds-- > 0)) {
        const jobs = await consumer.reserve({
          queues: [queue],
          max: 5,
          leaseMs: 60_000,
          waitMs: 300,
          consumer: 'c',
        });
        const at = Date.now();
        for (const job of jobs) deliveries.push({ id: job.envelope.id, at });
      }
    });
    await Promise.all(consumers);
    expect(deliveries).toHaveLength(envelopes.length);
    expect(new Set(deliveries.map((delivery) => delivery.id)).size).toBe(envelopes.length);
    for (const { id, at } of deliveries)
      expect(at).toBeGreaterThanOrEqual(due.get(id) ?? Number.POSITIVE_INFINITY);
  });

  // Celery's visibility-timeout trap: an ETA task held unacknowledged past the timeout is
  // delivered again. Here a delayed job holds no lease until it is due, so a delay many
  // times the lease still runs once, never early.
  it('runs jobs delayed far past the lease once, never early', async () => {
    const transport = open();
    const queue = uniqueQueue('delay-long');
    // Long enough that a settle sent right after its reserve is never late on a busy machine.
    const leaseMs = 1_500;
    const envelopes = Array.from({ length: 12 }, () => makeEnvelope(queue));
    await transport.enqueue(
      envelopes.map((envelope, index) => ({ envelope, delayMs: 6_500 + (index % 4) * 300 })),
    );
    const due = new Map<string, number>();
    for (const envelope of envelopes) {
      due.set(envelope.id, (await transport.getJob(envelope.id))?.dueAt ?? Number.NaN);
    }
    const deliveries: Array<{ id: string; at: number }> = [];
    const delivered = () => new Set(deliveries.map((delivery) => delivery.id)).size;
    // Until every job came, then one more round each (a second delivery would show there).
    const deadline = Date.now() + 60_000;
    const consumers = [open(), open()].map(async (consumer) => {
      let rounds = 1;
      while (Date.now() < deadline && (delivered() < envelopes.length || rounds-- > 0)) {
        const jobs = await consumer.reserve({
          queues: [queue],
          max: 5,
          leaseMs,
          waitMs: 200,
          consumer: 'c',
        });
        const at = Date.now();
        for (const job of jobs) deliveries.push({ id: job.envelope.id, at });
        const statuses = await consumer.settle(
          jobs.map((job) => ({
            type: 'complete' as const,
            id: job.envelope.id,
            token: job.token,
            result: null,
          })),
        );
        expect(statuses.every((status) => status === 'ok')).toBe(true);
      }
    });
    await Promise.all(consumers);
    expect(deliveries).toHaveLength(envelopes.length);
    expect(new Set(deliveries.map((delivery) => delivery.id)).size).toBe(envelopes.length);
    for (const { id, at } of deliveries) {
      const dueAt = due.get(id) ?? Number.POSITIVE_INFINITY;
      expect(at).toBeGreaterThanOrEqual(dueAt);
      // Due well after several leases would have run out.
      expect(dueAt - (envelopes.find((e) => e.id === id)?.enqueuedAt ?? 0)).toBeGreaterThan(
        4 * leaseMs,
      );
    }
  });
});

describe('retention', () => {
  it('bounds finished jobs per queue by count (maxFinishedPerQueue, in steps of 100)', async () => {
    const transport = open({ maxFinishedPerQueue: 50 });
    const queue = uniqueQueue('retention');
    const envelopes = await enqueueMany(transport, queue, 400);
    const jobs = await leaseAll(transport, queue, 400);
    await completeAll(transport, jobs);
    const kept = await Promise.all(envelopes.map((envelope) => transport.getJob(envelope.id)));
    const present = kept.filter((record) => record !== null).length;
    expect(present).toBeGreaterThanOrEqual(50);
    expect(present).toBeLessThan(50 + 100);
    expect(kept[0]).toBeNull();
    expect(kept.at(-1)?.state).toBe('completed');
  });

  it('forgets finished jobs after their TTL', async () => {
    // Long enough that the read right after the settle comes before the expiry on a busy box
    // (200 ms did not, under CI's load); the poll below waits for the expiry, not a clock.
    const transport = open({ defaultResultTtlMs: 2_000 });
    const queue = uniqueQueue('ttl');
    const [envelope] = await enqueueMany(transport, queue, 1);
    const [job] = await leaseAll(transport, queue, 1);
    await transport.settle([
      {
        type: 'fail',
        id: job?.envelope.id ?? '',
        token: job?.token ?? '',
        error: { name: 'E', message: 'x' },
        deadLetter: false,
      },
    ]);
    expect((await transport.getJob(envelope?.id ?? ''))?.state).toBe('failed');
    await expect.poll(() => transport.getJob(envelope?.id ?? ''), { timeout: 20_000 }).toBeNull();
  });

  it('deletes expired jobs from Redis at the next call that finishes one on their queue, not only hides them', async () => {
    const transport = open({ defaultResultTtlMs: 200 });
    const queue = uniqueQueue('ttl-gone');
    const envelopes = await enqueueMany(transport, queue, 4);
    const jobs = await leaseAll(transport, queue, 4);
    await completeAll(transport, jobs.slice(0, 3));
    const jobKeys = () => admin.keys(`conveyor:{${queue}}:j:*`);
    expect(await jobKeys()).toHaveLength(4);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // A call that finishes a job trims the expired ones ahead of it (one that finishes
    // nothing leaves them to the sweep, which runs every second on a worker's queues).
    await completeAll(transport, jobs.slice(3));
    expect(await jobKeys()).toHaveLength(1);
    expect(await admin.llen(`conveyor:{${queue}}:finished`)).toBe(1);
    expect(await transport.getJob(envelopes[0]?.id ?? '')).toBeNull();
  });

  it("keeps a job whose task TTL is longer than the default past the default's expiry", async () => {
    const transport = open({ defaultResultTtlMs: 200 });
    const queue = uniqueQueue('ttl-mixed');
    const [long, short] = await enqueueMany(transport, queue, 2);
    const jobs = await leaseAll(transport, queue, 2);
    const token = (id: string | undefined) =>
      jobs.find((job) => job.envelope.id === id)?.token ?? '';
    await transport.settle([
      {
        type: 'complete',
        id: long?.id ?? '',
        token: token(long?.id),
        result: 'kept',
        resultTtlMs: 60_000,
      },
      { type: 'complete', id: short?.id ?? '', token: token(short?.id), result: 'gone' },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The short one is behind the long one in the finished list: gone to readers all the same.
    expect(await transport.getJob(short?.id ?? '')).toBeNull();
    expect((await transport.getJob(long?.id ?? ''))?.result).toBe('kept');
  });

  it('expires finished jobs through a key TTL when there is no count bound', async () => {
    const transport = open({ maxFinishedPerQueue: 0, defaultResultTtlMs: 60_000 });
    const queue = uniqueQueue('ttl-key');
    const [envelope] = await enqueueMany(transport, queue, 1);
    await completeAll(transport, await leaseAll(transport, queue, 1));
    const unique = (envelope?.id ?? '').slice(queue.length + 1);
    const ttl = await admin.pttl(`conveyor:{${queue}}:j:${unique}`);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(await admin.llen(`conveyor:{${queue}}:finished`)).toBe(0);
  });
});

describe('sweep of finished jobs', () => {
  /** `count` jobs of `queue` completed by a transport that is closed afterwards. */
  async function finishMany(queue: string, count: number, ttlMs: number): Promise<void> {
    const producer = redisTransport({
      url: redis.url,
      logger: silentLogger,
      defaultResultTtlMs: ttlMs,
    });
    try {
      await enqueueMany(producer, queue, count);
      await completeAll(producer, await leaseAll(producer, queue, count));
    } finally {
      await producer.close();
    }
  }
  const jobKeys = async (queue: string) => (await admin.keys(`conveyor:{${queue}}:j:*`)).length;

  it('deletes 10,000 expired jobs while a worker waits on their queue, with nothing else touching it', async () => {
    const queue = uniqueQueue('sweep');
    await finishMany(queue, 10_000, 4_000);
    expect(await jobKeys(queue)).toBeGreaterThan(5_000);
    // An idle worker: one reserve blocked on the empty queue for the whole test.
    const worker = open();
    const stop = new AbortController();
    const waiting = worker.reserve({
      queues: [queue],
      max: 10,
      leaseMs: 60_000,
      waitMs: 120_000,
      consumer: 'w',
      signal: stop.signal,
    });
    try {
      await expect
        .poll(() => admin.llen(`conveyor:{${queue}}:finished`), { timeout: 30_000, interval: 200 })
        .toBe(0);
      expect(await jobKeys(queue)).toBe(0);
    } finally {
      stop.abort();
      await waiting;
    }
  });

  it('deletes at most its limit per call, expired jobs in list order, and down to the count bound', async () => {
    const queue = uniqueQueue('sweep-bound');
    await finishMany(queue, 2_600, 60_000);
    const finished = `conveyor:{${queue}}:finished`;
    // The first 2,500 expired long ago (entries are `<expiry> <unique>`); the rest have not.
    const entries = await admin.lrange(finished, 0, -1);
    await admin.del(finished);
    await admin.rpush(
      finished,
      ...entries.map((entry, index) => (index < 2_500 ? entry.replace(/^\d+/, '1') : entry)),
    );
    defineScripts(admin);
    const keys = queueKeys('conveyor', queue);
    const sweep = async (keep: number, limit: number) =>
      ((await runScript(admin, 'sweep', keys, [86_400_000, keep], [limit])) as unknown[]).map(
        Number,
      );
    expect(await sweep(10_000, 1_000)).toEqual([1_000, 1]);
    expect(await jobKeys(queue)).toBe(1_600);
    expect(await sweep(10_000, 1_000)).toEqual([1_000, 1]);
    expect(await sweep(10_000, 1_000)).toEqual([500, 0]);
    expect(await sweep(10_000, 1_000)).toEqual([0, 0]);
    expect(await admin.llen(finished)).toBe(100);
    expect(await jobKeys(queue)).toBe(100);

    // Over the count bound: the oldest go, whatever their expiry, down to exactly the bound.
    const oldest = String(await admin.lindex(finished, 0)).split(' ')[1];
    expect(await sweep(40, 50)).toEqual([50, 1]);
    expect(await sweep(40, 50)).toEqual([10, 0]);
    expect(await admin.llen(finished)).toBe(40);
    expect(await jobKeys(queue)).toBe(40);
    expect(await admin.exists(`conveyor:{${queue}}:j:${oldest}`)).toBe(0);
  });
});

describe('start-up checks', () => {
  it('warns loudly when maxmemory-policy is not noeviction', async () => {
    const lru = await startRedis({ args: ['--maxmemory-policy', 'allkeys-lru'] });
    try {
      const logger = recordingLogger();
      const transport = redisTransport({ url: lru.url, logger });
      transports.push(transport);
      await transport.getJob('q:nothing');
      await expect.poll(() => logger.warnings.length, { timeout: 15_000 }).toBeGreaterThan(0);
      await transport.getJob('q:nothing');
      // Once, naming the policy and what it can delete.
      expect(logger.warnings).toHaveLength(1);
      expect(logger.warnings[0]).toMatch(/"allkeys-lru", not "noeviction"/);
      expect(logger.warnings[0]).toMatch(/waiting and delayed jobs, the leases of running jobs/);
      await transport.close();
    } finally {
      await lru.stop();
    }
  });

  it('stays quiet with noeviction', async () => {
    const logger = recordingLogger();
    const transport = redisTransport({ url: redis.url, logger });
    transports.push(transport);
    await transport.getJob('q:nothing');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(logger.warnings).toEqual([]);
  });
});
