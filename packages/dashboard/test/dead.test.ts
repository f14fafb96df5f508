import { memoryTransport } from '@conveyor/core';
import { createManualClock } from '@conveyor/core/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { enqueue, killAll, login, type Served, serve } from './helpers.js';
import { failure, startOrder } from './workflow-fixtures.js';

let served: Served;
let client: Awaited<ReturnType<typeof login>>;
beforeAll(async () => {
  served = await serve();
  client = await login(served);
});
afterAll(() => served.close());

async function deadJobs(
  queue: string,
  count: number,
  code: string,
  task = 'shop.task',
): Promise<string[]> {
  for (let i = 0; i < count; i++) await enqueue(served.transport, { queue, task });
  return killAll(served.transport, queue, code);
}

describe('GET /api/dead', () => {
  test('pages the dead-letter set across queues, filtered by queue, task and code', async () => {
    const a = await deadJobs('dl-a', 3, 'TIMEOUT');
    const b = await deadJobs('dl-b', 2, 'BOOM', 'other.task');
    const ids = (body: { jobs: { id: string }[] }) => body.jobs.map((job) => job.id);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await client.get(
        `/api/dead?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      const body = (await response.json()) as { jobs: { id: string }[]; next: string | null };
      expect(body.jobs.length).toBeLessThanOrEqual(2);
      seen.push(...ids(body));
      cursor = body.next;
      pages++;
    } while (cursor !== null && pages < 20);
    expect(seen.filter((id) => a.includes(id) || b.includes(id)).sort()).toEqual(
      [...a, ...b].sort(),
    );

    const onlyB = await (await client.get('/api/dead?queue=dl-b')).json();
    expect(ids(onlyB).sort()).toEqual([...b].sort());
    const byCode = await (await client.get('/api/dead?code=TIMEOUT&queue=dl-a')).json();
    expect(ids(byCode).sort()).toEqual([...a].sort());
    const byTask = await (await client.get('/api/dead?task=other.task')).json();
    expect(ids(byTask).sort()).toEqual([...b].sort());
    const bad = await client.get('/api/dead?cursor=garbage');
    expect(bad.status).toBe(400);
  });
});

describe('GET /api/dead, the order', () => {
  test('lists the newest deaths first across queues, page after page', async () => {
    // It read the queues one after the other in name order, each newest first.
    const clock = createManualClock();
    const transport = memoryTransport({ clock });
    const own = await serve({ transport });
    const ownClient = await login(own);
    try {
      const died: string[] = [];
      for (const queue of ['dn-b', 'dn-a', 'dn-b', 'dn-c', 'dn-a']) {
        await enqueue(transport, { queue });
        died.push(...(await killAll(transport, queue, 'BOOM')));
        await clock.advance(1_000);
      }
      const listed: string[] = [];
      let cursor: string | null = null;
      do {
        const response = await ownClient.get(
          `/api/dead?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        const body = (await response.json()) as { jobs: { id: string }[]; next: string | null };
        listed.push(...body.jobs.map((job) => job.id));
        cursor = body.next;
      } while (cursor !== null && listed.length < 20);
      expect(listed).toEqual([...died].reverse());
    } finally {
      await own.close();
      await transport.close();
    }
  });
});

describe('bulk actions', () => {
  test('a filter or body key it does not know is refused, not read as no filter', async () => {
    const mine = await deadJobs('dl-typo', 1, 'BOOM');
    await deadJobs('dl-typo-other', 1, 'BOOM');
    // Before: the preview's body is the filter, so { filter: { queue } } and a misspelt
    // "queu" were ignored and it listed the dead jobs of every queue, for a bulk action.
    for (const body of [{ filter: { queue: 'dl-typo' } }, { queu: 'dl-typo' }]) {
      const refused = await client.post('/api/dead/preview', body);
      expect(refused.status).toBe(400);
      expect((await refused.json()).error.message).toMatch(/expected one of queue, task, code/);
    }
    const retry = await client.post('/api/dead/retry', { ids: mine, filter: { queu: 'x' } });
    expect(retry.status).toBe(400);
    const extra = await client.post('/api/dead/purge', { ids: mine, filters: { queue: 'x' } });
    expect(extra.status).toBe(400);
    expect((await extra.json()).error.message).toContain('"filters"');
    const preview = await (await client.post('/api/dead/preview', { queue: 'dl-typo' })).json();
    expect(preview.ids).toEqual(mine);
  });

  test('preview counts, retry affects exactly those ids, and a repeat affects none', async () => {
    const timeouts = await deadJobs('dl-bulk', 4, 'TIMEOUT');
    const others = await deadJobs('dl-bulk', 2, 'BOOM');
    const filter = { queue: 'dl-bulk', code: 'TIMEOUT' };
    const preview = await (await client.post('/api/dead/preview', filter)).json();
    expect(preview.count).toBe(4);
    expect(preview.truncated).toBe(false);
    expect([...preview.ids].sort()).toEqual([...timeouts].sort());

    const first = await (await client.post('/api/dead/retry', { ids: preview.ids, filter })).json();
    expect(first).toEqual({ affected: 4, skipped: 0 });
    for (const id of timeouts) expect((await served.transport.getJob(id))?.state).toBe('waiting');
    for (const id of others) expect((await served.transport.getJob(id))?.state).toBe('dead');

    const repeat = await (
      await client.post('/api/dead/retry', { ids: preview.ids, filter })
    ).json();
    expect(repeat).toEqual({ affected: 0, skipped: 4 });

    const { entries } = await (await client.get('/api/audit?limit=1000')).json();
    const bulk = entries.filter((entry: { action: string }) => entry.action === 'dead.retry');
    expect(
      bulk.slice(-2).map((entry: { detail: { affected: number } }) => entry.detail.affected),
    ).toEqual([4, 0]);
    expect(bulk.at(-2)).toMatchObject({
      actor: 'ops',
      queue: 'dl-bulk',
      detail: { filter, requested: 4 },
      jobIdCount: 4,
    });
    expect([...bulk.at(-2).jobIds].sort()).toEqual([...timeouts].sort());

    // The bulk retry shows on each retried job's page; not on a job it left alone.
    const page = async (id: string) =>
      (await (await client.get(`/api/jobs/${encodeURIComponent(id)}`)).json()) as {
        audit: { id: string; action: string; jobIdCount?: number }[];
      };
    const [retried] = timeouts;
    const onPage = (await page(retried as string)).audit.filter((e) => e.action === 'dead.retry');
    expect(onPage).toEqual([expect.objectContaining({ id: bulk.at(-2).id, jobIdCount: 4 })]);
    const [untouched] = others;
    expect((await page(untouched as string)).audit).toEqual([]);
  });

  test('ids that no longer match the filter are skipped, not acted on', async () => {
    const boom = await deadJobs('dl-filter', 2, 'BOOM');
    const response = await client.post('/api/dead/purge', {
      ids: boom,
      filter: { queue: 'dl-filter', code: 'TIMEOUT' },
    });
    expect(await response.json()).toEqual({ affected: 0, skipped: 2 });
    for (const id of boom) expect((await served.transport.getJob(id))?.state).toBe('dead');
  });

  test('purge deletes the previewed dead jobs; a repeat affects none', async () => {
    const ids = await deadJobs('dl-purge', 3, 'BOOM');
    const preview = await (await client.post('/api/dead/preview', { queue: 'dl-purge' })).json();
    expect(preview).toMatchObject({ count: 3, truncated: false });
    const purged = await (
      await client.post('/api/dead/purge', { ids: preview.ids, filter: { queue: 'dl-purge' } })
    ).json();
    expect(purged).toEqual({ affected: 3, skipped: 0 });
    for (const id of ids) expect(await served.transport.getJob(id)).toBeNull();
    const again = await (
      await client.post('/api/dead/purge', { ids: preview.ids, filter: { queue: 'dl-purge' } })
    ).json();
    expect(again).toEqual({ affected: 0, skipped: 3 });
  });

  test('the preview names the paused queues the retried jobs would wait in', async () => {
    await deadJobs('dl-paused', 2, 'BOOM');
    await deadJobs('dl-running', 1, 'BOOM');
    await served.transport.admin?.pauseQueue('dl-paused');
    const paused = await (await client.post('/api/dead/preview', { queue: 'dl-paused' })).json();
    expect(paused).toMatchObject({ count: 2, stepJobs: 0, paused: ['dl-paused'] });
    const running = await (await client.post('/api/dead/preview', { queue: 'dl-running' })).json();
    expect(running).toMatchObject({ count: 1, stepJobs: 0, paused: [] });
  });

  test('refuses a malformed body with 400', async () => {
    for (const body of [
      { ids: 'x' },
      { ids: [1] },
      { ids: [], filter: 'x' },
      { ids: [], filter: { queue: 'bad name' } },
    ]) {
      const response = await client.post('/api/dead/retry', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
  });
});

describe('a workflow step job', () => {
  test('is not retried: 409 naming its workflow; a bulk retry leaves it dead and counts it', async () => {
    // Its workflow recorded the step's failure: a worker would take the job back only to
    // acknowledge it unrun. The workflow's retry runs the step again, with a new job.
    const order = await startOrder(served.transport);
    const [stepJob] = (await killAll(served.transport, 'inventory', 'NO_STOCK')) as [string];
    expect(stepJob).toBe(`inventory:${order.id}.reserve`);
    await order.settle({ step: 'reserve' }, failure('no stock', 'NO_STOCK'));
    const [plain] = await deadJobs('inventory', 1, 'NO_STOCK');

    const single = await client.post(`/api/jobs/${encodeURIComponent(stepJob)}/retry`);
    expect(single.status).toBe(409);
    const { error } = await single.json();
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain(
      `is a step job of workflow ${order.id} (step "reserve"): retrying the job would not run the step again`,
    );
    expect(error.message).toContain(`POST api/workflows/${order.id}/retry`);
    expect((await served.transport.getJob(stepJob))?.state).toBe('dead');
    // The list names a step job's workflow: its row links there instead of offering Retry.
    const listed = await (await client.get('/api/dead?queue=inventory')).json();
    const rows = new Map(listed.jobs.map((job: { id: string }) => [job.id, job]));
    expect(rows.get(stepJob)).toMatchObject({
      workflow: { id: order.id, step: 'reserve', kind: 'run' },
    });
    expect(rows.get(plain as string)).not.toHaveProperty('workflow');

    const filter = { queue: 'inventory' };
    const preview = await (await client.post('/api/dead/preview', filter)).json();
    expect([...preview.ids].sort()).toEqual([stepJob, plain].sort());
    // Counted apart, so the confirmation does not promise a retry of it.
    expect(preview).toMatchObject({ count: 2, stepJobs: 1, paused: [] });
    const retried = await (
      await client.post('/api/dead/retry', { ids: preview.ids, filter })
    ).json();
    expect(retried).toEqual({ affected: 1, skipped: 1, stepJobs: 1 });
    expect((await served.transport.getJob(stepJob))?.state).toBe('dead');
    expect((await served.transport.getJob(plain as string))?.state).toBe('waiting');
    // A purge takes it like any dead job.
    const purged = await (await client.post('/api/dead/purge', { ids: [stepJob], filter })).json();
    expect(purged).toEqual({ affected: 1, skipped: 0 });
  });
});
