import { redisTransport } from '@conveyor/redis';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { enqueue, killAll, login, type Served, serve, sseReader } from './helpers.js';
import { failure, startOrder } from './workflow-fixtures.js';

// The same routes over the Redis transport, on a private redis-server.
let redis: RedisServer;
let served: Served;
let client: Awaited<ReturnType<typeof login>>;
beforeAll(async () => {
  redis = await startRedis();
  served = await serve({
    transport: redisTransport({ url: redis.url, prefix: 'dash' }),
    redact: ['card.number'],
  });
  client = await login(served);
});
afterAll(async () => {
  await served?.close();
  await served?.transport.close();
  await redis?.stop();
});

describe('over Redis', () => {
  test('the overview costs four transport calls however many queues and jobs there are', async () => {
    for (const queue of ['r-a', 'r-b', 'r-c']) {
      for (let i = 0; i < 20; i++) await enqueue(served.transport, { queue });
    }
    const admin = served.transport.admin as NonNullable<typeof served.transport.admin>;
    const spies = [
      vi.spyOn(admin, 'listQueues'),
      vi.spyOn(admin, 'queueCounts'),
      vi.spyOn(admin, 'listWorkers'),
      vi.spyOn(admin, 'listJobs'),
      vi.spyOn(admin, 'listDead'),
    ];
    try {
      const body = await (await client.get('/api/queues')).json();
      expect(body.queues.filter((each: { name: string }) => each.name.startsWith('r-'))).toEqual(
        ['r-a', 'r-b', 'r-c'].map((name) => ({
          name,
          counts: { waiting: 20, delayed: 0, active: 0, dead: 0, finished: 0 },
          totals: { completed: 0, failed: 0, retried: 0 },
        })),
      );
      expect(spies.map((spy) => spy.mock.calls.length)).toEqual([1, 1, 1, 0, 0]);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  test('a job page is one getJob and one listAudit; the input is redacted', async () => {
    const id = await enqueue(served.transport, {
      queue: 'r-job',
      input: { card: { number: '4242424242424242' }, orderId: 'o-1' },
    });
    const getJob = vi.spyOn(served.transport, 'getJob');
    try {
      const response = await client.get(`/api/jobs/${encodeURIComponent(id)}`);
      const text = await response.text();
      expect(text).not.toContain('4242424242424242');
      expect(JSON.parse(text).job.input).toEqual({
        card: { number: '[redacted]' },
        orderId: 'o-1',
      });
      expect(getJob).toHaveBeenCalledTimes(1);
    } finally {
      getJob.mockRestore();
    }
  });

  test('retry of a dead job, audited; search by an indexed field', async () => {
    const id = await enqueue(served.transport, {
      queue: 'r-retry',
      task: 'shop.charge',
      input: { orderId: 'o-77' },
      index: [{ field: 'orderId', value: 'o-77' }],
    });
    await killAll(served.transport, 'r-retry');
    const found = await (
      await client.get('/api/queues/r-retry/jobs?task=shop.charge&field=orderId&value=o-77')
    ).json();
    expect(found.jobs).toEqual([expect.objectContaining({ id, state: 'dead' })]);
    expect(await (await client.get('/api/queues/r-retry/fields')).json()).toEqual({
      fields: [{ task: 'shop.charge', field: 'orderId' }],
    });
    const retried = await client.post(`/api/jobs/${encodeURIComponent(id)}/retry`);
    expect(retried.status).toBe(200);
    expect((await served.transport.getJob(id))?.state).toBe('waiting');
    const { audit } = await (await client.get(`/api/jobs/${encodeURIComponent(id)}`)).json();
    expect(audit).toEqual([
      expect.objectContaining({ actor: 'ops', action: 'job.retry', jobId: id }),
    ]);
  });

  test('bulk preview, retry of those ids, and a repeat that affects none', async () => {
    for (let i = 0; i < 3; i++) await enqueue(served.transport, { queue: 'r-bulk' });
    const dead = await killAll(served.transport, 'r-bulk', 'TIMEOUT');
    const filter = { queue: 'r-bulk', code: 'TIMEOUT' };
    const preview = await (await client.post('/api/dead/preview', filter)).json();
    expect(preview).toMatchObject({ count: 3, truncated: false });
    expect([...preview.ids].sort()).toEqual([...dead].sort());
    expect(
      await (await client.post('/api/dead/retry', { ids: preview.ids, filter })).json(),
    ).toEqual({
      affected: 3,
      skipped: 0,
    });
    expect(
      await (await client.post('/api/dead/retry', { ids: preview.ids, filter })).json(),
    ).toEqual({
      affected: 0,
      skipped: 3,
    });
  });

  test('the event stream follows an enqueue and resumes with Last-Event-ID', async () => {
    const aborter = new AbortController();
    const events = sseReader(await client.get('/api/events', { signal: aborter.signal }));
    const first = await events.next((event) => event.event === 'counts');
    await enqueue(served.transport, { queue: 'r-live' });
    await events.next(
      (event) => event.event === 'counts' && event.data.includes('"name":"r-live"'),
    );
    aborter.abort();

    const id = await enqueue(served.transport, { queue: 'r-resume' });
    await killAll(served.transport, 'r-resume');
    expect((await client.post(`/api/jobs/${encodeURIComponent(id)}/retry`)).status).toBe(200);

    const resumed = new AbortController();
    const again = sseReader(
      await client.get('/api/events', {
        signal: resumed.signal,
        headers: { 'last-event-id': first.id as string },
      }),
    );
    try {
      const replay = await again.next();
      expect(replay.event).toBe('audit');
      expect(JSON.parse(replay.data)).toMatchObject({ action: 'job.retry', jobId: id });
      const counts = await again.next();
      expect(counts.event).toBe('counts');
      expect(counts.id).toBe(replay.id);
    } finally {
      resumed.abort();
    }
  });

  test('lists schedules with their redacted input, and pauses, resumes and runs one now', async () => {
    const schedules = served.transport.schedules as NonNullable<typeof served.transport.schedules>;
    await schedules.upsert([
      {
        id: 'nightly',
        queue: 'r-sched',
        task: 'shop.lowStockReport',
        cron: '0 7 * * *',
        tz: 'Europe/Berlin',
        input: { card: { number: '4242' }, threshold: 5 },
        misfire: 'latest',
        overlap: 'skip',
        enabled: true,
        source: 'runtime',
        maxAttempts: 2,
        priority: 5,
      },
    ]);
    // A live worker consumes the queue: its runtime schedules fire there (not orphaned).
    await served.transport.admin?.putWorker(
      {
        id: 'r-sched-worker',
        hostname: 'host',
        pid: 1,
        queues: ['r-sched'],
        tasks: ['shop.lowStockReport'],
        concurrency: 1,
        state: 'running',
        startedAt: Date.now(),
        heartbeatMs: 600_000,
        jobs: [],
        counts: { completed: 0, failed: 0, retried: 0 },
      },
      600_000,
    );
    const list = await (await client.get('/api/schedules?queue=r-sched')).json();
    expect(list.schedules).toEqual([
      expect.objectContaining({
        id: 'nightly',
        timing: 'cron 0 7 * * * (Europe/Berlin)',
        paused: false,
        input: { card: { number: '[redacted]' }, threshold: 5 },
      }),
    ]);
    expect(list.schedules[0].next).toHaveLength(3);
    expect((await client.post('/api/schedules/r-sched/nightly/pause')).status).toBe(200);
    expect((await schedules.list(['r-sched'])).schedules[0]?.paused).toBe(true);
    expect((await client.post('/api/schedules/r-sched/nightly/resume')).status).toBe(200);
    expect((await schedules.list(['r-sched'])).schedules[0]?.paused).toBe(false);
    const { jobId } = await (await client.post('/api/schedules/r-sched/nightly/run-now')).json();
    expect(await served.transport.getJob(jobId)).toMatchObject({
      state: 'waiting',
      envelope: { task: 'shop.lowStockReport', maxAttempts: 2 },
    });
  });

  test('lists the running workflows, paged by cursor, and leaves out an ended one', async () => {
    const a = await startOrder(served.transport);
    const b = await startOrder(served.transport);
    const c = await startOrder(served.transport);
    await c.workflows.cancel(c.id);
    const ids = async (path: string) => {
      const body = await (await client.get(path)).json();
      return { ids: body.workflows.map((w: { id: string }) => w.id) as string[], next: body.next };
    };
    const all = await ids('/api/workflows');
    expect(all.ids).toEqual(expect.arrayContaining([a.id, b.id]));
    expect(all.ids).not.toContain(c.id);
    const first = await ids('/api/workflows?limit=1');
    const second = await ids(`/api/workflows?limit=1&cursor=${encodeURIComponent(first.next)}`);
    expect([...first.ids, ...second.ids].sort()).toEqual([a.id, b.id].sort());
  });

  test('lists the failed ones with the failed step and error, and the cancelled ones paged by cursor', async () => {
    const failed = await startOrder(served.transport);
    await failed.settle({ step: 'reserve' }, { ok: true, result: {} });
    await failed.settle({ step: 'ship' }, failure('warehouse down', 'HTTP_503'));
    const cancelled = [await startOrder(served.transport), await startOrder(served.transport)];
    for (const run of cancelled) await run.workflows.cancel(run.id);
    const list = async (path: string) => {
      const response = await client.get(path);
      expect(response.status).toBe(200);
      return response.json();
    };
    const failedList = await list('/api/workflows?status=failed');
    expect(failedList.status).toBe('failed');
    const row = failedList.workflows.find((w: { id: string }) => w.id === failed.id);
    expect(row).toMatchObject({
      status: 'failed',
      failure: { step: 'ship', error: { code: 'HTTP_503', message: 'warehouse down' } },
    });
    expect(row.finishedAt).toEqual(expect.any(Number));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const query = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page = await list(`/api/workflows?status=cancelled&limit=1${query}`);
      expect(page.workflows.length).toBeLessThanOrEqual(1);
      seen.push(...page.workflows.map((w: { id: string }) => w.id));
      cursor = page.next;
    } while (cursor);
    expect(seen).toEqual(expect.arrayContaining(cancelled.map((run) => run.id)));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).not.toContain(failed.id);
  });
});
