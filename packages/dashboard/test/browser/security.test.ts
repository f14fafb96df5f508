// What a browser can and cannot do with the dashboard: nothing without credentials, no
// mutation without the CSRF token, no buttons when read-only, and job data that tries to be
// markup, script, a link or a bidi trick shows as inert text (under the real CSP).

import { memoryTransport } from '@conveyor/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Served, serve } from '../helpers.js';
import { useBrowserPage } from './browser-page.js';
import { deadJob } from './fixtures.js';

const IMG = '<img src=x onerror=window.__pwned=1>';
const SCRIPT = '</script><script>window.__pwned=1</script>';
const JS_URL = 'javascript:window.__pwned=1';
const RLO = '\u202E';
const HUGE = `${'A'.repeat(1024 * 1024 - 3)}END`;

let readOnly: Served;
let hostileId: string;
let plainDeadId: string;
const transport = memoryTransport({ maxPayloadBytes: 4 * 1024 * 1024 });
/** CSP violations the page reported: our own UI must cause none. */
const violations: string[] = [];

// Runs in the page (the test compiles without the DOM library).
declare function getComputedStyle(element: unknown): { unicodeBidi: string };

beforeAll(async () => {
  hostileId = await deadJob(
    transport,
    'hostile',
    {
      task: `${IMG}${RLO}ksat`,
      input: { html: IMG, script: SCRIPT, url: JS_URL, rtl: `invoice ${RLO}fdp.exe`, huge: HUGE },
      idempotencyKey: `${SCRIPT}${RLO}`,
    },
    [
      {
        name: 'Error',
        code: IMG,
        message: `${IMG} ${SCRIPT} ${JS_URL} ${RLO}deliated ${HUGE}`,
        stack: `${SCRIPT}\n${HUGE}`,
      },
    ],
  );
  plainDeadId = await deadJob(transport, 'hostile', { task: 'plain', input: { n: 1 } }, [
    { name: 'Error', message: 'boom' },
  ]);
});

const ui = useBrowserPage({
  transport,
  label: 'security',
  serve: { basePath: '/admin' },
  async prepare(context) {
    await context.exposeFunction('__reportViolation', (text: string) => violations.push(text));
    await context.addInitScript(
      "document.addEventListener('securitypolicyviolation', (e) => window.__reportViolation(e.violatedDirective + ' ' + e.blockedURI))",
    );
  },
});

// Registered after useBrowserPage, so its afterAll runs first: before the transport closes.
beforeAll(async () => {
  readOnly = await serve({ transport, readOnly: true });
});
afterAll(async () => {
  await readOnly?.close();
});

/** Nothing ran and nothing became an element: the checks every hostile page must pass. */
async function expectInert(): Promise<void> {
  expect(await ui.page.evaluate('window.__pwned')).toBeUndefined();
  expect(await ui.page.locator('img').count()).toBe(0);
  expect(await ui.page.locator('a[href^="javascript:" i]').count()).toBe(0);
  // Responsive: the page still answers script, and nothing the UI did broke the CSP.
  expect(await ui.page.evaluate('1 + 1')).toBe(2);
  expect(violations).toEqual([]);
}

describe('dashboard security in the browser', () => {
  it('answers 401 without credentials, and serves no UI', async () => {
    const anonymous = await ui.browser.newContext();
    try {
      const visitor = await anonymous.newPage();
      // Chromium ends a navigation answered 401 with ERR_INVALID_AUTH_CREDENTIALS when no one
      // can type a password; the answer itself is what matters.
      const answered = visitor.waitForResponse(`${ui.served.url}/`);
      await visitor.goto(`${ui.served.url}/`).catch(() => undefined);
      const response = await answered;
      expect(response.status()).toBe(401);
      expect(await response.text()).not.toContain('conveyor-csrf');
      expect(response.headers()['www-authenticate']).toMatch(/^Basic /);
      expect(await visitor.locator('#app').count()).toBe(0);
    } finally {
      await anonymous.close();
    }
  });

  it('answers 403 to a mutation from the page without the CSRF token', async () => {
    await ui.page.goto(`${ui.served.url}/jobs/${encodeURIComponent(plainDeadId)}`);
    await ui.page.getByRole('button', { name: 'Retry' }).waitFor();
    const answer = (await ui.page.evaluate(
      `fetch(${JSON.stringify(`${ui.served.url}/api/jobs/${encodeURIComponent(plainDeadId)}/retry`)}, { method: 'POST', credentials: 'same-origin' })
        .then(async (r) => ({ status: r.status, body: await r.json() }))`,
    )) as { status: number; body: { error: { code: string } } };
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe('CSRF');
    expect((await transport.getJob(plainDeadId))?.state).toBe('dead');
  });

  it('shows no Retry, Cancel or bulk buttons when read-only', async () => {
    await ui.page.goto(`${readOnly.url}/jobs/${encodeURIComponent(plainDeadId)}`);
    await ui.page.locator('dl.props').waitFor();
    expect(await ui.page.locator('.badge.access').textContent()).toBe('read-only');
    expect(await ui.page.getByRole('button', { name: 'Retry' }).count()).toBe(0);
    expect(await ui.page.getByRole('button', { name: 'Cancel' }).count()).toBe(0);
    await ui.page.goto(`${readOnly.url}/dead`);
    await ui.page.locator('table.data-table tbody tr').first().waitFor();
    expect(await ui.page.getByRole('button', { name: /matching/ }).count()).toBe(0);
  });

  it('renders hostile job data as inert text on the job page', async () => {
    await ui.page.goto(`${ui.served.url}/jobs/${encodeURIComponent(hostileId)}`);
    const input = ui.page
      .locator('section', { has: ui.page.getByRole('heading', { name: 'Input' }) })
      .locator('pre');
    await input.waitFor();
    await expectInert();
    const text = (await input.textContent()) ?? '';
    expect(text).toContain(`"html": ${JSON.stringify(IMG)}`);
    expect(text).toContain(JSON.stringify(SCRIPT));
    expect(text).toContain(JSON.stringify(JS_URL));
    // The override shows as an escape, so it cannot reorder the JSON around it.
    expect(text).toContain('"invoice \\u202efdp.exe"');
    expect(text).not.toContain(RLO);
    // 1 MB: cut short, with a way to see it all.
    expect(text.length).toBeLessThan(25_000);
    await ui.page.getByText(IMG, { exact: false }).first().waitFor();
    const task = ui.page.locator('dl.props dd .data').nth(1);
    // Shown escaped, as in the JSON: the override would still reverse the value itself.
    expect(await task.textContent()).toBe(`${IMG}\\u202eksat`);
    expect(await task.getAttribute('dir')).toBe('auto');
    expect(await task.evaluate((el) => getComputedStyle(el).unicodeBidi)).toBe('isolate');
    await ui.shoot('hostile-job', { fullPage: false });

    await ui.page
      .getByRole('button', { name: /Show all \(1\.0M characters\)/ })
      .first()
      .click();
    await expect
      .poll(async () => ((await input.textContent()) ?? '').length)
      .toBeGreaterThan(1024 * 1024);
    expect(await input.textContent()).toContain('AEND"');
    await expectInert();
    // Still usable after drawing a megabyte: links work.
    await ui.page.getByRole('link', { name: 'hostile' }).first().click();
    await ui.page.getByRole('heading', { level: 1, name: 'hostile' }).waitFor();
  });

  it('renders hostile errors and task names as inert text in lists', async () => {
    await ui.page.goto(`${ui.served.url}/queues/hostile?state=dead`);
    const rows = ui.page.locator('table.data-table tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    const row = rows.filter({ hasText: 'deliated' });
    expect(await row.textContent()).toContain(IMG);
    expect(await row.textContent()).toContain(SCRIPT);
    // The megabyte of message is cut in the list, with a way to see it all.
    expect(((await row.textContent()) ?? '').length).toBeLessThan(2000);
    expect(await row.getByRole('button', { name: /show all/ }).count()).toBe(1);
    await expectInert();
    // Each value sits in its own isolated element, and its override shows as an escape.
    expect(await row.textContent()).not.toContain(RLO);
    const isolated = await row
      .locator('.data')
      .evaluateAll((els) =>
        els
          .filter((el) => el.textContent?.includes('\\u202e'))
          .map((el) => getComputedStyle(el).unicodeBidi),
      );
    expect(isolated.length).toBeGreaterThan(0);
    expect(new Set(isolated)).toEqual(new Set(['isolate']));

    await ui.page.goto(`${ui.served.url}/dead?queue=hostile`);
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.filter({ hasText: 'deliated' }).textContent()).toContain(IMG);
    await expectInert();
    await ui.shoot('hostile-dead', { fullPage: false });
  });
});
