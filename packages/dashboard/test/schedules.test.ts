import { type ScheduleSpec, scheduleJob, type Transport } from '@conveyor/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { basic, login, type Served, serve } from './helpers.js';

let served: Served;
let client: Awaited<ReturnType<typeof login>>;
beforeAll(async () => {
  served = await serve({ redact: ['card.number'] });
  client = await login(served);
  // A live worker consumes the tests' queues: runtime schedules there fire (not orphaned).
  await served.transport.admin?.putWorker(
    {
      id: 'schedules-worker',
      hostname: 'host',
      pid: 1,
      queues: ['s-list', 's-pause'],
      tasks: ['shop.lowStockReport'],
      concurrency: 1,
      state: 'running',
      startedAt: Date.now(),
      heartbeatMs: 3_600_000,
      jobs: [],
      counts: { completed: 0, failed: 0, retried: 0 },
    },
    3_600_000,
  );
});
afterAll(() => served.close());

const MINUTE = 60_000;

/** A stored schedule of `queue` (unique per test), every minute, with secrets in its input. */
function spec(queue: string, id: string, extra: Partial<ScheduleSpec> = {}): ScheduleSpec {
  return {
    id,
    queue,
    task: 'shop.lowStockReport',
    every: MINUTE,
    tz: 'UTC',
    input: {
      warehouse: 'berlin',
      card: { number: '4242', brand: 'visa' },
      smtp: { password: 'pw' },
    },
    misfire: 'latest',
    overlap: 'allow',
    enabled: true,
    source: 'runtime',
    maxAttempts: 3,
    priority: 7,
    ...extra,
  };
}

function schedulesOf(transport: Transport) {
  const schedules = transport.schedules;
  if (!schedules) throw new Error('the memory transport has schedules');
  return schedules;
}

async function rows(queue: string) {
  const response = await client.get(`/api/schedules?queue=${queue}`);
  expect(response.status).toBe(200);
  return (await response.json()).schedules as Array<Record<string, unknown>>;
}

async function auditOf(action: string) {
  const body = await (await client.get('/api/audit?limit=1000')).json();
  return (
    body.entries as Array<{
      action: string;
      actor: string;
      queue?: string;
      jobId?: string;
      detail?: unknown;
    }>
  ).filter((entry) => entry.action === action);
}

describe('GET /api/schedules', () => {
  test('lists each schedule with its timing, next 3 fire times, last run and redacted input', async () => {
    const schedules = schedulesOf(served.transport);
    await schedules.upsert([
      spec('s-list', 'low-stock'),
      spec('s-list', 'nightly', {
        every: undefined,
        cron: '0 7 * * *',
        tz: 'Europe/Berlin',
        source: 'code',
      }),
    ]);
    const {
      now,
      schedules: [state],
    } = await schedules.list(['s-list']);
    const slotAt = Math.floor(now / MINUTE) * MINUTE;
    const fired = await schedules.fire({
      scheduleId: 'low-stock',
      revision: state?.revision ?? 0,
      slotAt,
      job: scheduleJob(spec('s-list', 'low-stock'), { id: 's-list:x', enqueuedAt: now }),
    });
    expect(fired.fired).toBe(true);

    const [lowStock, nightly] = await rows('s-list');
    expect(lowStock).toMatchObject({
      queue: 's-list',
      id: 'low-stock',
      task: 'shop.lowStockReport',
      timing: 'every 1m',
      source: 'runtime',
      enabled: true,
      paused: false,
      orphaned: false,
      lastSlotAt: slotAt,
      lastJobId: fired.jobId,
      lastJobState: 'waiting',
      revision: 1,
      input: {
        warehouse: 'berlin',
        card: { number: '[redacted]', brand: 'visa' },
        smtp: { password: '[redacted]' },
      },
    });
    // The job page tells the slot and how late it fired; a run-now job (below) has none.
    const { job } = await (await client.get(`/api/jobs/${encodeURIComponent(fired.jobId)}`)).json();
    expect(job.scheduled).toEqual({
      scheduleId: 'low-stock',
      slotAt,
      firedAt: job.enqueuedAt,
      lateMs: job.enqueuedAt - slotAt,
    });
    expect(job.scheduled.firedAt).toBeGreaterThanOrEqual(now);
    const [first = 0, second = 0, third = 0] = (lowStock?.next ?? []) as number[];
    expect(lowStock?.next).toHaveLength(3);
    expect(first).toBeGreaterThan(slotAt);
    expect([second - first, third - second]).toEqual([MINUTE, MINUTE]);
    // Declared in code, and no worker declares it: orphaned, and listed all the same.
    expect(nightly).toMatchObject({
      id: 'nightly',
      timing: 'cron 0 7 * * * (Europe/Berlin)',
      source: 'code',
      orphaned: true,
    });
    expect(nightly).not.toHaveProperty('lastJobId');
    // Only the asked queue's schedules; a bad queue name is refused.
    expect(await rows('s-none')).toEqual([]);
    expect((await client.get('/api/schedules?queue=no%20such')).status).toBe(400);
  });

  test('serves the /schedules page', async () => {
    const response = await client.get('/schedules');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });
});

describe('POST /api/schedules/<queue>/<id>/…', () => {
  test('pause and resume set the paused flag, audited; a paused schedule lists no next times', async () => {
    await schedulesOf(served.transport).upsert([spec('s-pause', 'digest')]);
    const paused = await client.post('/api/schedules/s-pause/digest/pause');
    expect(paused.status).toBe(200);
    expect(await paused.json()).toEqual({
      schedule: { queue: 's-pause', id: 'digest', paused: true },
    });
    const [row] = await rows('s-pause');
    expect(row).toMatchObject({ paused: true, next: [] });
    const [state] = (await schedulesOf(served.transport).list(['s-pause'])).schedules;
    expect(state?.paused).toBe(true);
    expect(await auditOf('schedule.pause')).toContainEqual(
      expect.objectContaining({ actor: 'ops', queue: 's-pause', detail: { schedule: 'digest' } }),
    );

    const resumed = await client.post('/api/schedules/s-pause/digest/resume');
    expect(await resumed.json()).toEqual({
      schedule: { queue: 's-pause', id: 'digest', paused: false },
    });
    const [after] = await rows('s-pause');
    expect(after).toMatchObject({ paused: false });
    expect(after?.next).toHaveLength(3);
    expect(await auditOf('schedule.resume')).toContainEqual(
      expect.objectContaining({ queue: 's-pause', detail: { schedule: 'digest' } }),
    );
  });

  test('run-now enqueues the stored job under a new id, audited, and leaves the slots alone', async () => {
    await schedulesOf(served.transport).upsert([spec('s-run', 'report')]);
    const response = await client.post('/api/schedules/s-run/report/run-now');
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.schedule).toEqual({ queue: 's-run', id: 'report' });
    const job = await served.transport.getJob(body.jobId);
    expect(job?.state).toBe('waiting');
    expect(job?.envelope).toMatchObject({
      queue: 's-run',
      task: 'shop.lowStockReport',
      maxAttempts: 3,
      priority: 7,
      // Stored as given: redaction is for what leaves the server.
      input: spec('s-run', 'report').input,
    });
    const page = await (await client.get(`/api/jobs/${encodeURIComponent(body.jobId)}`)).json();
    expect(page.job).not.toHaveProperty('scheduled');
    const again = await (await client.post('/api/schedules/s-run/report/run-now')).json();
    expect(again.jobId).not.toBe(body.jobId);
    expect(await auditOf('schedule.run-now')).toContainEqual(
      expect.objectContaining({
        jobId: body.jobId,
        queue: 's-run',
        detail: { schedule: 'report' },
      }),
    );
    // A run-now is not a slot: the schedule's mark does not move.
    const [state] = (await schedulesOf(served.transport).list(['s-run'])).schedules;
    expect(state?.mark).toBeNull();
  });

  test("take a partitioned queue's name and act on the partition its schedule is stored under", async () => {
    const schedules = schedulesOf(served.transport);
    // Stored under one partition, as scheduleSpec routes a schedule of a partitioned queue.
    const partition = 's-parts~2of4';
    await schedules.upsert([spec(partition, 'digest')]);
    const paused = await client.post('/api/schedules/s-parts/digest/pause');
    expect(paused.status).toBe(200);
    expect(await paused.json()).toEqual({
      schedule: { queue: partition, id: 'digest', paused: true },
    });
    expect(await auditOf('schedule.pause')).toContainEqual(
      expect.objectContaining({ queue: partition, detail: { schedule: 'digest' } }),
    );
    const resumed = await client.post('/api/schedules/s-parts/digest/resume');
    expect((await resumed.json()).schedule).toEqual({
      queue: partition,
      id: 'digest',
      paused: false,
    });
    const run = await client.post('/api/schedules/s-parts/digest/run-now');
    expect(run.status).toBe(200);
    const body = await run.json();
    expect(body.schedule).toEqual({ queue: partition, id: 'digest' });
    expect(body.jobId.startsWith(`${partition}:`)).toBe(true);
    expect((await served.transport.getJob(body.jobId))?.envelope.queue).toBe(partition);
    // The partition's own name still works.
    expect((await client.post(`/api/schedules/${partition}/digest/pause`)).status).toBe(200);
    const [state] = (await schedules.list([partition])).schedules;
    expect(state?.paused).toBe(true);
  });

  test('a stored name picks its own schedule; a name whose id is in two partitions is 409', async () => {
    const schedules = schedulesOf(served.transport);
    // The queue was plain, then 2 partitions, then 3: one id stored three times.
    await schedules.upsert([
      spec('s-moved', 'digest'),
      spec('s-moved~1of2', 'digest'),
      spec('s-moved~0of3', 'digest'),
    ]);
    const plain = await client.post('/api/schedules/s-moved/digest/pause');
    expect((await plain.json()).schedule).toEqual({ queue: 's-moved', id: 'digest', paused: true });
    await schedules.remove('s-moved', 'digest');
    const ambiguous = await client.post('/api/schedules/s-moved/digest/run-now');
    expect(ambiguous.status).toBe(409);
    const { error } = await ambiguous.json();
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain('"s-moved~0of3", "s-moved~1of2"');
    expect(await served.transport.admin?.queueCounts(['s-moved~0of3', 's-moved~1of2'])).toEqual([
      expect.objectContaining({ waiting: 0 }),
      expect.objectContaining({ waiting: 0 }),
    ]);
  });

  test('answers 404 for an unknown schedule and 400 for a malformed id', async () => {
    for (const action of ['run-now', 'pause', 'resume']) {
      const missing = await client.post(`/api/schedules/s-none/nope/${action}`);
      expect(missing.status).toBe(404);
      expect((await missing.json()).error.code).toBe('NOT_FOUND');
    }
    const bad = await client.post(`/api/schedules/s-none/${encodeURIComponent('no spaces')}/pause`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toContain('"no spaces"');
  });

  test('refuses without the CSRF token or from a foreign Origin (403 CSRF), changing nothing', async () => {
    await schedulesOf(served.transport).upsert([spec('s-csrf', 'digest')]);
    const noToken = await client.post('/api/schedules/s-csrf/digest/pause', undefined, {
      'x-conveyor-csrf': '',
    });
    const foreign = await client.post('/api/schedules/s-csrf/digest/run-now', undefined, {
      origin: 'http://evil.example',
    });
    for (const response of [noToken, foreign]) {
      expect(response.status).toBe(403);
      expect((await response.json()).error.code).toBe('CSRF');
    }
    const [state] = (await schedulesOf(served.transport).list(['s-csrf'])).schedules;
    expect(state?.paused).toBe(false);
    expect(await served.transport.admin?.queueCounts(['s-csrf'])).toEqual([
      expect.objectContaining({ waiting: 0 }),
    ]);
  });
});

describe('a read-only dashboard', () => {
  test('lists schedules and refuses every schedule action with 405', async () => {
    const own = await serve({ transport: served.transport, readOnly: true });
    try {
      await schedulesOf(served.transport).upsert([spec('s-readonly', 'digest')]);
      const reader = await login(own);
      const list = await (await reader.get('/api/schedules?queue=s-readonly')).json();
      expect(list.schedules).toHaveLength(1);
      for (const action of ['run-now', 'pause', 'resume']) {
        const response = await reader.post(`/api/schedules/s-readonly/digest/${action}`);
        expect(response.status).toBe(405);
        expect((await response.json()).error.code).toBe('METHOD_NOT_ALLOWED');
      }
      const [state] = (await schedulesOf(served.transport).list(['s-readonly'])).schedules;
      expect(state?.paused).toBe(false);
      expect(await served.transport.admin?.queueCounts(['s-readonly'])).toEqual([
        expect.objectContaining({ waiting: 0 }),
      ]);
    } finally {
      await own.close();
    }
  });
});

describe('a transport without the schedules capability', () => {
  test('answers 501 CAPABILITY_MISSING on the API, and still serves the page', async () => {
    const { schedules: _schedules, ...rest } = served.transport;
    const bare = Object.assign(Object.create(Object.getPrototypeOf(served.transport)), rest);
    const own = await serve({ transport: bare });
    try {
      const other = await login(own);
      for (const response of [
        await other.get('/api/schedules'),
        await other.post('/api/schedules/reports/daily/pause'),
        await other.post('/api/schedules/reports/daily/run-now'),
      ]) {
        expect(response.status).toBe(501);
        const { error } = await response.json();
        expect(error.code).toBe('CAPABILITY_MISSING');
        expect(error.message).toMatch(/no schedules capability/);
      }
      const page = await fetch(`${own.url}/schedules`, { headers: { authorization: basic() } });
      expect(page.status).toBe(200);
    } finally {
      await own.close();
    }
  });
});
