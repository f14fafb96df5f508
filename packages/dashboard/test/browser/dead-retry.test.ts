// Retry on a row of /dead in headless Chromium, over a memory transport: plain dead jobs and
// a dead workflow step job. Each plain row has Retry: it asks as the job's page does, posts
// with the CSRF token, says so, and the job leaves the list, waiting again. A step job's row
// opens its workflow instead (a retry of the job is refused). A read-only dashboard shows no
// Retry. On a 375 px phone the button is on the job's card. Screenshots go to
// $CONVEYOR_SCREENSHOTS when it is set.

import { memoryTransport } from '@conveyor/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll, type Served, serve } from '../helpers.js';
import { failure, startOrder } from '../workflow-fixtures.js';
import { useBrowserPage } from './browser-page.js';
import { deadJob } from './fixtures.js';

const transport = memoryTransport();
const pageErrors: string[] = [];
let readOnly: Served;
const dead: string[] = [];
let stepJob: string;
let workflowId: string;

const TIMEOUT = { name: 'TimeoutError', message: 'SMTP server timed out', code: 'SMTP_TIMEOUT' };

/**
 * A plain dead job, its two attempts failed; on a queue of its own when `queue` is given (a
 * job retried earlier waits on `emails`: it would be the one reserved and killed).
 */
const deadEmail = (n: number, queue = 'emails'): Promise<string> =>
  deadJob(transport, queue, { task: 'send-welcome', input: { user: n } }, [TIMEOUT, TIMEOUT]);

beforeAll(async () => {
  for (let i = 0; i < 3; i++) dead.push(await deadEmail(i));
  // A placeOrder run whose reserve step job died: the workflow recorded the failure.
  const order = await startOrder(transport);
  [stepJob] = (await killAll(transport, 'inventory', 'NO_STOCK')) as [string];
  await order.settle({ step: 'reserve' }, failure('no stock', 'NO_STOCK'));
  workflowId = order.id;
});

const ui = useBrowserPage({ transport, label: 'dead retry', colorScheme: 'light' });

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
  page.locator('tbody tr', { has: page.getByRole('link', { name: id, exact: true }) });
const stateOf = async (id: string) => (await transport.getJob(id))?.state;

describe('Retry on a row of the Dead list', () => {
  it('asks first, as the job page does; Cancel leaves the job dead', async () => {
    const [id] = dead as [string];
    await ui.page.goto(`${ui.served.url}/dead`);
    await rowOf(id).getByRole('button', { name: 'Retry' }).click();
    const dialog = ui.page.getByRole('dialog');
    expect(await dialog.getByRole('heading').textContent()).toBe('Retry this job?');
    expect(await dialog.textContent()).toBe(
      `Retry this job?It moves from dead to waiting with a fresh attempt budget: ${id}CancelRetry job`,
    );
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await stateOf(id)).toBe('dead');
    expect(await rowOf(id).count()).toBe(1);
    expect(await ui.page.locator('.notice').count()).toBe(0);
  });

  it('retries the job with the CSRF token: it leaves the list, waiting again, and the banner links to it', async () => {
    const [id, other] = dead as [string, string];
    await ui.page.goto(`${ui.served.url}/dead`);
    const row = rowOf(id);
    await row.waitFor();
    expect(await ui.page.locator('table.data-table thead th').allTextContents()).toEqual([
      'Job',
      'Queue',
      'Task',
      'Attempts',
      'Died',
      'Error',
      'Actions',
    ]);
    await ui.shoot('dead-retry');

    await row.getByRole('button', { name: 'Retry' }).click();
    const posted = ui.page.waitForRequest(
      (request) => request.method() === 'POST' && request.url().endsWith('/retry'),
    );
    await ui.page.getByRole('dialog').getByRole('button', { name: 'Retry job' }).click();
    const request = await posted;
    expect(new URL(request.url()).pathname).toBe(`/api/jobs/${encodeURIComponent(id)}/retry`);
    expect(request.headers()['x-conveyor-csrf']).toMatch(/.{16,}/);

    const banner = ui.page.locator('.notice-ok');
    await banner.waitFor();
    expect(await banner.textContent()).toBe(`Retried ${id}: the job is now waiting.`);
    await rowOf(id).waitFor({ state: 'detached' });
    expect(await rowOf(other).count()).toBe(1);
    expect(await stateOf(id)).toBe('waiting');
    await ui.shoot('dead-retried');

    // The banner's link opens the job, waiting.
    await banner.getByRole('link', { name: id }).click();
    await ui.page.getByRole('heading', { level: 1, name: `Job ${id}` }).waitFor();
    await ui.page.locator('.page-head .badge', { hasText: 'waiting' }).waitFor();
    expect(pageErrors).toEqual([]);
  });

  it('while the retry is out, the page is busy: no button takes a click until it answers', async () => {
    const id = await deadEmail(7, 'busy');
    // The request is held until the test lets it go: a broker slow to answer.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await ui.page.route('**/api/jobs/*/retry', async (route) => {
      await held;
      await route.continue();
    });
    try {
      await ui.page.goto(`${ui.served.url}/dead`);
      const row = rowOf(id);
      await row.waitFor();
      await row.getByRole('button', { name: 'Retry' }).click();
      await ui.page.getByRole('dialog').getByRole('button', { name: 'Retry job' }).click();
      const root = ui.page.locator('html');
      await ui.page.locator('html.posting').waitFor({ state: 'attached', timeout: 10_000 });
      expect(await root.getAttribute('aria-busy')).toBe('true');
      const retry = row.getByRole('button', { name: 'Retry' });
      // In the page (this file's tsconfig has no DOM library, hence the cast).
      type Styles = { getComputedStyle(element: unknown): { pointerEvents: string } };
      const pointer = await retry.evaluate(
        (button) => (globalThis as unknown as Styles).getComputedStyle(button).pointerEvents,
      );
      expect(pointer).toBe('none');
      release();
      await ui.page.locator('.notice-ok').waitFor({ timeout: 10_000 });
      expect(await root.getAttribute('class')).not.toContain('posting');
      expect(await root.getAttribute('aria-busy')).toBeNull();
      expect(await stateOf(id)).toBe('waiting');
    } finally {
      release();
      await ui.page.unroute('**/api/jobs/*/retry');
    }
  });

  it("a workflow step job's row opens its workflow instead of Retry", async () => {
    await ui.page.goto(`${ui.served.url}/dead`);
    const row = rowOf(stepJob);
    await row.waitFor();
    expect(await row.getByRole('button', { name: 'Retry' }).count()).toBe(0);
    const open = row.getByRole('link', { name: 'Open workflow' });
    expect(await open.getAttribute('href')).toBe(`/workflows/${workflowId}`);
    expect(await open.getAttribute('title')).toBe(
      'A workflow step job: retry its workflow, which runs the step again with a new job.',
    );
    await open.click();
    await ui.page.getByRole('heading', { level: 1, name: `Workflow ${workflowId}` }).waitFor();
    await ui.page.getByRole('button', { name: 'Retry' }).waitFor();
    expect(await stateOf(stepJob)).toBe('dead');
  });

  it('a refused retry says why, and the row leaves once the job is no longer dead', async () => {
    const [, , third] = dead as [string, string, string];
    await ui.page.goto(`${ui.served.url}/dead`);
    await rowOf(third).getByRole('button', { name: 'Retry' }).waitFor();
    // Retried behind the page's back: moved to waiting before the list was read again.
    await transport.admin.retryDead('emails', [third]);
    await rowOf(third).getByRole('button', { name: 'Retry' }).click();
    await ui.page.getByRole('dialog').getByRole('button', { name: 'Retry job' }).click();
    const error = ui.page.locator('.notice-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(
      new RegExp(`^Retry of ${third} failed: .*waiting, not dead`),
    );
    await rowOf(third).waitFor({ state: 'detached' });
    pageErrors.length = 0;
  });

  it('a long queue and task name wrap: Error and Retry stay on screen at 1360 px', async () => {
    const queue = 'ot3-verylongqueuenameverylongqueuenameverylongqueuename';
    const task = `shop.${'veryLongTaskName'.repeat(6)}.run`.slice(0, 104);
    await deadJob(transport, queue, { task, input: {} }, [TIMEOUT]);
    await ui.page.setViewportSize({ width: 1360, height: 860 });
    try {
      await ui.page.goto(`${ui.served.url}/dead?queue=${queue}`);
      // Its id, `<queue>:<random>`, is cut at 64 characters: the list holds only this job.
      const card = ui.page.locator('main tbody tr');
      const retry = card.getByRole('button', { name: 'Retry' });
      await retry.waitFor();
      expect(await card.count()).toBe(1);
      const right = (selector: string) =>
        ui.page
          .locator(selector)
          .first()
          .evaluate((el) => el.getBoundingClientRect().right);
      const width = (await ui.page.evaluate('innerWidth')) as number;
      expect(await retry.evaluate((el) => el.getBoundingClientRect().right)).toBeLessThanOrEqual(
        width,
      );
      expect(await right('main table.data-table')).toBeLessThanOrEqual(
        await right('main .table-wrap'),
      );
      expect(await right('main td[data-label="Error"]')).toBeLessThanOrEqual(width);
      await ui.shoot('dead-long-names-1360');

      // On a 375 px phone the card's lines wrap inside it.
      await ui.page.setViewportSize({ width: 375, height: 740 });
      const cardRight = await card.evaluate((el) => el.getBoundingClientRect().right);
      for (const cell of await card.locator('td, th').all()) {
        expect(await cell.evaluate((el) => el.getBoundingClientRect().right)).toBeLessThanOrEqual(
          cardRight,
        );
      }
      const title = card.locator('a.mono');
      expect(await title.evaluate((el) => el.getBoundingClientRect().right)).toBeLessThanOrEqual(
        cardRight,
      );
      for (const text of await card.locator('.data').all()) {
        expect(await text.evaluate((el) => el.getBoundingClientRect().right)).toBeLessThanOrEqual(
          cardRight,
        );
      }
      await ui.shoot('dead-long-names-375');
    } finally {
      await ui.page.setViewportSize({ width: 1360, height: 860 });
    }
  });

  it('after a keyboard retry, focus moves to the banner, not to the page body', async () => {
    const id = await deadEmail(30, 'emails-keyboard');
    await ui.page.goto(`${ui.served.url}/dead?queue=emails-keyboard`);
    const retry = rowOf(id).getByRole('button', { name: 'Retry' });
    await retry.focus();
    await ui.page.keyboard.press('Enter');
    const confirm = ui.page.getByRole('dialog').getByRole('button', { name: 'Retry job' });
    await confirm.focus();
    await ui.page.keyboard.press('Enter');
    await ui.page.locator('.notice-ok').waitFor();
    await rowOf(id).waitFor({ state: 'detached' });
    expect(await stateOf(id)).toBe('waiting');
    const active = () =>
      ui.page.evaluate(
        '[document.activeElement.tagName, document.activeElement.className].join(" ")',
      );
    await expect.poll(active).toBe('DIV notice notice-ok');
    // The list's redraw after the retry keeps it there.
    await ui.page.waitForTimeout(300);
    expect(await active()).toBe('DIV notice notice-ok');
  });

  it('shows no Retry when the dashboard is read-only', async () => {
    const id = await deadEmail(10, 'emails-read-only');
    await ui.page.goto(`${readOnly.url}/dead`);
    await rowOf(id).waitFor();
    expect(await ui.page.locator('.badge.access').textContent()).toBe('read-only');
    expect(await ui.page.getByRole('button', { name: /Retry/ }).count()).toBe(0);
    expect(await ui.page.getByRole('link', { name: 'Open workflow' }).count()).toBe(0);
    expect(await ui.page.locator('table.data-table thead th').allTextContents()).toEqual([
      'Job',
      'Queue',
      'Task',
      'Attempts',
      'Died',
      'Error',
    ]);
    expect(await ui.page.locator('p.lead').textContent()).not.toContain('Retry');
  });

  it('on a 375 px phone, Retry is on the card and works; the page does not widen', async () => {
    const id = await deadEmail(20, 'emails-phone');
    const phone = await ui.context.newPage();
    try {
      await phone.setViewportSize({ width: 375, height: 740 });
      await phone.goto(`${ui.served.url}/dead`);
      const button = rowOf(id, phone).getByRole('button', { name: 'Retry' });
      await button.waitFor();
      const box = await button.boundingBox();
      expect(box && box.x >= 0 && box.x + box.width <= 375).toBe(true);
      const open = rowOf(stepJob, phone).getByRole('link', { name: 'Open workflow' });
      const linkBox = await open.boundingBox();
      expect(linkBox && linkBox.x >= 0 && linkBox.x + linkBox.width <= 375).toBe(true);
      expect(await phone.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
      await ui.shoot('phone-dead-retry', { page: phone });
      await button.click();
      await phone.getByRole('dialog').getByRole('button', { name: 'Retry job' }).click();
      await phone.locator('.notice-ok').waitFor();
      await rowOf(id, phone).waitFor({ state: 'detached' });
      expect(await stateOf(id)).toBe('waiting');
      expect(await phone.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
      await ui.shoot('phone-dead-retried', { page: phone });
    } finally {
      await phone.close();
    }
  });
});
