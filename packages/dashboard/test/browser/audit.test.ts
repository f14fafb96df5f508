// The /audit page in headless Chromium: the log newest first with its links, paged with Older,
// filtered by job id, following new entries over the event stream on its first page and
// counting them on an older one. Screenshots go to $CONVEYOR_SCREENSHOTS when it is set.

import { memoryTransport } from '@conveyor/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBrowserPage } from './browser-page.js';
import { type Demo, seedDemo } from './fixtures.js';

let demo: Demo;
const transport = memoryTransport();
const admin = transport.admin;

beforeAll(async () => {
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
});

const ui = useBrowserPage({ transport, label: 'audit', colorScheme: 'light' });

const rows = () => ui.page.locator('table.data-table tbody tr');
const actions = () =>
  ui.page.locator('table.data-table tbody tr td:nth-child(3)').allTextContents();

describe('/audit', () => {
  it('lists who did what newest first, with links to the jobs, workflow, queue and schedule', async () => {
    await ui.page.goto(`${ui.served.url}/`);
    await ui.page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Audit' })
      .click();
    await ui.page.waitForURL('**/audit');
    await ui.page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
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
    await ui.shoot('audit');
    await ui.page.setViewportSize({ width: 375, height: 800 });
    await ui.shoot('audit-phone', { fullPage: false });
    // The page does not widen past the phone's width (the table scrolls in its frame).
    expect(await ui.page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await ui.page.setViewportSize({ width: 1360, height: 860 });
  });

  it('pages older with Older and back with Newest', async () => {
    await ui.page.goto(`${ui.served.url}/audit`);
    await expect.poll(() => rows().count()).toBe(50);
    await ui.page.getByRole('link', { name: 'Older »' }).click();
    await ui.page.waitForURL(/\/audit\?before=/);
    // 64 entries in all: 14 on the second page, the oldest last.
    await expect.poll(() => rows().count()).toBe(14);
    expect(await rows().last().getByRole('link', { name: 'emails:old-0' }).count()).toBe(1);
    expect(await ui.page.getByRole('link', { name: 'Older »' }).count()).toBe(0);
    await ui.page.getByRole('link', { name: '« Newest' }).click();
    await ui.page.waitForURL(/\/audit$/);
    await expect.poll(() => rows().count()).toBe(50);
  });

  it("filters by job id, and a job's page links to its entries", async () => {
    await ui.page.goto(`${ui.served.url}/audit`);
    await ui.page.getByLabel('Job id').fill(demo.deadOrder);
    await ui.page.getByRole('button', { name: 'Filter' }).click();
    await ui.page.waitForURL(/jobId=/);
    await expect.poll(() => actions()).toEqual(['dead.retry']);
    await ui.page.getByRole('link', { name: 'Clear' }).click();
    await expect.poll(() => rows().count()).toBe(50);

    await ui.page.goto(`${ui.served.url}/jobs/${encodeURIComponent(demo.deadEmail)}`);
    await ui.page.getByRole('link', { name: 'In the audit log »' }).click();
    await ui.page.waitForURL(/\/audit\?jobId=/);
    await expect.poll(() => actions()).toEqual(['job.retry']);
  });

  it('shows a new entry at the top as it is written, and an older page counts them instead', async () => {
    await ui.page.goto(`${ui.served.url}/audit`);
    await ui.page.locator('.live-status[data-status="live"]').waitFor();
    await expect.poll(() => rows().count()).toBe(50);
    await admin.appendAudit({ actor: 'eve', action: 'dead.purge', queue: 'orders' });
    await ui.page.locator('tbody tr.fresh', { hasText: 'dead.purge' }).waitFor();
    expect((await actions())[0]).toBe('dead.purge');
    await ui.shoot('audit-fresh', { fullPage: false });

    await ui.page.getByRole('link', { name: 'Older »' }).click();
    await ui.page.waitForURL(/before=/);
    await expect.poll(() => rows().count()).toBe(15);
    const firstOlder = await rows().first().getAttribute('data-id');
    await admin.appendAudit({ actor: 'eve', action: 'job.cancel', jobId: 'emails:new' });
    await ui.page
      .locator('.audit-newer', { hasText: '1 new entry since this page was read' })
      .waitFor();
    // The page kept its place.
    expect(await rows().first().getAttribute('data-id')).toBe(firstOlder);
    await ui.page.getByRole('link', { name: 'Show newest' }).click();
    await expect.poll(async () => (await actions())[0]).toBe('job.cancel');
  });
});
