// /workflows's status tabs in headless Chromium, over a memory transport: a failed, a
// compensated, a cancelled and a running placeOrder workflow, moved by hand. The Failed tab
// lists the failed one with its step and error, is in the URL (Back and reload keep it), opens
// the workflow's page; a hostile error is inert text; a phone does not scroll sideways.
// Screenshots go to $CONVEYOR_SCREENSHOTS when it is set.

import { memoryTransport } from '@conveyor/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { failure, startOrder } from '../workflow-fixtures.js';
import { useBrowserPage } from './browser-page.js';

const IMG = '<img src=x onerror=window.__pwned=1>';
const transport = memoryTransport();
const pageErrors: string[] = [];
let failedId: string;
let compensatedId: string;
let cancelledId: string;
let runningId: string;

beforeAll(async () => {
  const failed = await startOrder(transport);
  await failed.settle({ step: 'reserve' }, { ok: true, result: {} });
  await failed.settle({ step: 'ship' }, failure('warehouse API answered 503', 'HTTP_503'));
  failedId = failed.id;
  const compensated = await startOrder(transport);
  await compensated.settle({ step: 'reserve' }, failure(`${IMG} out of stock`, IMG));
  await compensated.settle({ step: 'reject' }, { ok: true, result: 'rejected' });
  compensatedId = compensated.id;
  const cancelled = await startOrder(transport);
  await cancelled.settle({ step: 'reserve' }, { ok: true, result: {} });
  await cancelled.workflows.cancel(cancelled.id);
  cancelledId = cancelled.id;
  runningId = (await startOrder(transport)).id;
});

const ui = useBrowserPage({ transport, label: 'workflow lists', colorScheme: 'light' });

beforeAll(() => {
  ui.page.on('pageerror', (error) => pageErrors.push(error.message));
  ui.page.on('response', (response) => {
    if (response.status() >= 400) pageErrors.push(`${response.status()} ${response.url()}`);
  });
});

const tabs = () => ui.page.getByRole('navigation', { name: 'Workflow statuses' });
const rowOf = (id: string) =>
  ui.page.locator('tbody tr', { has: ui.page.getByRole('link', { name: id }) });

describe('/workflows status tabs', () => {
  it('the Failed tab lists the failed run with its step and error; it opens, and Back and reload keep the tab', async () => {
    await ui.page.goto(`${ui.served.url}/workflows`);
    await rowOf(runningId).waitFor();
    expect(await tabs().locator('[aria-current="page"]').textContent()).toBe('Running');
    expect(await tabs().getByRole('link').allTextContents()).toEqual([
      'Running',
      'Failed',
      'Compensated',
      'Cancelled',
      'Completed',
    ]);
    expect(await rowOf(failedId).count()).toBe(0);

    await tabs().getByRole('link', { name: 'Failed' }).click();
    const row = rowOf(failedId);
    await row.waitFor();
    expect(new URL(ui.page.url()).search).toBe('?status=failed');
    expect(await tabs().locator('[aria-current="page"]').textContent()).toBe('Failed');
    expect(await ui.page.title()).toMatch(/^Failed · Workflows · /);
    expect(await ui.page.locator('table.data-table thead th').allTextContents()).toEqual([
      'Workflow',
      'Failed step',
      'Finished',
      'Started',
      'Actions',
    ]);
    expect(await row.locator('td').nth(0).textContent()).toBe(`${failedId}shop.placeOrder`);
    expect(await row.locator('td').nth(1).textContent()).toBe(
      'ship HTTP_503 warehouse API answered 503',
    );
    expect(await row.locator('td').nth(2).textContent()).toMatch(/ago$|just now$/);
    for (const other of [runningId, cancelledId, compensatedId]) {
      expect(await rowOf(other).count()).toBe(0);
    }
    expect(await ui.page.locator('.page-head .summary').textContent()).toBe('1 failed');
    await ui.shoot('workflows-failed');

    // The finished time ticks on without a redraw, as the other pages' times do.
    const finished = row.locator('td').nth(2).locator('time');
    const before = await finished.textContent();
    await expect.poll(() => finished.textContent(), { timeout: 8000 }).not.toBe(before);

    await row.getByRole('link', { name: failedId }).click();
    await ui.page.getByRole('heading', { level: 1, name: `Workflow ${failedId}` }).waitFor();
    await ui.page.locator('.page-head .badge', { hasText: 'failed' }).waitFor();
    await ui.page.goBack();
    await rowOf(failedId).waitFor();
    expect(new URL(ui.page.url()).search).toBe('?status=failed');
    expect(await tabs().locator('[aria-current="page"]').textContent()).toBe('Failed');
    await ui.page.reload();
    await rowOf(failedId).waitFor();
    expect(await tabs().locator('[aria-current="page"]').textContent()).toBe('Failed');
    // Back once more: the running list the Failed tab was opened from.
    await ui.page.goBack();
    await rowOf(runningId).waitFor();
    expect(await tabs().locator('[aria-current="page"]').textContent()).toBe('Running');
    expect(pageErrors).toEqual([]);
  });

  it('the Cancelled tab shows the stage each stopped in; an empty tab says what it would list', async () => {
    await ui.page.goto(`${ui.served.url}/workflows?status=cancelled`);
    const row = rowOf(cancelledId);
    await row.waitFor();
    expect(await row.locator('td').nth(1).textContent()).toBe(
      '2 of 4: ship cancelled, confirm cancelled',
    );
    expect(await rowOf(failedId).count()).toBe(0);
    await ui.shoot('workflows-cancelled');

    await tabs().getByRole('link', { name: 'Completed' }).click();
    await ui.page.locator('tr.empty').waitFor();
    expect(await ui.page.locator('tr.empty').textContent()).toBe(
      "No completed workflow within the transport's result TTL.",
    );
    expect(await ui.page.locator('p.lead').textContent()).toContain(
      "Finished workflows are kept for the transport's result TTL",
    );
    expect(pageErrors).toEqual([]);
  });

  it("a compensated run's hostile error is inert text", async () => {
    await ui.page.goto(`${ui.served.url}/workflows?status=compensated`);
    const row = rowOf(compensatedId);
    await row.waitFor();
    expect(await row.locator('td').nth(1).textContent()).toBe(`reserve ${IMG} ${IMG} out of stock`);
    expect(await ui.page.locator('main img').count()).toBe(0);
    expect(await ui.page.evaluate('window.__pwned')).toBeUndefined();
    await ui.shoot('workflows-compensated-hostile');
    expect(pageErrors).toEqual([]);
  });

  it('a status it does not know is the server’s 400, quoted, with the valid ones', async () => {
    await ui.page.goto(`${ui.served.url}/workflows?status=bogus`);
    const box = ui.page.locator('.notice-error');
    await box.waitFor();
    expect(await box.textContent()).toContain(
      'Invalid status "bogus": expected one of running, failed, compensated, cancelled, completed.',
    );
    expect(await tabs().locator('[aria-current="page"]').count()).toBe(0);
    pageErrors.length = 0;
  });

  it('fits a 375 px phone: the tabs scroll in their row, and the page does not widen', async () => {
    const phone = await ui.context.newPage();
    try {
      await phone.setViewportSize({ width: 375, height: 740 });
      for (const status of ['failed', 'cancelled']) {
        await phone.goto(`${ui.served.url}/workflows?status=${status}`);
        await phone.locator('tbody tr a.mono').first().waitFor();
        expect(await phone.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
          375,
        );
        await ui.shoot(`phone-workflows-${status}`, { page: phone });
      }
      // The current tab is on screen.
      const current = phone.locator('nav.tabs [aria-current="page"]');
      const box = await current.boundingBox();
      expect((box?.x ?? -1) >= 0 && (box?.x ?? 0) + (box?.width ?? 0) <= 375).toBe(true);
    } finally {
      await phone.close();
    }
  });
});
