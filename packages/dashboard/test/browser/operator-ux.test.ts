// What an operator reads and does with ordinary data: the empty result of a task filter that
// read the whole queue, the workers table's columns, a failed schedule action, a long id in a
// link, a job page while another tab bulk-retries it, and the charts after a broker outage.

import { memoryTransport } from '@conveyor/core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { login } from '../helpers.js';
import { useBrowserPage } from './browser-page.js';
import { seedSchedules } from './demo-schedules.js';
import { type Demo, enqueue, seedDemo } from './fixtures.js';

let demo: Demo;
const transport = memoryTransport();

beforeAll(async () => {
  demo = await seedDemo(transport);
  await seedSchedules(transport);
});

const ui = useBrowserPage({ transport, label: 'operator pages' });

describe('operator pages', () => {
  it('a task filter that read the whole queue says no job matches, not that a next page reads on', async () => {
    await ui.page.goto(`${ui.served.url}/queues/emails?state=waiting&task=shop.noSuchTask`);
    const empty = ui.page.locator('tr.empty td');
    await empty.waitFor();
    expect(await empty.textContent()).toBe('No waiting jobs of this task.');
    expect(await ui.page.getByRole('link', { name: 'Next page »' }).count()).toBe(0);
  });

  it('keeps a worker id on one line instead of squeezing its column to a few characters', async () => {
    await ui.page.goto(`${ui.served.url}/workers`);
    const id = ui.page.locator('.worker-id > .data', { hasText: 'worker-a' });
    await id.waitFor();
    // One box per line the inline text takes: `worker-` / `a` would be two.
    expect(await id.evaluate((el) => el.getClientRects().length)).toBe(1);
    const host = ui.page.locator('.worker-id .data.small', { hasText: 'shop-worker-1' }).first();
    expect(await host.evaluate((el) => el.getClientRects().length)).toBe(1);
  });

  it('says which schedule action failed, in words that start the sentence', async () => {
    await ui.page.goto(`${ui.served.url}/schedules`);
    const pause = ui.page.locator('[data-key="maintenance/daily-low-stock/pause"]');
    await pause.waitFor();
    // The page reads its list again every 5 s; on a busy machine that read could land between
    // the removal and the click and take the row away. Its later reads get the list it drew,
    // as a page that has not refreshed yet shows it.
    const drawn = await ui.page.evaluate(
      async (url) => (await fetch(url)).text(),
      `${ui.served.url}/api/schedules`,
    );
    await ui.page.route('**/api/schedules', (route) =>
      route.request().method() === 'GET'
        ? route.fulfill({ status: 200, contentType: 'application/json', body: drawn })
        : route.fallback(),
    );
    try {
      // Removed by someone else after the page drew it.
      await transport.schedules?.remove('maintenance', 'daily-low-stock');
      await pause.click();
      const notice = ui.page.locator('.notice-error');
      await notice.waitFor();
      expect(await notice.textContent()).toMatch(/^Pause failed: No schedule "daily-low-stock"/);
    } finally {
      await ui.page.unroute('**/api/schedules');
    }
  });

  it('cuts a long id in a link with an ellipsis and a tooltip, not a "show all" button inside the link', async () => {
    // A 64-character queue name makes 82-character job ids, longer than the list shows.
    const queue = 'q'.repeat(64);
    const [id] = await enqueue(transport, queue, [{ task: 'shop.noop', input: {} }]);
    await ui.page.goto(`${ui.served.url}/queues/${queue}`);
    const job = ui.page.locator('tbody a.mono');
    await job.waitFor();
    expect(await job.locator('button').count()).toBe(0);
    expect(await job.locator('.data').getAttribute('title')).toBe(id);
    expect(await job.textContent()).toMatch(/…$/);
    await job.click();
    await ui.page.waitForURL(`**/jobs/${encodeURIComponent(id as string)}`);
  });

  it("a dead job's page shows a bulk retry made from another tab", async () => {
    await ui.page.goto(`${ui.served.url}/jobs/${encodeURIComponent(demo.deadEmail)}`);
    const state = ui.page.locator('.page-head .badge');
    await expect.poll(() => state.textContent()).toBe('dead');
    // The dead-letter page's Retry all matching, elsewhere: preview, then retry the ids.
    const other = await login(ui.served);
    const filter = { queue: 'emails' };
    const preview = (await (await other.post('/api/dead/preview', filter)).json()) as {
      ids: string[];
    };
    expect(preview.ids).toContain(demo.deadEmail);
    const retried = await other.post('/api/dead/retry', { ids: preview.ids, filter });
    expect(retried.status).toBe(200);
    await expect.poll(() => state.textContent()).toBe('waiting');
  });

  it("the overview's charts come back with the broker, without waiting for their 30 s reload", async () => {
    await ui.page.goto(`${ui.served.url}/`);
    await ui.page.locator('.live-status[data-status="live"]').waitFor();
    const down = vi
      .spyOn(transport.admin, 'listQueues')
      .mockRejectedValue(new Error('Connection is closed'));
    const message = ui.page.locator('.charts-message', { hasText: 'Metrics could not be loaded' });
    try {
      // A fresh page while the broker is down: its metrics fail to load.
      await ui.page.reload();
      await ui.page.locator('.live-status[data-status="unavailable"]').waitFor({ timeout: 15_000 });
      await message.waitFor();
      // Said across the charts' grid, not squeezed into its first column.
      const grid = await ui.page.locator('.charts').boundingBox();
      expect((await message.boundingBox())?.width).toBe(grid?.width);
      expect(await ui.page.locator('#chart-scope option').allTextContents()).toEqual([
        'All queues',
      ]);
    } finally {
      down.mockRestore();
    }
    await ui.page.locator('.live-status[data-status="live"]').waitFor({ timeout: 15_000 });
    // Well within the 30 s of the periodic reload.
    await ui.page.locator('figure.chart').first().waitFor({ timeout: 10_000 });
    expect(await message.count()).toBe(0);
  });

  it('a page that failed while the broker was down loads when it is back, and never said Live before', async () => {
    const page = await ui.context.newPage();
    // Every status the header shows, in order, from the page's first paint.
    // A string: it runs in the page, and the tests' types have no DOM.
    await page.addInitScript(`
      const seen = [];
      globalThis.seenStatuses = seen;
      new MutationObserver(() => {
        const status = document.querySelector('.live-status')?.getAttribute('data-status');
        if (status && seen[seen.length - 1] !== status) seen.push(status);
      }).observe(document, { subtree: true, attributes: true, childList: true });
    `);
    const down = [
      vi.spyOn(transport.admin, 'listQueues').mockRejectedValue(new Error('Connection is closed')),
      vi.spyOn(transport, 'getJob').mockRejectedValue(new Error('Connection is closed')),
    ];
    const failed = page.locator('.notice-error', { hasText: 'The job could not be loaded' });
    try {
      await page.goto(`${ui.served.url}/jobs/${encodeURIComponent(demo.deadEmail)}`);
      await page.locator('.live-status[data-status="unavailable"]').waitFor({ timeout: 15_000 });
      await failed.waitFor();
      // It showed "Live" for the seconds before the stream's first event.
      expect(await page.evaluate('globalThis.seenStatuses')).toEqual(['connecting', 'unavailable']);
    } finally {
      for (const spy of down) spy.mockRestore();
    }
    await page.locator('.live-status[data-status="live"]').waitFor({ timeout: 15_000 });
    // It kept its error under "Live" until reloaded by hand.
    await page.locator('.page-head .badge').waitFor({ timeout: 10_000 });
    expect(await failed.count()).toBe(0);
    await page.close();
  });

  it("on a phone, the bar shows the current page's item, scrolled into it", async () => {
    const page = await ui.context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    for (const path of ['/audit', '/schedules']) {
      await page.goto(`${ui.served.url}${path}`);
      const current = page.locator('.nav a[aria-current="page"]');
      await current.waitFor();
      // It sat off the right edge: no sign of which page this is.
      const box = await current.boundingBox();
      expect(box?.x ?? -1, path).toBeGreaterThanOrEqual(0);
      expect((box?.x ?? 0) + (box?.width ?? 0), path).toBeLessThanOrEqual(390);
    }
    await ui.shoot('phone-nav-audit', { page, fullPage: false });
    // An empty table's message is in view, not centred past the edge ("No audit entrie").
    await page.goto(`${ui.served.url}/audit?jobId=no-such-job`);
    const empty = page.locator('tr.empty .empty-message');
    await empty.waitFor();
    const box = await empty.boundingBox();
    expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(390);
    await ui.shoot('phone-empty-audit', { page, fullPage: false });
    await page.close();
  });

  it("a running job's page follows its progress, which changes no count", async () => {
    const [id] = await enqueue(transport, 'progress-q', [
      { task: 'shop.report', input: { day: 1 } },
    ]);
    const [lease] = await transport.reserve({
      queues: ['progress-q'],
      max: 1,
      leaseMs: 60_000,
      consumer: 'test',
    });
    expect(lease?.envelope.id).toBe(id);
    const token = lease?.token as string;
    await transport.renew([{ id: id as string, token, progress: { step: 'row 1' } }], 60_000);
    await ui.page.goto(`${ui.served.url}/jobs/${encodeURIComponent(id as string)}`);
    await ui.page.locator('pre.json', { hasText: 'row 1' }).waitFor();
    await transport.renew([{ id: id as string, token, progress: { step: 'row 2' } }], 60_000);
    // It stayed at "row 1" until reloaded by hand.
    await ui.page.locator('pre.json', { hasText: 'row 2' }).waitFor({ timeout: 10_000 });
  });

  it('a page position the server refuses says why and links back to the first page', async () => {
    await ui.page.goto(`${ui.served.url}/queues/emails?state=waiting&cursor=not-a-cursor`);
    await ui.page.locator('.notice-error', { hasText: 'Jobs could not be loaded' }).waitFor();
    // The error said "start again from the first page" with no way to it.
    await ui.page.getByRole('link', { name: '« First page' }).click();
    await ui.page.locator('table.data-table tbody tr').first().waitFor();
    expect(new URL(ui.page.url()).searchParams.get('cursor')).toBeNull();
    expect(await ui.page.locator('.notice-error').count()).toBe(0);
  });
});
