import { memoryTransport } from '@conveyor/core';
import Fastify from 'fastify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createDashboard, DashboardError, registerFastify } from '../src/index.js';
import { basic, enqueue, killAll, sseReader } from './helpers.js';

const transport = memoryTransport();
const dashboard = createDashboard({
  transport,
  auth: { username: 'ops', password: 'correct horse battery staple' },
  basePath: '/admin',
  pollMs: 20,
});
// forceCloseConnections: the test's fetch client can leave a socket open that never sent a
// request, which fastify's default ('idle') waits on for its 72 s keep-alive timeout.
const app = Fastify({ forceCloseConnections: true });
app.get('/health', async () => ({ ok: true }));
registerFastify(app, dashboard);
let origin = '';

beforeAll(async () => {
  origin = await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await dashboard.close();
  await app.close();
  await transport.close();
});

const auth = { authorization: basic() };

test('serves the shell under the prefix, beside the app’s own routes', async () => {
  for (const path of [
    '/admin',
    '/admin/',
    '/admin/dead',
    `/admin/jobs/${encodeURIComponent('q:1')}`,
  ]) {
    const page = await fetch(`${origin}${path}`, { headers: auth });
    expect(page.status, path).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<meta name="conveyor-base" content="/admin">');
  }
  expect((await fetch(`${origin}/admin/`)).status).toBe(401);
  expect(await (await fetch(`${origin}/health`)).json()).toEqual({ ok: true });
});

test('streams events, and takes a JSON body for a mutation', async () => {
  const session = await fetch(`${origin}/admin/api/session`, { headers: auth });
  const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0] as string;
  const { csrf } = await session.json();
  const aborter = new AbortController();
  const stream = await fetch(`${origin}/admin/api/events`, {
    headers: { ...auth, cookie },
    signal: aborter.signal,
  });
  expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  const events = sseReader(stream);
  try {
    await events.next((event) => event.event === 'counts');
    const id = await enqueue(transport, { queue: 'fastify' });
    await killAll(transport, 'fastify');
    const retry = await fetch(`${origin}/admin/api/dead/retry`, {
      method: 'POST',
      headers: {
        ...auth,
        cookie,
        origin,
        'x-conveyor-csrf': csrf,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ ids: [id], filter: { queue: 'fastify' } }),
    });
    expect(await retry.json()).toEqual({ affected: 1, skipped: 0 });
    const audit = await events.next((event) => event.event === 'audit');
    expect(JSON.parse(audit.data)).toMatchObject({ action: 'dead.retry', queue: 'fastify' });
    await events.next(
      (event) =>
        event.event === 'counts' && event.data.includes('"name":"fastify","counts":{"waiting":1'),
    );
  } finally {
    aborter.abort();
  }
  await expect.poll(() => dashboard.openStreams, { timeout: 10_000 }).toBe(0);
});

test('refuses a prefix that is not the dashboard’s basePath', () => {
  expect(() => registerFastify(Fastify(), dashboard, { prefix: '/ops' })).toThrow(DashboardError);
});

test('app.close() ends open event streams instead of waiting for their clients', async () => {
  const own = createDashboard({ transport, auth: 'none', pollMs: 20 });
  const ownApp = Fastify();
  registerFastify(ownApp, own);
  const ownOrigin = await ownApp.listen({ port: 0, host: '127.0.0.1' });
  const events = sseReader(await fetch(`${ownOrigin}/api/events`));
  await events.next((event) => event.event === 'counts');
  const closing = ownApp.close();
  expect(await events.ended()).toBe(true);
  await closing;
  expect(own.openStreams).toBe(0);
});
