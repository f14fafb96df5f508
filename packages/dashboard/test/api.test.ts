import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../src/index.js';
import { basic, enqueue, killAll, login, type Served, serve } from './helpers.js';

let served: Served;
let client: Awaited<ReturnType<typeof login>>;
beforeAll(async () => {
  served = await serve({ redact: ['card.number', 'items.*.sku'] });
  client = await login(served);
});
afterAll(() => served.close());

const q = (name: string) => `q-${name}`;

describe('GET /api/queues', () => {
  test('lists every queue with its counts and the worker tally', async () => {
    const queue = q('overview');
    await enqueue(served.transport, { queue });
    await enqueue(served.transport, { queue });
    await enqueue(served.transport, { queue, delayMs: 60_000 });
    await killAll(served.transport, queue);
    await enqueue(served.transport, { queue });
    await served.transport.admin?.putWorker(
      {
        id: 'w1',
        hostname: 'h',
        pid: 1,
        queues: [queue],
        tasks: [],
        concurrency: 5,
        state: 'running',
        startedAt: Date.now(),
        jobs: [],
        counts: { completed: 0, failed: 0, retried: 0 },
      },
      60_000,
    );
    const response = await client.get('/api/queues');
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('server-timing')).toMatch(/^app;dur=\d+(\.\d+)?$/);
    const body = await response.json();
    expect(body.queues.find((each: { name: string }) => each.name === queue)).toEqual({
      name: queue,
      counts: { waiting: 1, delayed: 1, active: 0, dead: 2, finished: 0 },
      totals: { completed: 0, failed: 0, retried: 0 },
    });
    expect(body.workers).toEqual({ live: 1, stale: 0 });
    expect(typeof body.at).toBe('number');
  });
});

describe('GET /api/queues/<name>/jobs', () => {
  test('pages a state newest first by cursor, filtered by task', async () => {
    const queue = q('paging');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(await enqueue(served.transport, { queue, task: i % 2 ? 'odd' : 'even' }));
    const first = await (
      await client.get(`/api/queues/${queue}/jobs?state=waiting&limit=2`)
    ).json();
    expect(first.jobs.map((job: { id: string }) => job.id)).toEqual([ids[4], ids[3]]);
    expect(first.jobs[0]).toMatchObject({
      queue,
      task: 'even',
      state: 'waiting',
      attempts: 0,
      maxAttempts: 1,
      priority: 5,
    });
    expect(first.jobs[0]).not.toHaveProperty('input');
    const second = await (
      await client.get(
        `/api/queues/${queue}/jobs?state=waiting&limit=2&cursor=${encodeURIComponent(first.next)}`,
      )
    ).json();
    expect(second.jobs.map((job: { id: string }) => job.id)).toEqual([ids[2], ids[1]]);
    const odd = await (await client.get(`/api/queues/${queue}/jobs?state=waiting&task=odd`)).json();
    expect(odd).toEqual({
      jobs: [expect.objectContaining({ id: ids[3] }), expect.objectContaining({ id: ids[1] })],
      next: null,
    });
  });

  test('lists the finished jobs of one final state: failed, without the completed ones', async () => {
    const queue = q('ended');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await enqueue(served.transport, { queue }));
    const held = await served.transport.reserve({
      queues: [queue],
      max: 3,
      leaseMs: 60_000,
      consumer: 'api-test',
    });
    expect(held.map((job) => job.envelope.id)).toEqual(ids);
    const error = { name: 'Error', message: 'bounced', code: 'BOUNCED' };
    for (const [n, { envelope, token }] of held.entries()) {
      const { id } = envelope;
      await served.transport.settle([
        n === 1
          ? { type: 'fail', id, token, error, deadLetter: false }
          : { type: 'complete', id, token, result: n },
      ]);
    }
    const failed = await (await client.get(`/api/queues/${queue}/jobs?state=failed`)).json();
    expect(failed).toEqual({
      jobs: [
        expect.objectContaining({
          id: ids[1],
          state: 'failed',
          error: { code: 'BOUNCED', message: 'bounced' },
        }),
      ],
      next: null,
    });
    const completed = await (await client.get(`/api/queues/${queue}/jobs?state=completed`)).json();
    expect(completed.jobs.map((job: { id: string }) => job.id)).toEqual([ids[2], ids[0]]);
    const finished = await (await client.get(`/api/queues/${queue}/jobs?state=finished`)).json();
    expect(finished.jobs).toHaveLength(3);
  });

  test('finds one job by id, in any state, only in its own queue', async () => {
    const queue = q('lookup');
    const id = await enqueue(served.transport, { queue, delayMs: 60_000 });
    const found = await (
      await client.get(`/api/queues/${queue}/jobs?id=${encodeURIComponent(id)}`)
    ).json();
    expect(found).toEqual({
      jobs: [expect.objectContaining({ id, state: 'delayed' })],
      next: null,
    });
    const elsewhere = await (
      await client.get(`/api/queues/${q('other')}/jobs?id=${encodeURIComponent(id)}`)
    ).json();
    expect(elsewhere).toEqual({ jobs: [], next: null });
  });

  test('searches an indexed field, and refuses a redacted one', async () => {
    const queue = q('search');
    const mine = await enqueue(served.transport, {
      queue,
      task: 'shop.charge',
      input: { customerId: 'c-42', card: { number: '4242424242424242' } },
      index: [
        { field: 'customerId', value: 'c-42' },
        { field: 'card.number', value: '4242424242424242' },
      ],
    });
    await enqueue(served.transport, {
      queue,
      task: 'shop.charge',
      input: { customerId: 'c-7' },
      index: [{ field: 'customerId', value: 'c-7' }],
    });
    const fields = await (await client.get(`/api/queues/${queue}/fields`)).json();
    expect(fields).toEqual({ fields: [{ task: 'shop.charge', field: 'customerId' }] });
    const hits = await (
      await client.get(`/api/queues/${queue}/jobs?task=shop.charge&field=customerId&value=c-42`)
    ).json();
    expect(hits.jobs.map((job: { id: string }) => job.id)).toEqual([mine]);
    const refused = await client.get(
      `/api/queues/${queue}/jobs?task=shop.charge&field=card.number&value=4242424242424242`,
    );
    expect(refused.status).toBe(400);
    expect((await refused.json()).error.code).toBe('REDACTED_FIELD');
    const noTask = await client.get(`/api/queues/${queue}/jobs?field=customerId&value=c-42`);
    expect(noTask.status).toBe(400);
  });

  test('answers 400 with the bad value for a bad state, limit or queue name', async () => {
    for (const [path, quoted] of [
      [`/api/queues/${q('x')}/jobs?state=zombie`, '"zombie"'],
      [`/api/queues/${q('x')}/jobs?limit=501`, '"501"'],
      ['/api/queues/bad%20name/jobs', '"bad name"'],
    ] as const) {
      const response = await client.get(path);
      expect(response.status, path).toBe(400);
      const body = await response.json();
      expect(body.error.code).toBe('BAD_REQUEST');
      expect(body.error.message).toContain(quoted);
    }
  });
});

describe('GET /api/jobs/<id>', () => {
  test('shows the job with its input redacted, its history and its audit entries', async () => {
    const queue = q('detail');
    const id = await enqueue(served.transport, {
      queue,
      input: {
        card: { number: '4242424242424242', brand: 'visa' },
        items: [{ sku: 'S-1', qty: 2 }],
        user: { password: 'hunter2', name: 'Ada' },
        apiKey: 'k-123',
      },
      idempotencyKey: 'order-1',
    });
    await killAll(served.transport, queue, 'CARD_DECLINED');
    const response = await client.get(`/api/jobs/${encodeURIComponent(id)}`);
    expect(response.status).toBe(200);
    const text = await response.text();
    for (const secret of ['4242424242424242', 'S-1', 'hunter2', 'k-123'])
      expect(text).not.toContain(secret);
    const { job, audit } = JSON.parse(text);
    expect(job).toMatchObject({
      id,
      queue,
      state: 'dead',
      idempotencyKey: 'order-1',
      input: {
        card: { number: '[redacted]', brand: 'visa' },
        items: [{ sku: '[redacted]', qty: 2 }],
        user: { password: '[redacted]', name: 'Ada' },
        apiKey: '[redacted]',
      },
      error: { code: 'CARD_DECLINED', message: 'failed with CARD_DECLINED' },
    });
    expect(job.history).toEqual([
      expect.objectContaining({
        attempt: 1,
        error: expect.objectContaining({ code: 'CARD_DECLINED' }),
      }),
    ]);
    expect(audit).toEqual([]);
  });

  test('400 naming the partition for a job id whose queue part is no partition', async () => {
    // It answered 404 "it never existed", where the CLI says there is no such partition.
    const response = await client.get(`/api/jobs/${encodeURIComponent('pq~9of3:abc')}`);
    expect(response.status).toBe(400);
    expect((await response.json()).error.message).toBe(
      'Invalid job id "pq~9of3:abc": its queue part "pq~9of3" is no partition: there is no partition 9 of 3: the 3 partitions of pq are numbered 0 to 2.',
    );
  });

  test('404 for a job that is gone', async () => {
    const response = await client.get(`/api/jobs/${encodeURIComponent(`${q('none')}:nope`)}`);
    expect(response.status).toBe(404);
    expect((await response.json()).error.code).toBe('NOT_FOUND');
  });
});

describe('POST /api/jobs/<id>/retry and cancel', () => {
  test('retry moves a dead job to waiting and writes an audit entry naming the user', async () => {
    const queue = q('retry');
    const id = await enqueue(served.transport, { queue });
    await killAll(served.transport, queue);
    const response = await client.post(`/api/jobs/${encodeURIComponent(id)}/retry`);
    expect(response.status).toBe(200);
    expect((await response.json()).job).toMatchObject({ id, state: 'waiting' });
    expect((await served.transport.getJob(id))?.state).toBe('waiting');
    const { audit } = await (await client.get(`/api/jobs/${encodeURIComponent(id)}`)).json();
    expect(audit).toEqual([
      expect.objectContaining({ actor: 'ops', action: 'job.retry', jobId: id, queue }),
    ]);
  });

  test('retry of a job that is not dead is a 409 that says its state', async () => {
    const id = await enqueue(served.transport, { queue: q('retry-waiting') });
    const response = await client.post(`/api/jobs/${encodeURIComponent(id)}/retry`);
    expect(response.status).toBe(409);
    const body = await response.json();
    expect(body.error.code).toBe('CONFLICT');
    expect(body.error.message).toContain('is waiting, not dead');
  });

  test('cancel cancels a waiting job and is audited', async () => {
    const id = await enqueue(served.transport, { queue: q('cancel') });
    const response = await client.post(`/api/jobs/${encodeURIComponent(id)}/cancel`);
    expect(await response.json()).toEqual({ result: 'cancelled' });
    expect((await served.transport.getJob(id))?.state).toBe('cancelled');
    const again = await client.post(`/api/jobs/${encodeURIComponent(id)}/cancel`);
    expect(await again.json()).toEqual({ result: 'finished' });
    const { entries } = await (
      await client.get(`/api/audit?jobId=${encodeURIComponent(id)}`)
    ).json();
    expect(entries.map((entry: { detail: unknown }) => entry.detail)).toEqual([
      { result: 'cancelled' },
      { result: 'finished' },
    ]);
  });
});

describe('HTTP', () => {
  test('every response carries the security headers', async () => {
    for (const path of ['/', '/api/queues', '/assets/app.js', '/nope/nope', '/api/nope']) {
      const response = await client.get(path);
      expect(response.headers.get('content-security-policy'), path).toBe(CONTENT_SECURITY_POLICY);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      await response.arrayBuffer();
    }
    const unauthorized = await fetch(`${served.url}/`);
    expect(unauthorized.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });

  test('unknown API routes are 404, wrong methods 405 with Allow', async () => {
    const missing = await client.get('/api/nope');
    expect(missing.status).toBe(404);
    const wrong = await client.get('/api/dead/retry');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    const page = await fetch(`${served.url}/`, {
      method: 'POST',
      headers: { authorization: basic() },
    });
    expect(page.status).toBe(405);
  });

  test("HEAD answers the GET's status and headers without a body, and opens no stream", async () => {
    const head = await client.get('/api/queues', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await head.text()).toBe('');
    const events = await client.get('/api/events', { method: 'HEAD' });
    expect(events.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(served.dashboard.openStreams).toBe(0);
  });

  test('a body over 1 MiB is refused with 413 before it is read whole', async () => {
    const response = await client.post('/api/dead/preview', { filler: 'x'.repeat(1024 * 1024) });
    expect(response.status).toBe(413);
    expect((await response.json()).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  test('a malformed JSON body is a 400', async () => {
    const response = await fetch(`${served.url}/api/dead/preview`, {
      method: 'POST',
      headers: {
        authorization: basic(),
        cookie: client.cookie,
        origin: served.origin,
        'x-conveyor-csrf': client.csrf,
      },
      body: '{"queue":',
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error.code).toBe('BAD_REQUEST');
  });

  test('assets are served by hash with immutable caching, gzipped when accepted', async () => {
    const shell = await (await client.get('/')).text();
    const src = /<script type="module" src="([^"]+)"><\/script>/.exec(shell)?.[1] ?? '';
    expect(src).toMatch(/^\/assets\/app\.js\?v=.+/);
    const asset = await fetch(`${served.origin}${src}`, {
      headers: { authorization: basic(), 'accept-encoding': 'gzip' },
    });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
    // Behind authentication: a shared cache must not keep it.
    expect(asset.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    expect(asset.headers.get('content-encoding')).toBe('gzip');
    expect((await asset.text()).length).toBeGreaterThan(0);
    const stale = await client.get('/assets/app.js?v=old');
    expect(stale.headers.get('cache-control')).toBe('private, no-cache');
    const hash = src.slice(src.indexOf('?v=') + 3);
    for (const query of [`?v=${hash}&v=old`, `?v=old&v=${hash}`, `?v=${hash}x`, '']) {
      const other = await client.get(`/assets/app.js${query}`);
      expect(other.status).toBe(200);
      expect(other.headers.get('cache-control')).toBe('private, no-cache');
    }
    const etag = stale.headers.get('etag') ?? '';
    const notModified = await client.get('/assets/app.js', { headers: { 'if-none-match': etag } });
    expect(notModified.status).toBe(304);
    expect((await client.get('/assets/nope.js')).status).toBe(404);
  });

  test('the shell links an icon the server serves, so a browser does not ask for a missing /favicon.ico', async () => {
    const shell = await (await client.get('/')).text();
    const href = /<link rel="icon" type="image\/svg\+xml" href="([^"]+)">/.exec(shell)?.[1] ?? '';
    expect(href).toMatch(/^\/assets\/icon\.svg\?v=[0-9a-f]{16}$/);
    const icon = await client.get(href.replaceAll('&amp;', '&'));
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(await icon.text()).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  });
});
