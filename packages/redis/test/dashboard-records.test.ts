import {
  ATTEMPT_HISTORY_LIMIT,
  AUDIT_LIMITS,
  METRICS_RETENTION_MS,
  PICKUP_BUCKETS_MS,
  type TaskMinute,
} from '@conveyor/core';
import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { JOB_AUDIT_TTL_MS } from '../src/audit.js';
import { luaScript } from '../src/scripts.js';
import { usePrivateRedis } from './helpers/private-redis.js';
import { untilRedisTimePasses } from './helpers/util.js';

const { transport, admin } = usePrivateRedis();

describe('attempt history on Redis', () => {
  it('keeps as many attempts as core declares', () => {
    expect(luaScript('settle')).toContain(`local HISTORY_LIMIT = ${ATTEMPT_HISTORY_LIMIT}\n`);
  });

  it('records an expired lease that re-queues the job, then the failure that ends it', async () => {
    const t = transport();
    const queue = uniqueQueue('history-reclaim');
    const envelope = makeEnvelope(queue, { maxAttempts: 2 });
    await t.enqueue([{ envelope }]);
    const [first] = await t.reserve({ queues: [queue], max: 1, leaseMs: 100, consumer: 'a' });
    await untilRedisTimePasses(admin(), first?.leaseExpiresAt ?? 0);
    const requeued = await t.getJob(envelope.id);
    expect(requeued?.state).toBe('waiting');
    expect(requeued?.history).toEqual([
      {
        attempt: 1,
        startedAt: expect.any(Number),
        endedAt: expect.any(Number),
        error: expect.objectContaining({ code: 'LEASE_EXPIRED' }),
      },
    ]);
    const [entry] = requeued?.history ?? [];
    expect(entry?.endedAt).toBeGreaterThanOrEqual(first?.leaseExpiresAt ?? 0);
    expect(entry?.startedAt).toBeLessThan(entry?.endedAt ?? 0);

    const [second] = await t.reserve({ queues: [queue], max: 1, leaseMs: 10_000, consumer: 'b' });
    const error = { name: 'Error', code: 'BOOM', message: 'multi\nline' };
    await t.settle([
      { type: 'fail', id: envelope.id, token: second?.token ?? '', error, deadLetter: true },
    ]);
    const dead = await t.getJob(envelope.id);
    expect(dead?.state).toBe('dead');
    expect(dead?.history?.map((attempt) => [attempt.attempt, attempt.error.code])).toEqual([
      [1, 'LEASE_EXPIRED'],
      [2, 'BOOM'],
    ]);
    expect(dead?.history?.[1]?.error).toEqual(error);
    const [listed] = (await t.admin.listJobs(queue, { state: 'dead' })).jobs;
    expect(listed?.history).toEqual(dead?.history);
  });

  it('keeps the newest attempts, and none for a job that completed first time', async () => {
    const t = transport();
    const queue = uniqueQueue('history-bound');
    // Ahead of `done` on every reserve, whatever its retries do to its place.
    const envelope = makeEnvelope(queue, { maxAttempts: 100, priority: 9 });
    const done = makeEnvelope(queue, { priority: 0 });
    await t.enqueue([{ envelope }, { envelope: done }]);
    const retries = ATTEMPT_HISTORY_LIMIT + 3;
    for (let attempt = 1; attempt <= retries; attempt++) {
      const [held] = await t.reserve({ queues: [queue], max: 1, leaseMs: 10_000, consumer: 'a' });
      expect(held?.envelope.id).toBe(envelope.id);
      const error = { name: 'Error', message: `try ${attempt}` };
      await t.settle([
        { type: 'retry', id: envelope.id, token: held?.token ?? '', error, delayMs: 0 },
      ]);
    }
    const record = await t.getJob(envelope.id);
    expect(record?.history?.map((attempt) => attempt.attempt)).toEqual(
      Array.from(
        { length: ATTEMPT_HISTORY_LIMIT },
        (_, n) => retries - ATTEMPT_HISTORY_LIMIT + 1 + n,
      ),
    );
    const held = await t.reserve({ queues: [queue], max: 2, leaseMs: 10_000, consumer: 'a' });
    const mine = held.find((job) => job.envelope.id === done.id);
    await t.settle([{ type: 'complete', id: done.id, token: mine?.token ?? '', result: null }]);
    expect((await t.getJob(done.id))?.history).toBeUndefined();
  });
});

describe('audit log on Redis', () => {
  it('appends to a trimmed stream and to a per-job list with a TTL, and lists after an id', async () => {
    const t = transport();
    const queue = uniqueQueue('audit');
    const jobId = `${queue}:job-1`;
    const first = await t.admin.appendAudit({ actor: 'ann', action: 'job.retry', jobId, queue });
    const second = await t.admin.appendAudit({
      actor: 'bob',
      action: 'dead.purge',
      queue,
      detail: { count: 3, filter: { task: 'x' } },
    });
    const third = await t.admin.appendAudit({ actor: 'ann', action: 'job.cancel', jobId });
    expect(second.at).toBeGreaterThanOrEqual(first.at);
    expect(first.at).toBeGreaterThan(0);
    expect(second).toMatchObject({ actor: 'bob', detail: { count: 3, filter: { task: 'x' } } });

    const redis = admin();
    const ttl = await redis.pttl(`conveyor:audit:${jobId}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(JOB_AUDIT_TTL_MS);
    expect(await t.admin.listAudit({ jobId })).toEqual([first, third]);
    expect(await t.admin.listAudit({ jobId, after: first.id })).toEqual([third]);
    expect(await t.admin.listAudit({ after: first.id })).toEqual([second, third]);
    expect(await t.admin.listAudit({ after: first.id, limit: 1 })).toEqual([second]);
    const newest = await t.admin.listAudit({ limit: 2 });
    expect(newest).toEqual([second, third]);
    expect(await t.admin.listAudit({ after: third.id })).toEqual([]);
    expect((await t.admin.listAudit({ after: '0' }))[0]).toEqual(first);
    await expect(t.admin.listAudit({ after: 'nope' })).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    });
  });

  it('keeps the newest entries of a job', async () => {
    const t = transport();
    const jobId = `${uniqueQueue('audit-bound')}:job`;
    for (let n = 0; n < AUDIT_LIMITS.perJob + 2; n++) {
      await t.admin.appendAudit({ actor: 'cli', action: 'job.retry', jobId, detail: n });
    }
    const entries = await t.admin.listAudit({ jobId, limit: 1000 });
    expect(entries).toHaveLength(AUDIT_LIMITS.perJob);
    expect(entries[0]?.detail).toBe(2);
    expect(entries.at(-1)?.detail).toBe(AUDIT_LIMITS.perJob + 1);
  });
});

describe('metrics on Redis', () => {
  const counts = (queue: string, task: string, minute: number, n: number): TaskMinute => ({
    queue,
    task,
    minute,
    completed: n,
    failed: 1,
    retried: 0,
    pickup: PICKUP_BUCKETS_MS.map((_, bucket) => (bucket === 2 ? n : 0)).concat([1]),
  });

  it('adds counts to minute hashes that expire and to totals that do not', async () => {
    const t = transport();
    const queue = uniqueQueue('metrics');
    const other = uniqueQueue('metrics-other');
    const minute = Math.floor(Date.now() / 60_000);
    await t.metrics.record([
      counts(queue, 'a.task', minute, 2),
      counts(queue, 'a.task', minute, 3),
      counts(queue, 'b|odd', minute - 1, 1),
      counts(other, 'a.task', minute, 7),
    ]);
    const redis = admin();
    const ttl = await redis.pttl(`conveyor:{${queue}}:m:${minute}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(METRICS_RETENTION_MS);
    expect(await redis.pttl(`conveyor:{${queue}}:mt`)).toBe(-1);

    const read = await t.metrics.read([queue], { fromMinute: minute - 60, toMinute: minute });
    expect(read).toEqual([
      { ...counts(queue, 'a.task', minute, 5), failed: 2, pickup: expect.any(Array) },
      counts(queue, 'b|odd', minute - 1, 1),
    ]);
    expect(read[0]?.pickup[2]).toBe(5);
    expect(read[0]?.pickup.at(-1)).toBe(2);
    expect(
      await t.metrics.read([queue], { fromMinute: minute - 600, toMinute: minute - 300 }),
    ).toEqual([]);
    expect(await t.metrics.totals([other, queue])).toEqual(
      [
        { queue, task: 'a.task', completed: 5, failed: 2, retried: 0 },
        { queue, task: 'b|odd', completed: 1, failed: 1, retried: 0 },
        { queue: other, task: 'a.task', completed: 7, failed: 1, retried: 0 },
      ].sort((a, b) => (a.queue < b.queue ? -1 : a.queue > b.queue ? 1 : 0)),
    );
  });
});
