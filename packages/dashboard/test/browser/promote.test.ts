// Run now of delayed jobs [A14] in the browser: a delayed job's page has Run now, which asks
// and leaves the job waiting (saying so when its queue is paused); a retry waiting out its
// backoff says which attempt it runs; the queue's Delayed list has Run all now, which asks
// with the count; the audit log shows both as `promote`. At desktop and at phone width, with
// screenshots ($CONVEYOR_SCREENSHOTS when it is set).

import { memoryTransport } from '@conveyor/core';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, USER } from '../helpers.js';
import { useBrowserPage } from './browser-page.js';
import { enqueue } from './fixtures.js';

const HOUR = 3_600_000;
const PHONE = 375;
const transport = memoryTransport();
const ui = useBrowserPage({ transport, label: 'run now', colorScheme: 'light' });
const pageErrors: string[] = [];

const later = (task: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ task, input: { n: i }, delayMs: HOUR + i * 60_000 }));

/** A job whose first attempt failed: it waits, delayed, out a 10-minute backoff. */
async function retrying(queue: string): Promise<string> {
  const [id] = (await enqueue(transport, queue, [
    { task: 'shop.charge', input: { order: 41 }, maxAttempts: 5 },
  ])) as [string];
  const [held] = await transport.reserve({
    queues: [queue],
    max: 1,
    leaseMs: 60_000,
    consumer: 'worker-a',
  });
  await transport.settle([
    {
      type: 'retry',
      id,
      token: held?.token as string,
      error: { name: 'Error', code: 'UPSTREAM_DOWN', message: 'payment gateway down' },
      delayMs: 10 * 60_000,
    },
  ]);
  return id;
}

async function runNow(page: Page, id: string): Promise<Locator> {
  await page.goto(`${ui.served.url}/jobs/${encodeURIComponent(id)}`);
  await page.locator('.page-head .badge', { hasText: 'delayed' }).waitFor({ timeout: 10_000 });
  return page.getByRole('button', { name: 'Run now', exact: true });
}

/** Within the phone's width, and the page does not scroll sideways. Polled: lists redraw. */
async function expectOnPhoneScreen(page: Page, locator: Locator): Promise<void> {
  await locator.waitFor({ timeout: 10_000 });
  const look = async (): Promise<string> => {
    const box = await locator.boundingBox();
    if (!box) return 'not drawn';
    if (box.x < 0 || box.x + box.width > PHONE)
      return `drawn from ${box.x} to ${box.x + box.width}`;
    const wide = (await page.evaluate('document.documentElement.scrollWidth')) as number;
    return wide > PHONE ? `the page is ${wide} px wide` : 'on screen';
  };
  await expect.poll(look, { message: String(locator), timeout: 10_000 }).toBe('on screen');
}

beforeAll(() => {
  ui.page.on('pageerror', (error) => pageErrors.push(error.message));
});
afterAll(() => {
  expect(pageErrors).toEqual([]);
});

describe("a delayed job's Run now", () => {
  it('asks, then shows the job waiting', async () => {
    const [id] = (await enqueue(transport, 'mail', later('shop.sendEmail', 1))) as [string];
    const button = await runNow(ui.page, id);
    await ui.shoot('job-delayed');
    await button.click();
    const dialog = ui.page.getByRole('dialog');
    await dialog.getByText('It is delayed until').waitFor({ timeout: 10_000 });
    await ui.shoot('job-run-now-dialog', { fullPage: false });
    await dialog.getByRole('button', { name: 'Run now' }).click();
    await ui.page
      .locator('.notices .notice', { hasText: 'The job is no longer delayed: it is now waiting.' })
      .waitFor({ timeout: 10_000 });
    await ui.page.locator('.page-head .badge', { hasText: 'waiting' }).waitFor({ timeout: 10_000 });
    expect(await button.count()).toBe(0);
    // Its audit, on its page: who ran it now.
    await ui.page
      .locator('section', { hasText: 'Audit' })
      .getByRole('cell', { name: 'job.promote', exact: true })
      .waitFor({ timeout: 10_000 });
    expect((await transport.getJob(id))?.state).toBe('waiting');
    await ui.shoot('job-run-now-done');
  });

  it('a retry waiting out its backoff: the dialog says which attempt runs', async () => {
    const id = await retrying('billing');
    await (await runNow(ui.page, id)).click();
    const dialog = ui.page.getByRole('dialog');
    await dialog
      .getByText('It waits out its backoff before attempt 2 of 5, due')
      .waitFor({ timeout: 10_000 });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await transport.getJob(id))?.state).toBe('delayed');
  });

  it('into a paused queue: says nothing runs it until the queue is resumed', async () => {
    const [id] = (await enqueue(transport, 'held', later('shop.sendEmail', 1))) as [string];
    await transport.admin.pauseQueue('held');
    await (await runNow(ui.page, id)).click();
    await ui.page.getByRole('dialog').getByRole('button', { name: 'Run now' }).click();
    await ui.page
      .locator('.notices .notice', {
        hasText: 'it is now waiting. Queue held is paused: nothing runs it until it is resumed.',
      })
      .waitFor({ timeout: 10_000 });
  });
});

describe("the Delayed list's Run all now", () => {
  it('asks with the count, then runs them all', async () => {
    const ids = await enqueue(transport, 'batch', later('shop.report', 3));
    await enqueue(transport, 'batch', [{ task: 'shop.report', input: {} }]);
    await ui.page.goto(`${ui.served.url}/queues/batch?state=delayed`);
    const button = ui.page.getByRole('button', { name: 'Run all now…' });
    await ui.page.locator('tbody tr').nth(2).waitFor({ timeout: 10_000 });
    await ui.shoot('queue-delayed');
    await button.click();
    const dialog = ui.page.getByRole('dialog');
    await dialog
      .getByRole('heading', { name: 'Run 3 delayed jobs now?' })
      .waitFor({ timeout: 10_000 });
    await ui.shoot('queue-run-all-dialog', { fullPage: false });
    await dialog.getByRole('button', { name: 'Run 3 jobs now' }).click();
    await ui.page
      .locator('.notices .notice', { hasText: 'Moved 3 delayed jobs to waiting.' })
      .waitFor({ timeout: 10_000 });
    await ui.page.getByText('No delayed jobs.').waitFor({ timeout: 10_000 });
    expect(await button.count()).toBe(0);
    await ui.page.locator('[data-count="waiting"]', { hasText: '4' }).waitFor({ timeout: 10_000 });
    for (const id of ids) expect((await transport.getJob(id))?.state).toBe('waiting');
    await ui.shoot('queue-run-all-done');
  });

  it("a partitioned queue's asks for all its partitions' jobs", async () => {
    await enqueue(transport, 'split~0of2', later('shop.sync', 1));
    await enqueue(transport, 'split~1of2', later('shop.sync', 2));
    await ui.page.goto(`${ui.served.url}/queues/split?state=delayed`);
    await ui.page.locator('tbody tr').nth(2).waitFor({ timeout: 10_000 });
    await ui.page.getByRole('button', { name: 'Run all now…' }).click();
    const dialog = ui.page.getByRole('dialog');
    await dialog.getByText('(across its 2 partitions)').waitFor({ timeout: 10_000 });
    await ui.shoot('partitioned-run-all-dialog', { fullPage: false });
    await dialog.getByRole('button', { name: 'Run 3 jobs now' }).click();
    await ui.page
      .locator('.notices .notice', { hasText: 'Moved 3 delayed jobs to waiting.' })
      .waitFor({ timeout: 10_000 });
  });

  it('the audit log shows it as queue.promote, with its jobs and queue', async () => {
    await ui.page.goto(`${ui.served.url}/audit`);
    const row = ui.page.locator('tbody tr', { hasText: 'batch:' });
    await row
      .getByRole('cell', { name: 'queue.promote', exact: true })
      .waitFor({ timeout: 10_000 });
    await row.getByText('3 jobs').waitFor({ timeout: 10_000 });
    await row.getByRole('link', { name: 'batch', exact: true }).waitFor({ timeout: 10_000 });
    await ui.shoot('audit');
  });
});

describe('at phone width', () => {
  it('Run now and Run all now fit the screen, and their dialogs too', async () => {
    const context = await ui.browser.newContext({
      httpCredentials: { username: USER, password: PASSWORD },
      viewport: { width: PHONE, height: 740 },
      colorScheme: 'light',
    });
    try {
      const page = await context.newPage();
      page.on('pageerror', (error) => pageErrors.push(error.message));
      const id = await retrying('phone');
      await enqueue(transport, 'phone', later('shop.sendEmail', 2));
      const button = await runNow(page, id);
      await expectOnPhoneScreen(page, button);
      await ui.shoot('phone-job-delayed', { page });
      await button.click();
      const confirm = page.getByRole('dialog').getByRole('button', { name: 'Run now' });
      await expectOnPhoneScreen(page, confirm);
      await ui.shoot('phone-job-run-now-dialog', { page, fullPage: false });
      await confirm.click();
      await page
        .locator('.notices .notice', { hasText: 'it is now waiting' })
        .waitFor({ timeout: 10_000 });
      await ui.shoot('phone-job-run-now-done', { page });

      await page.goto(`${ui.served.url}/queues/phone?state=delayed`);
      const all = page.getByRole('button', { name: 'Run all now…' });
      await expectOnPhoneScreen(page, all);
      await ui.shoot('phone-queue-delayed', { page });
      await all.click();
      const run = page.getByRole('dialog').getByRole('button', { name: 'Run 2 jobs now' });
      await expectOnPhoneScreen(page, run);
      await ui.shoot('phone-queue-run-all-dialog', { page, fullPage: false });
      await run.click();
      await page
        .locator('.notices .notice', { hasText: 'Moved 2 delayed jobs to waiting.' })
        .waitFor({ timeout: 10_000 });
    } finally {
      await context.close();
    }
  });
});
