import { memoryTransport } from '@conveyor/core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { enqueue, killAll, login, type Served, serve } from './helpers.js';

let served: Served;
let client: Awaited<ReturnType<typeof login>>;
beforeAll(async () => {
  // Room for a 1 MB string (the default cap is 512 KiB).
  served = await serve({ transport: memoryTransport({ maxPayloadBytes: 4 * 1024 * 1024 }) });
  client = await login(served);
});
afterAll(async () => {
  await served.close();
  await served.transport.close();
});

const HOSTILE = [
  '<img src=x onerror="alert(1)">',
  '</script><script>alert(2)</script>',
  'javascript:alert(3)',
  '\u202Egnp.exe',
  '"; DROP TABLE jobs; --',
  '{{constructor.constructor("alert(4)")()}}',
];

test('hostile strings in inputs, task names, keys and errors come back as the same JSON data', async () => {
  const big = 'x'.repeat(1024 * 1024);
  const task = HOSTILE[0] as string;
  const id = await enqueue(served.transport, {
    queue: 'hostile',
    task,
    input: { strings: HOSTILE, big, [HOSTILE[1] as string]: HOSTILE[2] as string },
    idempotencyKey: HOSTILE[3],
  });
  await killAll(served.transport, 'hostile', HOSTILE[1]);

  const response = await client.get(`/api/jobs/${encodeURIComponent(id)}`);
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  const { job } = await response.json();
  expect(job.task).toBe(task);
  expect(job.idempotencyKey).toBe(HOSTILE[3]);
  expect(job.input.strings).toEqual(HOSTILE);
  expect(job.input.big).toBe(big);
  expect(job.input[HOSTILE[1] as string]).toBe(HOSTILE[2]);
  expect(job.error.code).toBe(HOSTILE[1]);

  const list = await (await client.get('/api/queues/hostile/jobs?state=dead')).json();
  expect(list.jobs[0]).toMatchObject({ id, task, error: { code: HOSTILE[1] } });
});

test('the HTML shell holds no job data, only escaped settings, and no inline script or style', async () => {
  await enqueue(served.transport, {
    queue: 'hostile-shell',
    task: HOSTILE[0],
    input: { x: HOSTILE[1] },
  });
  const own = await serve({ title: HOSTILE[1], transport: served.transport });
  try {
    const ownClient = await login(own);
    for (const path of [
      '/',
      '/queues/hostile-shell',
      `/jobs/${encodeURIComponent('hostile-shell:x')}`,
      '/dead',
      '/workers',
      '/schedules',
      '/workflows',
      `/workflows/${encodeURIComponent('wf-x')}`,
      // It answered 404 with the page: a proxy that replaces 404 pages broke the Audit tab.
      '/audit',
    ]) {
      const response = await ownClient.get(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const html = await response.text();
      expect(html).not.toContain('onerror');
      expect(html).not.toContain('</script><script>');
      expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
      // The only script element is the module the CSP allows: no inline code, no inline style.
      expect(html.match(/<script\b[^>]*>/g)).toEqual([
        expect.stringMatching(/^<script type="module" src="\/assets\/app\.js\?v=[^"]+">$/),
      ]);
      expect(html).toMatch(/<script type="module" src="[^"]+"><\/script>/);
      expect(html).not.toMatch(/<style|style=/);
    }
    const missing = await ownClient.get('/no/such/page/here');
    expect(missing.status).toBe(404);
  } finally {
    await own.close();
  }
});
