// Retry from /workflows's Failed tab in headless Chromium, over a memory transport: failed
// placeOrder runs, moved by hand. Each failed row has Retry; it asks first, posts with the
// CSRF token, says where the run went, and the run leaves the list and runs again. A
// read-only dashboard shows no Retry. On a 375 px phone the button is on the run's card.
// Screenshots go to $CONVEYOR_SCREENSHOTS when it is set.

import { actOnWorkflow, memoryTransport } from '@conveyor/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Served, serve } from '../helpers.js';
import { failure, startOrder, withWorkflows } from '../workflow-fixtures.js';
import { useBrowserPage } from './browser-page.js';

const transport = memoryTransport();
const pageErrors: string[] = [];
let readOnly: Served;
const failed: string[] = [];

/** A placeOrder run whose `ship` step failed: the workflow failed (ship has no compensation). */
async function failedOrder(): Promise<string> {
  const run = await startOrder(transport);
  await run.settle({ step: 'reserve' }, { ok: true, result: {} });
  await run.settle({ step: 'ship' }, failure('warehouse API answered 503', 'HTTP_503'));
  return run.id;
}

beforeAll(async () => {
  for (let i = 0; i < 3; i++) failed.push(await failedOrder());
});

const ui = useBrowserPage({ transport, label: 'workflow retry', colorScheme: 'light' });

// Registered after useBrowserPage, so its afterAll runs first: before the transport closes.
beforeAll(async () => {
  readOnly = await serve({ transport, readOnly: true });
  ui.page.on('pageerror', (error) => pageErrors.push(error.message));
  ui.page.on('response', (response) => {
    if (response.status() >= 400) pageErrors.push(`${response.status()} ${response.url()}`);
  });
});
afterAll(async () => {
  await readOnly?.close();
});

const rowOf = (id: string, page = ui.page) =>
  page.locator('tbody tr', { has: page.getByRole('link', { name: id }) });
const statusOf = async (id: string) => (await withWorkflows(transport).workflows.get(id))?.status;

describe('Retry on the Failed workflows list', () => {
  it('asks first; Cancel leaves the run failed', async () => {
    const [id] = failed as [string];
    await ui.page.goto(`${ui.served.url}/workflows?status=failed`);
    await rowOf(id).getByRole('button', { name: 'Retry' }).click();
    const dialog = ui.page.getByRole('dialog');
    expect(await dialog.getByRole('heading').textContent()).toBe('Retry this workflow?');
    expect(await dialog.textContent()).toBe(
      `Retry this workflow?${id}It runs again from its failed step; completed steps keep their results.CancelRetry workflow`,
    );
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await statusOf(id)).toBe('failed');
    expect(await rowOf(id).count()).toBe(1);
    expect(await ui.page.locator('.notice').count()).toBe(0);
  });

  it('retries the run with the CSRF token: it leaves the list, runs again, and the banner links to it', async () => {
    const [id, other] = failed as [string, string];
    await ui.page.goto(`${ui.served.url}/workflows?status=failed`);
    const row = rowOf(id);
    await row.waitFor();
    expect(await ui.page.locator('table.data-table thead th').allTextContents()).toEqual([
      'Workflow',
      'Failed step',
      'Finished',
      'Started',
      'Actions',
    ]);
    expect(await ui.page.locator('.page-head .summary').textContent()).toBe('3 failed');
    await ui.shoot('workflows-failed-retry');

    await row.getByRole('button', { name: 'Retry' }).click();
    const posted = ui.page.waitForRequest(
      (request) => request.method() === 'POST' && request.url().endsWith('/retry'),
    );
    await ui.page.getByRole('dialog').getByRole('button', { name: 'Retry workflow' }).click();
    const request = await posted;
    expect(new URL(request.url()).pathname).toBe(`/api/workflows/${id}/retry`);
    expect(request.headers()['x-conveyor-csrf']).toMatch(/.{16,}/);

    // Two jobs: ship, and confirm beside it, which the failure cancelled.
    const banner = ui.page.locator('.notice-ok');
    await banner.waitFor();
    expect(await banner.textContent()).toBe(
      `Retrying ${id} from the failed step: 2 jobs enqueued. It is running again, under Running.`,
    );
    await rowOf(id).waitFor({ state: 'detached' });
    expect(await rowOf(other).count()).toBe(1);
    expect(await ui.page.locator('.page-head .summary').textContent()).toBe('2 failed');
    expect(await statusOf(id)).toBe('running');
    await ui.shoot('workflows-failed-retried');
    // Its Retry left with the row: focus is on the banner, not dropped to the page's body.
    expect(
      await ui.page.evaluate(
        '[document.activeElement.tagName, document.activeElement.className].join(" ")',
      ),
    ).toBe('DIV notice notice-ok');

    // The banner's link opens the run, running again: its failed step has a new job, waiting.
    await banner.getByRole('link', { name: id }).click();
    await ui.page.getByRole('heading', { level: 1, name: `Workflow ${id}` }).waitFor();
    await ui.page.locator('.page-head .badge', { hasText: 'running' }).waitFor();
    const ship = ui.page.locator('article[data-step="ship"]');
    expect(await ship.getAttribute('data-state')).toBe('ready');
    expect(await ship.textContent()).toContain('retry 1');
    await ship.getByRole('link', { name: 'job' }).click();
    await ui.page.locator('.page-head .badge', { hasText: 'waiting' }).waitFor();
    // And the Running tab lists it.
    await ui.page.goto(`${ui.served.url}/workflows`);
    await rowOf(id).waitFor();
    expect(pageErrors).toEqual([]);
  });

  it('a run retried elsewhere leaves the list on its own; a retry that is refused says why', async () => {
    const [, second, third] = failed as [string, string, string];
    await ui.page.goto(`${ui.served.url}/workflows?status=failed`);
    await rowOf(third).waitFor();
    // Retried from another tab (through the API): the audit stream moves it out.
    const answer = await ui.page.evaluate(
      `fetch(${JSON.stringify(`${ui.served.url}/api/workflows/${third}/retry`)}, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json', 'x-conveyor-csrf': document.querySelector('meta[name="conveyor-csrf"]').content }, body: '{}' }).then((r) => r.status)`,
    );
    expect(answer).toBe(200);
    await rowOf(third).waitFor({ state: 'detached', timeout: 8000 });

    // Retried behind the page's back, before the list was read again: a 409, said plainly.
    await actOnWorkflow(withWorkflows(transport), second, 'retry');
    await rowOf(second).getByRole('button', { name: 'Retry' }).click();
    await ui.page.getByRole('dialog').getByRole('button', { name: 'Retry workflow' }).click();
    const error = ui.page.locator('.notice-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(new RegExp(`^Retry of ${second} failed: .*409`));
    await rowOf(second).waitFor({ state: 'detached' });
    pageErrors.length = 0;
  });

  it('shows no Retry when the dashboard is read-only', async () => {
    const id = await failedOrder();
    await ui.page.goto(`${readOnly.url}/workflows?status=failed`);
    await rowOf(id).waitFor();
    expect(await ui.page.locator('.badge.access').textContent()).toBe('read-only');
    expect(await ui.page.getByRole('button', { name: 'Retry' }).count()).toBe(0);
    expect(await ui.page.locator('table.data-table thead th').allTextContents()).toEqual([
      'Workflow',
      'Failed step',
      'Finished',
      'Started',
    ]);
    expect(await ui.page.locator('p.lead').textContent()).not.toContain('Retry');
  });

  it('on a 375 px phone, Retry is on the card and works; the page does not widen', async () => {
    const id = await failedOrder();
    const phone = await ui.context.newPage();
    try {
      await phone.setViewportSize({ width: 375, height: 740 });
      await phone.goto(`${ui.served.url}/workflows?status=failed`);
      const button = rowOf(id, phone).getByRole('button', { name: 'Retry' });
      await button.waitFor();
      const box = await button.boundingBox();
      expect(box && box.x >= 0 && box.x + box.width <= 375).toBe(true);
      expect(await phone.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
      await ui.shoot('phone-workflows-failed-retry', { page: phone, fullPage: false });
      await button.click();
      await phone.getByRole('dialog').getByRole('button', { name: 'Retry workflow' }).click();
      await phone.locator('.notice-ok').waitFor();
      await rowOf(id, phone).waitFor({ state: 'detached' });
      expect(await statusOf(id)).toBe('running');
      expect(await phone.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
      await ui.shoot('phone-workflows-failed-retried', { page: phone, fullPage: false });
    } finally {
      await phone.close();
    }
  });
});
