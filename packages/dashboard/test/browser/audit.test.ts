// The /audit page in headless Chromium: the log newest first with its links, paged with Older,
// filtered by job id, following new entries over the event stream on its first page and
// counting them on an older one. Screenshots go to a temp directory (or $CONVEYOR_SCREENSHOTS).

import { join } from 'node:path';
import { memoryTransport } from '@conveyor/core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, type Served, serve, USER } from '../helpers.js';
import { type Demo, launchChromium, screenshotDir, seedDemo } from './fixtures.js';

let browser: Browser;
let context: BrowserContext;
let page: Page;
let served: Served;
let demo: Demo;
const transport = memoryTransport();
const admin = transport.admin;
const shots = screenshotDir();

beforeAll(async () => {
  browser = await launchChromium();
  demo = await seedDemo(transport);
  // 60 older entries, then the four kinds an operator makes, newest last.
  for (let i = 0; i < 60; i++) {
    await admin.appendAudit({
      actor: 'cli',
      action: 'job.cancel',
      jobId: `emails:old-${i}`,
      queue: 'emails',
      detail: { result: 'cancelled' },
    });
  }
  await admin.appendAudit({
    actor: 'ops',
    action: 'schedule.pause',
    queue: 'maintenance',
    detail: { schedule: 'daily-low-stock' },
  });
  await admin.appendAudit({
    actor: 'ops',
    action: 'workflow.cancel',
    jobIds: ['orders:wf-1', 'orders:wf-2'],
    detail: { workflow: 'wf_checkout_1', cancelledJobs: 2 },
  });
  await admin.appendAudit({
    actor: 'dana',
    action: 'dead.retry',
    queue: 'orders',
    jobIds: [demo.deadOrder, 'orders:b', 'orders:c', 'orders:d', 'orders:e'],
    detail: { filter: { queue: 'orders' }, requested: 5, affected: 5 },
  });
  await admin.appendAudit({
    actor: 'ops',
    action: 'job.retry',
    jobId: demo.deadEmail,
    queue: 'emails',
    detail: { from: 'dead' },
  });
  served = await serve({ transport });
  context = await browser.newContext({
    httpCredentials: { username: USER, password: PASSWORD },
    viewport: { width: 1360, height: 860 },
    colorScheme: 'light',
  });
  page = await context.newPage();
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await served?.close();
  await transport.close();
  console.log(`audit screenshots: ${shots}`);
});

const rows = () => page.locator('table.data-table tbody tr');
const actions = () => page.locator('table.data-table tbody tr td:nth-child(3)').allTextContents();

describe('/audit', () => {
  it('lists who did what newest first, with links to the jobs, workflow, queue and schedule', async () => {
    await page.goto(`${served.url}/`);
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Audit' })
      .click();
    await page.waitForURL('**/audit');
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    await expect.poll(() => rows().count()).toBe(50);
    expect((await actions()).slice(0, 5)).toEqual([
      'job.retry',
      'dead.retry',
      'workflow.cancel',
      'schedule.pause',
      'job.cancel',
    ]);
    const first = rows().first();
    expect(await first.locator('td').nth(1).textContent()).toBe('ops');
    expect(await first.locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await first.getByRole('link', { name: demo.deadEmail }).getAttribute('href')).toBe(
      `/jobs/${encodeURIComponent(demo.deadEmail)}`,
    );
    expect(
      await first.getByRole('link', { name: 'emails', exact: true }).getAttribute('href'),
    ).toBe('/queues/emails');
    expect(await first.locator('td').nth(4).textContent()).toBe('{"from":"dead"}');
    // A bulk entry: its count, the first ids linked, and how many more.
    const bulk = rows().nth(1);
    expect(await bulk.locator('td').nth(3).textContent()).toContain('5 jobs: ');
    expect(await bulk.locator('td').nth(3).textContent()).toContain('and 2 more');
    expect(await bulk.locator('a[href^="/jobs/"]').count()).toBe(3);
    const workflow = rows().nth(2).getByRole('link', { name: 'wf_checkout_1' });
    expect(await workflow.getAttribute('href')).toBe('/workflows/wf_checkout_1');
    expect(
      await rows().nth(3).getByRole('link', { name: 'daily-low-stock' }).getAttribute('href'),
    ).toBe('/schedules');
    await page.screenshot({ path: join(shots, 'audit.png'), fullPage: true });
    await page.setViewportSize({ width: 375, height: 800 });
    await page.screenshot({ path: join(shots, 'audit-phone.png'), fullPage: false });
    // The page does not widen past the phone's width (the table scrolls in its frame).
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await page.setViewportSize({ width: 1360, height: 860 });
  });

  it('pages older with Older and back with Newest', async () => {
    await page.goto(`${served.url}/audit`);
    await expect.poll(() => rows().count()).toBe(50);
    await page.getByRole('link', { name: 'Older »' }).click();
    await page.waitForURL(/\/audit\?before=/);
    // 64 entries in all: 14 on the second page, the oldest last.
    await expect.poll(() => rows().count()).toBe(14);
    expect(await rows().last().getByRole('link', { name: 'emails:old-0' }).count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Older »' }).count()).toBe(0);
    await page.getByRole('link', { name: '« Newest' }).click();
    await page.waitForURL(/\/audit$/);
    await expect.poll(() => rows().count()).toBe(50);
  });

  it("filters by job id, and a job's page links to its entries", async () => {
    await page.goto(`${served.url}/audit`);
    await page.getByLabel('Job id').fill(demo.deadOrder);
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/jobId=/);
    await expect.poll(() => actions()).toEqual(['dead.retry']);
    await page.getByRole('link', { name: 'Clear' }).click();
    await expect.poll(() => rows().count()).toBe(50);

    await page.goto(`${served.url}/jobs/${encodeURIComponent(demo.deadEmail)}`);
    await page.getByRole('link', { name: 'In the audit log »' }).click();
    await page.waitForURL(/\/audit\?jobId=/);
    await expect.poll(() => actions()).toEqual(['job.retry']);
  });

  it('shows a new entry at the top as it is written, and an older page counts them instead', async () => {
    await page.goto(`${served.url}/audit`);
    await page.locator('.live-status[data-status="live"]').waitFor();
    await expect.poll(() => rows().count()).toBe(50);
    await admin.appendAudit({ actor: 'eve', action: 'dead.purge', queue: 'orders' });
    await page.locator('tbody tr.fresh', { hasText: 'dead.purge' }).waitFor();
    expect((await actions())[0]).toBe('dead.purge');
    await page.screenshot({ path: join(shots, 'audit-fresh.png'), fullPage: false });

    await page.getByRole('link', { name: 'Older »' }).click();
    await page.waitForURL(/before=/);
    await expect.poll(() => rows().count()).toBe(15);
    const firstOlder = await rows().first().getAttribute('data-id');
    await admin.appendAudit({ actor: 'eve', action: 'job.cancel', jobId: 'emails:new' });
    await page
      .locator('.audit-newer', { hasText: '1 new entry since this page was read' })
      .waitFor();
    // The page kept its place.
    expect(await rows().first().getAttribute('data-id')).toBe(firstOlder);
    await page.getByRole('link', { name: 'Show newest' }).click();
    await expect.poll(async () => (await actions())[0]).toBe('job.cancel');
  });
});
