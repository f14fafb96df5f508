// A partitioned queue (stored as <queue>~<p>of<n>) is one queue on the dashboard: one
// overview entry with its partitions under it, a queue page listing across them, a dead
// filter and charts covering them all, and each partition a queue of its own by its name.
// Jobs are enqueued straight to partition names, as a partitioned producer stores them.
import { PICKUP_BUCKETS_MS } from '@conveyor/core';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { enqueue, killAll, login, type Served, serve } from './helpers.js';

const P0 = 'mail~0of3';
const P1 = 'mail~1of3';
const P2 = 'mail~2of3';

let served: Served;
let client: Awaited<ReturnType<typeof login>>;
beforeEach(async () => {
  served = await serve();
  client = await login(served);
});
afterEach(() => served.close());

async function fill(queue: string, count: number, extra: Parameters<typeof enqueue>[1] = {}) {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(await enqueue(served.transport, { queue, ...extra }));
  return ids;
}

type Page = { jobs: Array<{ id: string; queue: string }>; next: string | null };

/** Every job of a listing, following `next`; and how many pages it took. */
async function readAll(path: string): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const response = await client.get(
      `${path}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as Page;
    ids.push(...body.jobs.map((job) => job.id));
    cursor = body.next;
    pages++;
  } while (cursor !== null && pages < 50);
  return { ids, pages };
}

function histogram(at: number, count: number): number[] {
  const counts = new Array<number>(PICKUP_BUCKETS_MS.length + 1).fill(0);
  counts[at] = count;
  return counts;
}

describe('GET /api/queues', () => {
  test('one entry per queue: a partitioned one has the sums and its partitions', async () => {
    await fill(P0, 2);
    await fill(P2, 1);
    await fill(P2, 1, { delayMs: 60_000 });
    await fill('plain', 1);
    const minute = Math.floor(Date.now() / 60_000);
    await served.transport.metrics?.record([
      {
        queue: P0,
        task: 't',
        minute,
        completed: 3,
        failed: 1,
        retried: 0,
        pickup: histogram(1, 3),
      },
      {
        queue: P2,
        task: 't',
        minute,
        completed: 4,
        failed: 0,
        retried: 2,
        pickup: histogram(2, 4),
      },
    ]);
    const body = await (await client.get('/api/queues')).json();
    const zero = { waiting: 0, delayed: 0, active: 0, dead: 0, finished: 0 };
    expect(body.queues).toEqual([
      {
        name: 'mail',
        counts: { ...zero, waiting: 3, delayed: 1 },
        totals: { completed: 7, failed: 1, retried: 2 },
        partitions: [
          {
            name: P0,
            counts: { ...zero, waiting: 2 },
            totals: { completed: 3, failed: 1, retried: 0 },
          },
          {
            name: P2,
            counts: { ...zero, waiting: 1, delayed: 1 },
            totals: { completed: 4, failed: 0, retried: 2 },
          },
        ],
      },
      // A plain queue's entry has no partitions key: as before partitions existed.
      {
        name: 'plain',
        counts: { ...zero, waiting: 1 },
        totals: { completed: 0, failed: 0, retried: 0 },
      },
    ]);
  });
});

describe('GET /api/queues/:queue/jobs', () => {
  test("a partition's page lists its own jobs, with ~ raw or percent-encoded in the path", async () => {
    const own = await fill(P1, 2);
    await fill(P2, 1);
    for (const path of [`/api/queues/${P1}/jobs`, '/api/queues/mail%7E1of3/jobs']) {
      const body = (await (await client.get(path)).json()) as Page;
      expect(body.jobs.map((job) => job.id).sort()).toEqual([...own].sort());
      expect(body.jobs.every((job) => job.queue === P1)).toBe(true);
    }
    // A job id holds the partition's name: found on its partition and on its queue, not elsewhere.
    const id = own[0] as string;
    const find = async (queue: string) =>
      (
        (await (
          await client.get(`/api/queues/${queue}/jobs?id=${encodeURIComponent(id)}`)
        ).json()) as Page
      ).jobs.length;
    expect(await find(P1)).toBe(1);
    expect(await find('mail')).toBe(1);
    expect(await find(P2)).toBe(0);
    expect(await find('mai')).toBe(0);
  });

  test("a partitioned queue's page lists newest first across its partitions", async () => {
    // Due times set the order (latest due first); the partitions interleave.
    const hours = async (queue: string, h: number) =>
      (await fill(queue, 1, { delayMs: h * 3_600_000 }))[0] as string;
    const in1 = await hours(P0, 1);
    const in4 = await hours(P2, 4);
    const in2 = await hours(P2, 2);
    const in3 = await hours(P0, 3);
    const in5 = await hours(P0, 5);
    await fill('mailx', 1, { delayMs: 6 * 3_600_000 });
    const { ids, pages } = await readAll('/api/queues/mail/jobs?state=delayed&limit=2');
    // The empty ~1of3 is passed over; mailx is another queue.
    expect(ids).toEqual([in5, in4, in3, in2, in1]);
    expect(pages).toBe(3);
    // A page's cursor is this queue's: another partitioned queue's list refuses it.
    await fill('news~0of2', 1, { delayMs: 3_600_000 });
    const first = (await (
      await client.get('/api/queues/mail/jobs?state=delayed&limit=2')
    ).json()) as Page;
    const other = await client.get(
      `/api/queues/news/jobs?state=delayed&cursor=${encodeURIComponent(first.next ?? '')}`,
    );
    expect(other.status).toBe(400);
    expect(await other.text()).toContain('the `next` of the previous page of this queue');
    await fill(P0, 1);
    await fill(P2, 2);
    const dead = [
      ...(await killAll(served.transport, P0, 'BOOM')),
      ...(await killAll(served.transport, P2, 'BOOM')),
    ];
    expect(dead).toHaveLength(3);
    expect((await readAll('/api/queues/mail/jobs?state=dead')).ids.sort()).toEqual(dead.sort());
    expect((await readAll('/api/queues/mail/jobs?state=active')).ids).toEqual([]);
  });

  test('pages a queue of 24 partitions to its end', async () => {
    // Its cursor named every partition and outgrew the 512 characters the route took.
    const due: string[] = [];
    for (const round of [0, 1]) {
      for (let p = 0; p < 24; p++) {
        const minutes = round * 24 + p + 1;
        due.push((await fill(`big~${p}of24`, 1, { delayMs: minutes * 60_000 }))[0] as string);
      }
    }
    const { ids, pages } = await readAll('/api/queues/big/jobs?state=delayed&limit=5');
    expect(ids).toEqual(due.reverse());
    expect(pages).toBe(10);
  });

  test('a search by indexed field covers every partition; the fields are those of any', async () => {
    const index = [{ field: 'customerId', value: 'c-7' }];
    const a = await fill(P0, 1, { task: 'mail.send', index });
    const b = await fill(P2, 1, { task: 'mail.send', index });
    await fill(P1, 1, { task: 'mail.digest', index: [{ field: 'day', value: 'mon' }] });
    const fields = await (await client.get('/api/queues/mail/fields')).json();
    expect(fields).toEqual({
      fields: [
        { task: 'mail.digest', field: 'day' },
        { task: 'mail.send', field: 'customerId' },
      ],
    });
    const found = await readAll(
      '/api/queues/mail/jobs?task=mail.send&field=customerId&value=c-7&limit=1',
    );
    expect(found.ids).toEqual([...a, ...b]);
  });

  test('refuses a name that is neither a queue nor a partition', async () => {
    const response = await client.get('/api/queues/mail~3of3/jobs');
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('mail~3of3');
  });
});

describe('dead letters of a partitioned queue', () => {
  test('the queue filter covers its partitions; a partition filter only that one', async () => {
    await fill(P0, 2);
    await fill(P1, 1);
    const dead0 = await killAll(served.transport, P0, 'TIMEOUT');
    const dead1 = await killAll(served.transport, P1, 'TIMEOUT');
    await fill('mailx', 1);
    await killAll(served.transport, 'mailx', 'TIMEOUT');

    expect((await readAll('/api/dead?queue=mail&limit=1')).ids.sort()).toEqual(
      [...dead0, ...dead1].sort(),
    );
    expect((await readAll(`/api/dead?queue=${P1}`)).ids).toEqual(dead1);

    const filter = { queue: 'mail', code: 'TIMEOUT' };
    const preview = await (await client.post('/api/dead/preview', filter)).json();
    expect(preview.count).toBe(3);
    const retried = await (
      await client.post('/api/dead/retry', { ids: preview.ids, filter })
    ).json();
    expect(retried).toEqual({ affected: 3, skipped: 0 });
    const counts = await served.transport.admin?.queueCounts([P0, P1, 'mailx']);
    expect(counts?.map((c) => [c.waiting, c.dead])).toEqual([
      [2, 0],
      [1, 0],
      [0, 1],
    ]);
  });
});

describe('GET /api/metrics', () => {
  test("a queue's series add up its partitions'; a partition asked for is its own", async () => {
    await fill(P0, 1);
    await fill(P1, 1);
    const minute = Math.floor(Date.now() / 60_000);
    const row = (queue: string, completed: number) => ({
      queue,
      task: 't',
      minute,
      completed,
      failed: 0,
      retried: 0,
      pickup: histogram(1, completed),
    });
    await served.transport.metrics?.record([row(P0, 3), row(P1, 5)]);
    const point = (body: { series: Array<{ queue: string; points: Array<{ minute: number }> }> }) =>
      body.series.map((s) => [s.queue, s.points.find((p) => p.minute === minute)]);

    for (const path of ['/api/metrics?minutes=5', '/api/metrics?minutes=5&queue=mail']) {
      expect(point(await (await client.get(path)).json())).toEqual([
        ['mail', expect.objectContaining({ completed: 8, pickupCount: 8 })],
      ]);
    }
    expect(point(await (await client.get(`/api/metrics?minutes=5&queue=${P1}`)).json())).toEqual([
      [P1, expect.objectContaining({ completed: 5 })],
    ]);
  });
});

describe('schedules of a partitioned queue', () => {
  test('listed by the queue or the partition, paused and run by the partition they live in', async () => {
    const schedules = served.transport.schedules;
    if (!schedules) throw new Error('the memory transport has schedules');
    // A partitioned queue's schedule is stored under one partition (picked by its id).
    await schedules.upsert([
      {
        id: 'digest',
        queue: P2,
        task: 'mail.digest',
        every: 60_000,
        tz: 'UTC',
        input: {},
        misfire: 'latest',
        overlap: 'allow',
        enabled: true,
        source: 'runtime',
        maxAttempts: 3,
        priority: 5,
      },
    ]);
    for (const queue of ['mail', P2]) {
      const body = await (await client.get(`/api/schedules?queue=${queue}`)).json();
      expect(body.schedules.map((row: { id: string }) => row.id)).toEqual(['digest']);
    }
    const paused = await client.post(`/api/schedules/${P2}/digest/pause`);
    expect(await paused.json()).toEqual({ schedule: { queue: P2, id: 'digest', paused: true } });
    const run = await (await client.post(`/api/schedules/${P2}/digest/run-now`)).json();
    expect(run.jobId.startsWith(`${P2}:`)).toBe(true);
    expect((await served.transport.getJob(run.jobId))?.envelope.queue).toBe(P2);
  });
});
