import { memoryTransport } from '@conveyor/core';
import { createManualClock } from '@conveyor/core/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { login, type Served, serve } from './helpers.js';
import { failure, startOrder } from './workflow-fixtures.js';

// docs/dashboard.md: GET /api/workflows/:id, POST …/cancel and …/retry, on the memory
// transport (it has the workflows capability).
let served: Served;
let client: Awaited<ReturnType<typeof login>>;
beforeAll(async () => {
  served = await serve({ redact: ['card.number'] });
  client = await login(served);
});
afterAll(() => served.close());

async function auditOf(action: string) {
  const body = await (await client.get('/api/audit?limit=1000')).json();
  return (body.entries as Array<{ action: string; jobIds?: unknown; detail?: unknown }>).filter(
    (entry) => entry.action === action,
  );
}

describe('GET /api/workflows', () => {
  test('lists the running workflows in the order they started, with their stage; pages on with next', async () => {
    // A dashboard of its own, on a clock moved by hand, so that the order is known: `a`
    // started first and changed last, and is still listed first.
    const clock = createManualClock();
    const own = await serve({ transport: memoryTransport({ clock }) });
    try {
      const viewer = await login(own);
      const a = await startOrder(own.transport);
      await clock.advance(1_000);
      const b = await startOrder(own.transport);
      await clock.advance(1_000);
      const c = await startOrder(own.transport);
      await clock.advance(1_000);
      await a.settle({ step: 'reserve' }, { ok: true, result: { reserved: true } });
      expect((await viewer.post(`/api/workflows/${c.id}/cancel`)).status).toBe(200);

      const response = await viewer.get('/api/workflows');
      expect(response.status).toBe(200);
      const body = await response.json();
      expect(body.next).toBeUndefined();
      expect(body.workflows).toEqual([
        {
          id: a.id,
          name: 'shop.placeOrder',
          status: 'running',
          stage: 1,
          stages: 4,
          steps: [
            { name: 'ship', state: 'ready' },
            { name: 'confirm', state: 'ready' },
          ],
          createdAt: clock.now() - 3_000,
          updatedAt: clock.now(),
        },
        {
          id: b.id,
          name: 'shop.placeOrder',
          status: 'running',
          stage: 0,
          stages: 4,
          steps: [{ name: 'reserve', state: 'ready' }],
          createdAt: clock.now() - 2_000,
          updatedAt: clock.now() - 2_000,
        },
      ]);

      const first = await (await viewer.get('/api/workflows?limit=1')).json();
      expect(first.workflows.map((w: { id: string }) => w.id)).toEqual([a.id]);
      const second = await (
        await viewer.get(`/api/workflows?limit=1&cursor=${encodeURIComponent(first.next)}`)
      ).json();
      expect(second.workflows.map((w: { id: string }) => w.id)).toEqual([b.id]);
      // The last page, full: no next to an empty page (core reads one more to know).
      expect(second.next).toBeUndefined();

      const bad = await viewer.get('/api/workflows?cursor=nonsense');
      expect(bad.status).toBe(400);
      expect((await bad.json()).error.message).toContain('"nonsense"');
    } finally {
      await own.close();
    }
  });
});

describe('GET /api/workflows?status=', () => {
  test('lists the failed, compensated, cancelled and completed ones, the latest ended first, each with when it finished and why', async () => {
    const clock = createManualClock();
    const own = await serve({ transport: memoryTransport({ clock }) });
    try {
      const viewer = await login(own);
      // failed: ship fails (its onFailure is the default, fail the workflow).
      const failed = await startOrder(own.transport);
      await failed.settle({ step: 'reserve' }, { ok: true, result: {} });
      await clock.advance(1_000);
      await failed.settle({ step: 'ship' }, failure('warehouse down', 'HTTP_503'));
      const failedAt = clock.now();
      // compensated: reserve fails, and its compensation (reject) runs.
      await clock.advance(1_000);
      const compensated = await startOrder(own.transport);
      await compensated.settle({ step: 'reserve' }, failure('<img src=x onerror=alert(1)>'));
      await compensated.settle({ step: 'reject' }, { ok: true, result: 'rejected' });
      // cancelled, twice: the later one is listed first.
      await clock.advance(1_000);
      const cancelled = await startOrder(own.transport);
      await cancelled.workflows.cancel(cancelled.id);
      await clock.advance(1_000);
      const cancelledLater = await startOrder(own.transport);
      await cancelledLater.workflows.cancel(cancelledLater.id);
      // completed: every step done.
      await clock.advance(1_000);
      const completed = await startOrder(own.transport, ['a']);
      await completed.settle({ step: 'reserve' }, { ok: true, result: {} });
      await completed.settle({ step: 'ship' }, { ok: true, result: {} });
      await completed.settle({ step: 'confirm' }, { ok: true, result: {} });
      await completed.expand([{ sku: 'a' }]);
      await completed.settle({ step: 'charge', child: 0 }, { ok: true, result: 1 });
      await completed.settle({ step: 'fulfil' }, { ok: true, result: 'ok' });
      const running = await startOrder(own.transport);

      const list = async (query: string) => {
        const response = await viewer.get(`/api/workflows?${query}`);
        expect(response.status).toBe(200);
        return response.json();
      };
      const ids = (body: { workflows: Array<{ id: string }> }) => body.workflows.map((w) => w.id);

      const failedList = await list('status=failed');
      expect(failedList.status).toBe('failed');
      expect(failedList.next).toBeUndefined();
      expect(failedList.workflows).toEqual([
        {
          id: failed.id,
          name: 'shop.placeOrder',
          status: 'failed',
          stage: 1,
          stages: 4,
          steps: [
            { name: 'ship', state: 'failed' },
            { name: 'confirm', state: 'cancelled' },
          ],
          createdAt: failedAt - 1_000,
          updatedAt: failedAt,
          finishedAt: failedAt,
          failure: {
            step: 'ship',
            error: { name: 'Error', message: 'warehouse down', code: 'HTTP_503' },
          },
        },
      ]);
      const compensatedList = await list('status=compensated');
      expect(ids(compensatedList)).toEqual([compensated.id]);
      expect(compensatedList.workflows[0]).toMatchObject({
        status: 'compensated',
        failure: { step: 'reserve', error: { message: '<img src=x onerror=alert(1)>' } },
      });
      expect(ids(await list('status=cancelled'))).toEqual([cancelledLater.id, cancelled.id]);
      const completedList = await list('status=completed');
      expect(ids(completedList)).toEqual([completed.id]);
      expect(completedList.workflows[0].failure).toBeUndefined();
      // The default is the running list, as before, and says so.
      const runningList = await list('');
      expect(runningList.status).toBe('running');
      expect(ids(runningList)).toEqual([running.id]);
      expect(ids(await list('status=running'))).toEqual([running.id]);
    } finally {
      await own.close();
    }
  });

  test('pages an ended list with next, a page at a time, the latest ended first', async () => {
    const clock = createManualClock();
    const own = await serve({ transport: memoryTransport({ clock }) });
    try {
      const viewer = await login(own);
      const ended: string[] = [];
      for (let index = 0; index < 3; index++) {
        const run = await startOrder(own.transport);
        await run.workflows.cancel(run.id);
        ended.unshift(run.id);
        await clock.advance(1_000);
      }
      const page = async (cursor?: string) =>
        (
          await viewer.get(
            `/api/workflows?status=cancelled&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          )
        ).json();
      const first = await page();
      expect(first.workflows.map((w: { id: string }) => w.id)).toEqual(ended.slice(0, 2));
      expect(first.next).toBe(`${first.workflows[1].finishedAt}:${ended[1]}`);
      const second = await page(first.next);
      expect(second.workflows.map((w: { id: string }) => w.id)).toEqual([ended[2]]);
      expect(second.next).toBeUndefined();
    } finally {
      await own.close();
    }
  });

  test.each(['bogus', 'Failed', 'ended', '<script>'])(
    'status=%s is a 400 BAD_REQUEST quoting it and naming the valid ones',
    async (status) => {
      const response = await client.get(`/api/workflows?status=${encodeURIComponent(status)}`);
      expect(response.status).toBe(400);
      const { error } = await response.json();
      expect(error.code).toBe('BAD_REQUEST');
      expect(error.message).toBe(
        `Invalid status ${JSON.stringify(status)}: expected one of running, failed, compensated, cancelled, completed.`,
      );
    },
  );

  test('a malformed cursor of an ended list is a 400', async () => {
    const bad = await client.get('/api/workflows?status=failed&cursor=nonsense');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toContain('"nonsense"');
  });
});

describe('GET /api/workflows/:id', () => {
  test('answers the tree: stages, step states, attempts, job ids, map counts; the input redacted', async () => {
    const { id, workflows, advance } = await startOrder(served.transport);
    await advance();
    const record = await workflows.get(id);
    const reserveJob = record?.steps.find((step) => step.step === 'reserve')?.jobId;
    const response = await client.get(`/api/workflows/${id}`);
    expect(response.status).toBe(200);
    const { workflow } = await response.json();
    expect(workflow).toMatchObject({
      id,
      name: 'shop.placeOrder',
      status: 'running',
      input: { orderId: 'o-1', card: { number: '[redacted]' } },
      stages: [
        {
          kind: 'step',
          current: false,
          steps: [
            {
              name: 'reserve',
              state: 'completed',
              jobId: reserveJob,
              attempts: { attempts: 0, maxAttempts: 4 },
            },
          ],
        },
        {
          kind: 'parallel',
          steps: [
            { name: 'ship', state: 'completed' },
            { name: 'confirm', state: 'completed' },
          ],
        },
        {
          kind: 'map',
          current: true,
          steps: [
            {
              name: 'charge',
              state: 'running',
              children: {
                total: 3,
                counts: { completed: 1, running: 1, ready: 1, failed: 0 },
                hidden: 0,
              },
            },
          ],
        },
        { kind: 'step', steps: [{ name: 'fulfil', state: 'pending' }] },
      ],
      compensations: [{ name: 'reject', state: 'pending' }],
    });
    // A 16-digit number: a 13-digit timestamp in the tree cannot contain it ('4242' could).
    expect(JSON.stringify(workflow)).not.toContain('4242424242424242');
  });

  test("carries each completed step's and listed child's stored result, through the redactor", async () => {
    const { id, settle, expand } = await startOrder(served.transport);
    await settle(
      { step: 'reserve' },
      { ok: true, result: { reserved: 2, card: { number: '4111111111111111' } } },
    );
    await settle({ step: 'ship' }, { ok: true, result: { id: 's-9' } });
    await settle({ step: 'confirm' }, failure('smtp down'));
    await expand([{ sku: 'a' }, { sku: 'b' }, { sku: 'c' }]);
    await settle({ step: 'charge', child: 1 }, { ok: true, result: 7 });
    const { workflow } = await (await client.get(`/api/workflows/${id}`)).json();
    const [reserve] = workflow.stages[0].steps;
    const [ship, confirm] = workflow.stages[1].steps;
    const [charge] = workflow.stages[2].steps;
    expect(reserve.result).toEqual({ reserved: 2, card: { number: '[redacted]' } });
    expect(ship.result).toEqual({ id: 's-9' });
    // Failed and passed over (onFailure: continue), running or pending: no result.
    expect(confirm).toMatchObject({ state: 'skipped' });
    expect(confirm).not.toHaveProperty('result');
    expect(charge).not.toHaveProperty('result');
    expect(charge.children.shown.map((child: { result?: unknown }) => child.result)).toEqual([
      undefined,
      7,
      undefined,
    ]);
    expect(workflow.stages[3].steps[0]).not.toHaveProperty('result');
    expect(JSON.stringify(workflow)).not.toContain('4111111111111111');
  });

  test('lists the first ten children of a big map unless ?all=1', async () => {
    const skus = Array.from({ length: 40 }, (_, index) => `s${index}`);
    const { id, advance } = await startOrder(served.transport, skus);
    await advance();
    const first = (await (await client.get(`/api/workflows/${id}`)).json()).workflow;
    const children = first.stages[2].steps[0].children;
    expect(children.shown).toHaveLength(10);
    expect(children.hidden).toBe(30);
    const all = (await (await client.get(`/api/workflows/${id}?all=1`)).json()).workflow;
    expect(all.stages[2].steps[0].children.shown).toHaveLength(40);
  });

  test('404 for an unknown workflow, 400 for a malformed id', async () => {
    const missing = await client.get('/api/workflows/wf_nosuchworkflow00');
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('NOT_FOUND');
    const malformed = await client.get('/api/workflows/nope');
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error.message).toContain('Invalid workflow id "nope"');
  });
});

describe('POST /api/workflows/:id/cancel and /retry', () => {
  test('cancel ends a running workflow, cancels its step jobs, and is audited; twice is 409', async () => {
    const { id, workflows, advance } = await startOrder(served.transport);
    await advance();
    const response = await client.post(`/api/workflows/${id}/cancel`);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.workflow).toEqual({ id, status: 'cancelled' });
    expect(body.cancelledJobs).toHaveLength(2);
    expect((await workflows.get(id))?.status).toBe('cancelled');
    for (const jobId of body.cancelledJobs) {
      expect((await served.transport.getJob(jobId))?.state).toBe('cancelled');
    }
    const [entry] = (await auditOf('workflow.cancel')).filter(
      (each) => (each.detail as { workflow?: string }).workflow === id,
    );
    expect(entry).toMatchObject({ detail: { workflow: id, cancelledJobs: 2 } });
    const again = await client.post(`/api/workflows/${id}/cancel`);
    expect(again.status).toBe(409);
    expect((await again.json()).error.message).toContain('is cancelled, not running');
  });

  test('retry runs a failed workflow again from its failed step; a running one is 409', async () => {
    const { id, workflows, settle } = await startOrder(served.transport);
    await settle({ step: 'reserve' }, { ok: true, result: {} });
    const running = await client.post(`/api/workflows/${id}/retry`);
    expect(running.status).toBe(409);
    await settle({ step: 'ship' }, failure('warehouse down', 'HTTP_503'));
    expect((await workflows.get(id))?.status).toBe('failed');
    const response = await client.post(`/api/workflows/${id}/retry`);
    expect(response.status).toBe(200);
    const { enqueuedJobs } = await response.json();
    // ship failed; confirm, cancelled by the failure, runs again beside it.
    expect(enqueuedJobs).toEqual([
      expect.stringMatching(/\.ship\.r1$/),
      expect.stringMatching(/\.confirm\.r1$/),
    ]);
    expect((await served.transport.getJob(enqueuedJobs[0]))?.state).toBe('waiting');
    expect((await workflows.get(id))?.status).toBe('running');
    expect(await auditOf('workflow.retry')).toEqual(
      expect.arrayContaining([expect.objectContaining({ detail: { workflow: id } })]),
    );
  });

  test('need the CSRF token, write access, and a dashboard that is not read-only', async () => {
    const { id, workflows } = await startOrder(served.transport);
    const noToken = await client.post(`/api/workflows/${id}/cancel`, undefined, {
      'x-conveyor-csrf': 'wrong',
    });
    expect(noToken.status).toBe(403);
    expect((await noToken.json()).error.code).toBe('CSRF');
    const own = await serve({ transport: served.transport, readOnly: true });
    try {
      const reader = await login(own);
      expect((await reader.get(`/api/workflows/${id}`)).status).toBe(200);
      const refused = await reader.post(`/api/workflows/${id}/cancel`);
      expect(refused.status).toBe(405);
    } finally {
      await own.close();
    }
    const readers = await serve({
      transport: served.transport,
      auth: undefined,
      authorize: () => 'read',
    });
    try {
      const reader = await login(readers, 'Bearer anyone');
      const refused = await reader.post(`/api/workflows/${id}/retry`);
      expect(refused.status).toBe(403);
      expect((await refused.json()).error.code).toBe('FORBIDDEN');
    } finally {
      await readers.close();
    }
    expect((await workflows.get(id))?.status).toBe('running');
  });

  test('a transport without workflows answers 501 CAPABILITY_MISSING; the page is still served', async () => {
    const { workflows: _workflows, ...rest } = served.transport;
    const bare = Object.assign(Object.create(Object.getPrototypeOf(served.transport)), rest);
    const own = await serve({ transport: bare });
    try {
      const reader = await login(own);
      const response = await reader.get('/api/workflows/wf_nosuchworkflow00');
      expect(response.status).toBe(501);
      expect((await response.json()).error.code).toBe('CAPABILITY_MISSING');
      expect((await reader.get('/workflows/wf_nosuchworkflow00')).status).toBe(200);
    } finally {
      await own.close();
    }
  });
});

describe('GET /api/jobs/:id of a step job', () => {
  test('names the workflow and step it runs', async () => {
    const { id, workflows } = await startOrder(served.transport);
    const jobId = (await workflows.get(id))?.steps[0]?.jobId as string;
    const { job } = await (await client.get(`/api/jobs/${encodeURIComponent(jobId)}`)).json();
    expect(job.workflow).toEqual({ id, step: 'reserve', kind: 'run' });
  });
});
