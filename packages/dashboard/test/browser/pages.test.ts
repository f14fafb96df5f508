// The dashboard in headless Chromium, over a memory transport seeded with demo data: every
// page renders its data, counts follow enqueues over SSE, retry works from the job page and
// the dead-letter page, and links navigate in place. Screenshots of each page go to
// $CONVEYOR_SCREENSHOTS when it is set.

import { memoryTransport, silentLogger, type WorkerRecord } from '@conveyor/core';
import { redisTransport } from '@conveyor/redis';
import { startRedis } from '@conveyor/test-redis';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { serve, USER } from '../helpers.js';
import { useBrowserPage } from './browser-page.js';
import { scheduleSpec, seedSchedules } from './demo-schedules.js';
import { type Demo, deadJob, enqueue, seedDemo, settleNext } from './fixtures.js';

let demo: Demo;
const transport = memoryTransport();

beforeAll(async () => {
  demo = await seedDemo(transport);
});

const ui = useBrowserPage({ transport, label: 'dashboard', colorScheme: 'light' });

function cell(queue: string, count: string) {
  return ui.page.locator(`tr[data-queue="${queue}"] td[data-count="${count}"]`);
}

describe('dashboard pages', () => {
  it('/ lists every queue with its counts, and charts the last hour', async () => {
    await ui.page.goto(`${ui.served.url}/`);
    await ui.page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await expect.poll(() => cell('emails', 'waiting').textContent()).toBe('12');
    expect(await cell('emails', 'active').textContent()).toBe('3');
    expect(await cell('emails', 'delayed').textContent()).toBe('6');
    expect(await cell('emails', 'dead').textContent()).toBe('1');
    expect(await cell('orders', 'dead').textContent()).toBe('2');
    expect(await cell('reports', 'finished').textContent()).toBe('12');
    // The metrics totals say they are totals: plain "Failed" read as the jobs failed now.
    const heads = ui.page.locator('.queues-table thead th');
    expect(await heads.allTextContents()).toEqual([
      'Queue',
      'Waiting',
      'Delayed',
      'Active',
      'Dead',
      'Finished',
      'Completed (all time)',
      'Failed (all time)',
    ]);
    expect(await heads.last().getAttribute('title')).toMatch(/dead-lettered ones included/);
    // Three charts, each with a line per queue.
    const charts = ui.page.locator('figure.chart');
    await expect.poll(() => charts.count()).toBe(3);
    await expect
      .poll(() => ui.page.locator('figure.chart').first().locator('path.line').count())
      .toBe(3);
    expect(await ui.page.locator('.live-status').getAttribute('data-status')).toBe('live');
    await ui.shoot('overview');
    await ui.page.emulateMedia({ colorScheme: 'dark' });
    await ui.shoot('overview-dark');
    await ui.page.emulateMedia({ colorScheme: 'light' });
    await ui.page.setViewportSize({ width: 420, height: 860 });
    await ui.shoot('overview-narrow');
    await ui.page.setViewportSize({ width: 1360, height: 860 });
  });

  it('updates the counts over SSE within 2 s of an enqueue', async () => {
    await ui.page.goto(`${ui.served.url}/`);
    await ui.page.locator('.live-status[data-status="live"]').waitFor();
    await expect.poll(() => cell('reports', 'waiting').textContent()).toBe('0');
    await enqueue(
      transport,
      'reports',
      [1, 2, 3].map((i) => ({ task: 'shop.dailyReport', input: { day: `2025-02-0${i}` } })),
    );
    await cell('reports', 'waiting').locator('a').focus();
    // No reload: the page must hear of the change on its own.
    await cell('reports', 'waiting').filter({ hasText: /^3$/ }).waitFor({ timeout: 15_000 });
    // The redrawn table keeps keyboard focus where it was.
    expect(await ui.page.evaluate("document.activeElement.getAttribute('data-key')")).toBe(
      'reports/waiting',
    );
  });

  it('says when the broker cannot be read, and goes back to Live when it can', async () => {
    await ui.page.goto(`${ui.served.url}/`);
    const status = ui.page.locator('.live-status');
    await ui.page.locator('.live-status[data-status="live"]').waitFor();
    // The stream stays up while the server's reads fail: it used to keep saying "Live".
    const down = vi
      .spyOn(transport.admin, 'listQueues')
      .mockRejectedValue(new Error('Connection is closed'));
    try {
      await ui.page.locator('.live-status[data-status="unavailable"]').waitFor({ timeout: 15_000 });
      expect(await status.textContent()).toBe('Broker unreachable: counts are not current');
      await ui.shoot('broker-unreachable');
      // On a phone the status is a dot alone, but not this one: it says it in words too.
      const phone = await ui.context.newPage();
      try {
        await phone.setViewportSize({ width: 375, height: 740 });
        await phone.goto(`${ui.served.url}/`);
        const small = phone.locator('.live-status[data-status="unavailable"]');
        await small.waitFor({ timeout: 15_000 });
        expect(
          await small.evaluate((el) => {
            // This runs in the page; the tests' types have no DOM.
            const view = globalThis as unknown as {
              getComputedStyle(e: unknown, pseudo: string): { content: string };
            };
            return view.getComputedStyle(el, '::after').content;
          }),
        ).toBe('"Broker unreachable"');
        expect((await small.boundingBox())?.width).toBeGreaterThan(60);
        // The charts' error reads like the others, without the class name.
        const metrics = phone.locator('p.muted', { hasText: 'Metrics could not be loaded' });
        await metrics.waitFor();
        expect(await metrics.textContent()).not.toContain('ApiError');
        expect(await phone.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
          375,
        );
        await ui.shoot('phone-broker-unreachable', { page: phone, fullPage: false });
      } finally {
        await phone.close();
      }
    } finally {
      down.mockRestore();
    }
    await ui.page.locator('.live-status[data-status="live"]').waitFor({ timeout: 15_000 });
  });

  it('fits a 375 px phone: the nav scrolls in its own row, and the page does not widen', async () => {
    const phone = await ui.context.newPage();
    try {
      await phone.setViewportSize({ width: 375, height: 740 });
      for (const path of ['/', '/queues/emails', '/dead']) {
        await phone.goto(`${ui.served.url}${path}`);
        await phone.locator('main h1').first().waitFor();
        await ui.shoot(`phone${path.replaceAll('/', '-')}`, { page: phone });
        // It used to be 569: the nav spilled past the bar, and the page scrolled sideways.
        expect(await phone.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
          375,
        );
        const nav = await phone.locator('nav.nav').boundingBox();
        const bar = await phone.locator('header.topbar').boundingBox();
        expect(nav && bar && nav.y + nav.height <= bar.y + bar.height).toBe(true);
      }
    } finally {
      await phone.close();
    }
  });

  it('/queues/<name> lists jobs by state, pages by cursor, and finds by id and indexed field', async () => {
    const ids = await enqueue(
      transport,
      'paging',
      Array.from({ length: 55 }, (_, i) => ({ task: 'shop.resizeImage', input: { image: i } })),
    );
    await ui.page.goto(`${ui.served.url}/queues/paging`);
    await ui.page.getByRole('heading', { level: 1, name: 'paging' }).waitFor();
    const rows = ui.page.locator('table.data-table tbody tr');
    await expect.poll(() => rows.count()).toBe(50);
    // Newest first.
    expect(await rows.first().locator('td').first().textContent()).toBe(ids[54]);
    await ui.page.getByRole('link', { name: 'Next page »' }).click();
    await expect.poll(() => rows.count()).toBe(5);
    expect(ui.page.url()).toContain('cursor=');
    expect(await rows.last().locator('td').first().textContent()).toBe(ids[0]);

    await ui.page.goto(`${ui.served.url}/queues/emails?state=waiting`);
    await expect.poll(() => rows.count()).toBe(12);
    await ui.page
      .getByRole('navigation', { name: 'Job states' })
      .getByRole('link', { name: /^Dead/ })
      .click();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('SMTP_TIMEOUT');

    await ui.page.getByLabel('Job id').fill(demo.deadEmail);
    await ui.page.getByRole('button', { name: 'Find' }).click();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().locator('td').first().textContent()).toBe(demo.deadEmail);
    // An id of another queue opens that job's page: "No job with this id on this queue"
    // gave no way on.
    await ui.page.getByLabel('Job id').fill(demo.deadOrder);
    await ui.page.getByRole('button', { name: 'Find' }).click();
    await ui.page.waitForURL(`${ui.served.url}/jobs/${encodeURIComponent(demo.deadOrder)}`);
    await ui.page.getByRole('heading', { name: new RegExp(demo.deadOrder) }).waitFor();

    await ui.page.goto(`${ui.served.url}/queues/emails`);
    await ui.page.getByLabel('Indexed field').selectOption({ label: 'shop.sendOrderEmail › to' });
    // No value: the browser asks for one (it used to load "Invalid value null … (400)").
    await ui.page.getByRole('button', { name: 'Search' }).click();
    expect(
      await ui.page
        .getByLabel('Value')
        .evaluate(
          (el) => (el as unknown as { validity: { valueMissing: boolean } }).validity.valueMissing,
        ),
    ).toBe(true);
    expect(ui.page.url()).toBe(`${ui.served.url}/queues/emails`);
    await ui.page.getByLabel('Value').fill('customer6@example.com');
    await ui.page.getByRole('button', { name: 'Search' }).click();
    await expect
      .poll(() => ui.page.locator('.search-note').textContent())
      .toContain('customer6@example.com');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('shop.sendOrderEmail');

    await ui.page.goto(`${ui.served.url}/queues/emails?state=waiting`);
    await expect.poll(() => rows.count()).toBe(12);
    await ui.shoot('queue');
  });

  it('/queues/<name> of a name nothing has used says so, and a known queue does not', async () => {
    await ui.page.goto(`${ui.served.url}/queues/emials`);
    const note = ui.page.locator('.unknown-queue');
    await note.waitFor();
    expect(await note.textContent()).toBe(
      'No queue named emials is known here: nothing has been enqueued to it. Check the name, or pick a queue on the Overview.',
    );
    // Only the note: no empty job browser (tabs, search, "No waiting jobs.") under it, once
    // the jobs have been read.
    await ui.page
      .locator('.refresh-status', { hasText: /^Updated/ })
      .waitFor({ state: 'attached' });
    expect(await ui.page.getByRole('navigation', { name: 'Job states' }).isVisible()).toBe(false);
    expect(await ui.page.locator('table.data-table').isVisible()).toBe(false);
    expect(await ui.page.getByRole('button', { name: 'Refresh jobs' }).isVisible()).toBe(false);
    await ui.shoot('queue-unknown');
    await ui.page.goto(`${ui.served.url}/queues/emails`);
    await ui.page.locator('table.data-table tbody tr').first().waitFor();
    expect(await note.count()).toBe(0);
  });

  it('/jobs/<id> shows attempts, data and audit, and Retry moves a dead job to waiting', async () => {
    await ui.page.goto(`${ui.served.url}/jobs/${encodeURIComponent(demo.deadEmail)}`);
    await ui.page.getByRole('heading', { level: 1, name: `Job ${demo.deadEmail}` }).waitFor();
    const attempts = ui.page
      .locator('section', { has: ui.page.getByRole('heading', { name: 'Attempts' }) })
      .locator('tbody tr');
    await expect.poll(() => attempts.count()).toBe(3);
    expect(await attempts.first().textContent()).toContain('attempt 3');
    const input = await ui.page
      .locator('section', { has: ui.page.getByRole('heading', { name: 'Input' }) })
      .locator('pre')
      .textContent();
    expect(JSON.parse(input ?? '')).toEqual({
      orderId: 'ord_10442',
      to: 'dana@example.com',
      template: 'order-shipped',
    });
    const props = await ui.page.locator('dl.props').textContent();
    expect(props).toContain('order-email:ord_10442');
    expect(props).toContain('a3f09c1e77d2b845');
    await ui.shoot('job');

    await ui.page.getByRole('button', { name: 'Retry' }).click();
    const dialog = ui.page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Retry job' }).waitFor();
    await ui.shoot('job-confirm', { fullPage: false });
    await dialog.getByRole('button', { name: 'Retry job' }).click();
    await ui.page
      .locator('.notice-ok')
      .filter({ hasText: 'Retried: the job is now waiting.' })
      .waitFor();
    await ui.page.locator('.page-head .badge', { hasText: 'waiting' }).waitFor();
    expect((await transport.getJob(demo.deadEmail))?.state).toBe('waiting');
    const audit = ui.page
      .locator('section', { has: ui.page.getByRole('heading', { name: 'Audit' }) })
      .locator('tbody tr');
    await expect.poll(() => audit.first().textContent()).toContain('job.retry');
    expect(await audit.first().textContent()).toContain(USER);
    expect(await ui.page.getByRole('button', { name: 'Retry' }).isDisabled()).toBe(true);
  });

  it('/jobs/<id> numbers the rounds of attempts once a retried job fails again', async () => {
    const timedOut = (message: string) => ({ name: 'SmtpError', code: 'SMTP_TIMEOUT', message });
    const id = await deadJob(
      transport,
      'rounds',
      { task: 'shop.sendOrderEmail', input: { to: 'r@example.com' } },
      [timedOut('first try'), timedOut('second try')],
    );
    await ui.page.goto(`${ui.served.url}/jobs/${encodeURIComponent(id)}`);
    const attempts = ui.page
      .locator('section', { has: ui.page.getByRole('heading', { name: 'Attempts' }) })
      .locator('tbody tr');
    await expect.poll(() => attempts.count()).toBe(2);
    // One round: plain attempt numbers.
    expect(await attempts.first().locator('td').first().textContent()).toBe('2');
    await ui.page.getByRole('button', { name: 'Retry' }).click();
    await ui.page.getByRole('dialog').getByRole('button', { name: 'Retry job' }).click();
    await ui.page.locator('.page-head .badge', { hasText: 'waiting' }).waitFor();
    // Its fresh budget counts from 1 again: the new attempt is "1", in round 2.
    await settleNext(transport, 'rounds', 1, { retry: timedOut('third try') });
    await ui.page.reload();
    await expect.poll(() => attempts.count()).toBe(3);
    const numbers = await attempts.evaluateAll((rows) =>
      rows.map((row) => row.querySelector('td')?.textContent),
    );
    expect(numbers).toEqual(['1 round 2', '2 round 1', '1 round 1']);
    expect(await attempts.first().textContent()).toContain('third try');
    await ui.shoot('job-attempt-rounds');
  });

  it('/jobs/<id> marks an attempt given back and keeps the run after it, same number, in its round', async () => {
    const [id] = await enqueue(transport, 'given-back', [
      { task: 'shop.sendOrderEmail', input: { to: 'g@example.com' } },
    ]);
    // Held unstarted by a worker that then went silent: its lease runs out, the attempt is
    // given back [R27]. A read of the job sweeps the expired lease.
    await transport.reserve({
      queues: ['given-back'],
      max: 1,
      leaseMs: 1,
      consumer: 'worker-gone',
      startNow: 0,
    });
    await expect.poll(async () => (await transport.getJob(id as string))?.state).toBe('waiting');
    await settleNext(transport, 'given-back', 1, {
      retry: { name: 'SmtpError', code: 'SMTP_TIMEOUT', message: 'ran and timed out' },
    });
    await ui.page.goto(`${ui.served.url}/jobs/${encodeURIComponent(id as string)}`);
    const attempts = ui.page
      .locator('section', { has: ui.page.getByRole('heading', { name: 'Attempts' }) })
      .locator('tbody tr');
    await expect.poll(() => attempts.count()).toBe(2);
    const cells = await attempts.evaluateAll((rows) =>
      rows.map((row) => [...row.querySelectorAll('td')].slice(0, 2).map((td) => td.textContent)),
    );
    // Newest first: the run, then the expiry that was not counted; no second round.
    expect(cells[0]?.[0]).toBe('1');
    expect(cells[1]).toEqual(['1 not counted', 'never']);
    expect(await attempts.nth(1).textContent()).toContain('LEASE_EXPIRED');
  });

  it('/jobs/<id> cancels a waiting job after confirming', async () => {
    const [id] = await enqueue(transport, 'reports', [
      { task: 'shop.dailyReport', input: { day: '2025-03-01' } },
    ]);
    await ui.page.goto(`${ui.served.url}/jobs/${encodeURIComponent(id as string)}`);
    await ui.page.getByRole('button', { name: 'Cancel' }).click();
    await ui.page.getByRole('dialog').getByRole('button', { name: 'Cancel job' }).click();
    await ui.page.locator('.notice-ok', { hasText: 'Cancelled: the job will not run.' }).waitFor();
    await ui.page.locator('.page-head .badge', { hasText: 'cancelled' }).waitFor();
    expect((await transport.getJob(id as string))?.state).toBe('cancelled');
  });

  it('an action still works after the session is gone (the dashboard restarted)', async () => {
    const [id] = await enqueue(transport, 'reports', [
      { task: 'shop.dailyReport', input: { day: '2025-03-02' } },
    ]);
    await ui.page.goto(`${ui.served.url}/jobs/${encodeURIComponent(id as string)}`);
    await ui.page.getByRole('button', { name: 'Cancel' }).waitFor();
    // A restart makes every open page's token unknown, as a lost session cookie does here.
    // The click used to fail with "Refused: missing or wrong CSRF token … (403 CSRF)".
    await ui.context.clearCookies();
    await ui.page.getByRole('button', { name: 'Cancel' }).click();
    await ui.page.getByRole('dialog').getByRole('button', { name: 'Cancel job' }).click();
    await ui.page.locator('.notice-ok', { hasText: 'Cancelled: the job will not run.' }).waitFor();
    expect((await transport.getJob(id as string))?.state).toBe('cancelled');
  });

  it('/dead filters across queues and bulk-retries the previewed jobs after confirming', async () => {
    await ui.page.goto(`${ui.served.url}/dead`);
    await ui.page.getByRole('heading', { level: 1, name: 'Dead jobs' }).waitFor();
    const rows = ui.page.locator('table.data-table tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    // Only dead-lettered jobs are listed: the lead does not promise failed-for-good ones.
    expect(await ui.page.locator('.lead').textContent()).toBe(
      "Dead-lettered jobs (they used up their attempts), newest first, in every queue. A job that failed for good on a non-retryable error (state failed, not dead) is not listed here: it is under its queue's Finished tab. Retry on a row moves that job back to waiting; a workflow step job's row opens its workflow instead, whose retry runs the step again.",
    );
    await ui.shoot('dead');
    await ui.page.getByLabel('Queue').selectOption('orders');
    await ui.page.getByLabel('Error code').fill('CARD_DECLINED');
    await ui.page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => rows.count()).toBe(1);
    expect(ui.page.url()).toContain('code=CARD_DECLINED');

    await ui.page.getByRole('button', { name: 'Retry all matching…' }).click();
    const dialog = ui.page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'Retry 1 dead job?' }).waitFor();
    expect(await dialog.textContent()).toContain('CARD_DECLINED');
    await dialog.getByRole('button', { name: 'Retry 1 dead job' }).click();
    await ui.page.locator('.notice-ok', { hasText: 'Retried 1 job.' }).waitFor();
    expect((await transport.getJob(demo.deadOrder))?.state).toBe('waiting');
    await expect.poll(() => rows.first().textContent()).toContain('No dead jobs match.');
  });

  it('/workers shows live and stale workers with their queues and held jobs', async () => {
    await ui.page.goto(`${ui.served.url}/workers`);
    await ui.page.getByRole('heading', { level: 1, name: 'Workers' }).waitFor();
    const rows = ui.page.locator('table.data-table tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    const stale = rows.filter({ hasText: 'worker-c' });
    expect(await stale.locator('.badge.state-stale').count()).toBe(1);
    const a = rows.filter({ hasText: 'worker-a' });
    expect(await a.textContent()).toContain('3 / 10');
    expect(await a.locator('a.mono').count()).toBe(3);
    await ui.shoot('workers');

    // A default id is `<hostname>:<pid>:<random>`, and a Kubernetes pod's hostname is long:
    // the table still fits a 1280 px window instead of scrolling sideways.
    const podId = 'shop-worker-deployment-7d9f8b6c5d-x2k4q.shop.svc.cluster.local:1:k3j9x2';
    const [record] = (await transport.admin.listWorkers()).filter((w) => w.id === 'worker-a');
    await transport.admin.putWorker(
      { ...(record as WorkerRecord), id: podId, hostname: podId.split(':')[0] as string },
      600_000,
    );
    try {
      await ui.page.setViewportSize({ width: 1280, height: 860 });
      await ui.page.reload();
      await expect.poll(() => rows.count()).toBe(4);
      const wrap = ui.page.locator('.table-wrap');
      const overflow = await wrap.evaluate((el) => el.scrollWidth - el.clientWidth);
      await ui.shoot('workers-long-id');
      expect(overflow).toBe(0);
    } finally {
      await ui.page.setViewportSize({ width: 1360, height: 860 });
      await transport.admin.removeWorker(podId);
    }
  });

  it('says so in each chart when the transport records no metrics', async () => {
    const withoutMetrics = Object.create(transport, { metrics: { value: undefined } });
    const plain = await serve({ transport: withoutMetrics });
    try {
      await ui.page.goto(`${plain.url}/`);
      const messages = ui.page.locator('figure.chart .chart-message');
      await expect.poll(() => messages.count()).toBe(3);
      expect(await messages.first().textContent()).toContain('Metrics unavailable');
      expect(await cell('emails', 'completed').textContent()).toBe('–');
    } finally {
      await plain.close();
    }
  });

  it('/schedules lists schedules with next times and last run; pause, resume and run now work', async () => {
    const { fired } = await seedSchedules(transport);
    // A partitioned queue whose partition count changed from 2 to 4: two copies of one
    // schedule, of which the one stored last fires.
    const nightly = (queue: string) =>
      scheduleSpec('nightly', queue, 'shop.cleanupCarts', { every: 86_400_000 }, {}, 'runtime');
    await transport.schedules?.upsert([nightly('maintenance~1of2')]);
    await transport.schedules?.upsert([nightly('maintenance~1of4')]);
    await transport.admin.putWorker(
      {
        id: 'worker-p',
        hostname: 'shop-worker-4',
        pid: 4343,
        queues: ['maintenance~1of2', 'maintenance~1of4'],
        tasks: ['shop.cleanupCarts'],
        concurrency: 2,
        state: 'running',
        startedAt: Date.now(),
        heartbeatAt: Date.now(),
        heartbeatMs: 600_000,
        jobs: [],
        counts: { completed: 0, failed: 0, retried: 0 },
      },
      600_000,
    );
    await ui.page.goto(`${ui.served.url}/`);
    await ui.page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Schedules' })
      .click();
    await ui.page.getByRole('heading', { level: 1, name: 'Schedules' }).waitFor();
    expect(new URL(ui.page.url()).pathname).toBe('/schedules');
    const row = (id: string) => ui.page.locator(`tr[data-schedule="maintenance/${id}"]`);
    await row('cart-cleanup').waitFor();
    expect(await ui.page.locator('tr[data-schedule]').count()).toBe(7);
    const copy = (queue: string) => ui.page.locator(`tr[data-schedule="${queue}/nightly"]`);
    const old = copy('maintenance~1of2');
    expect(await old.locator('.badge.state-superseded').getAttribute('title')).toBe(
      'Another copy of this schedule in the same queue fires (its partition count changed). Remove this copy once the old partitions are drained.',
    );
    expect(await old.locator('ul.next-times li').count()).toBe(0);
    expect(await old.textContent()).toContain('none: another copy fires');
    const current = copy('maintenance~1of4');
    expect(await current.locator('.badge.state-superseded').count()).toBe(0);
    expect(await current.locator('ul.next-times li').count()).toBe(3);
    expect(await ui.page.locator('.summary .badge.state-superseded').textContent()).toBe(
      '1 superseded',
    );

    const cleanup = row('cart-cleanup');
    expect(await cleanup.textContent()).toContain('every 1m');
    expect(await cleanup.locator('ul.next-times li').count()).toBe(3);
    // The last run: its slot, and its job linked with its state.
    expect(await cleanup.locator('.last-slot').textContent()).toMatch(/^slot \d{4}-\d\d-\d\d /);
    expect(await cleanup.locator('.last-job a').textContent()).toBe(fired.jobId);
    expect(await cleanup.locator('.last-job .badge').textContent()).toBe('waiting');
    expect(await cleanup.locator('.badge.state-orphaned').count()).toBe(0);
    expect(await row('legacy-export').locator('.badge.state-orphaned').getAttribute('title')).toBe(
      'Declared in code, and no running worker declares it any more.',
    );
    // Made at run time in a queue no worker consumes: it would never fire.
    const ledger = ui.page.locator('tr[data-schedule="ledger/ledger-sync"]');
    expect(await ledger.locator('.badge.state-orphaned').getAttribute('title')).toBe(
      'Made at run time in a queue no running worker consumes: it fires once one does.',
    );
    expect(await ledger.locator('ul.next-times li').count()).toBe(0);
    expect(await row('daily-low-stock').textContent()).toContain('cron 0 7 * * * (Europe/Berlin)');
    const digest = row('weekly-digest');
    expect(await digest.locator('.badge.state-paused').count()).toBe(1);
    expect(await digest.getByRole('button', { name: 'Resume' }).count()).toBe(1);
    await ui.shoot('schedules');
    await ui.page.emulateMedia({ colorScheme: 'dark' });
    await ui.shoot('schedules-dark');
    await ui.page.emulateMedia({ colorScheme: 'light' });

    await cleanup.getByRole('button', { name: 'Pause' }).click();
    await cleanup.locator('.badge.state-paused').waitFor();
    await ui.page.locator('.notice-ok', { hasText: 'Paused cart-cleanup' }).waitFor();
    const paused = (await transport.schedules?.list(['maintenance']))?.schedules.find(
      (state) => state.spec.id === 'cart-cleanup',
    );
    expect(paused?.paused).toBe(true);
    expect(await cleanup.locator('ul.next-times').count()).toBe(0);
    await ui.shoot('schedules-paused');
    await cleanup.getByRole('button', { name: 'Resume' }).click();
    await cleanup.locator('.badge.state-paused').waitFor({ state: 'detached' });
    await cleanup.getByRole('button', { name: 'Pause' }).waitFor();

    await cleanup.getByRole('button', { name: 'Run now' }).click();
    await ui.page.getByRole('dialog').getByRole('button', { name: 'Run now' }).click();
    const enqueued = ui.page.locator('.notice-ok', { hasText: 'Enqueued' });
    await enqueued.waitFor();
    const jobId = (await enqueued.locator('a').textContent()) as string;
    expect(jobId).not.toBe(fired.jobId);
    expect((await transport.getJob(jobId))?.envelope.task).toBe('shop.cleanupCarts');
    await enqueued.locator('a').click();
    await ui.page.getByRole('heading', { level: 1, name: `Job ${jobId}` }).waitFor();
    expect(await ui.page.locator('dl.props').textContent()).not.toContain('Schedule');
    // The fired job's page names its schedule and slot.
    await ui.page.goto(`${ui.served.url}/schedules`);
    await cleanup.locator('.last-job a').click();
    await ui.page.getByRole('heading', { level: 1, name: `Job ${fired.jobId}` }).waitFor();
    expect(await ui.page.locator('dl.props').textContent()).toMatch(
      /Schedulecart-cleanup: slot \d{4}-\d\d-\d\d \d\d:\d\d:00, fired (late by|on time)/,
    );
    await ui.shoot('job-scheduled');

    // Read-only: the same list, no buttons.
    const readOnly = await serve({ transport, readOnly: true });
    try {
      await ui.page.goto(`${readOnly.url}/schedules`);
      await ui.page.locator('tr[data-schedule="maintenance/cart-cleanup"]').waitFor();
      expect(await ui.page.locator('tr[data-schedule] button').count()).toBe(0);
      expect(await ui.page.locator('th', { hasText: 'Actions' }).count()).toBe(0);
    } finally {
      await readOnly.close();
    }
    // A transport without schedules: the page says so.
    const bare = await serve({
      transport: Object.create(transport, { schedules: { value: undefined } }),
    });
    try {
      await ui.page.goto(`${bare.url}/schedules`);
      await ui.page.locator('.notice-info', { hasText: 'Schedules are unavailable' }).waitFor();
    } finally {
      await bare.close();
    }
  });

  it('navigates in place with real links, and Back returns', async () => {
    await ui.page.goto(`${ui.served.url}/`);
    await ui.page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await ui.page.evaluate('window.__samePage = true');
    await ui.page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Workers' })
      .click();
    await ui.page.getByRole('heading', { level: 1, name: 'Workers' }).waitFor();
    expect(new URL(ui.page.url()).pathname).toBe('/workers');
    await ui.page.locator('tr[data-queue="orders"]').waitFor({ state: 'detached' });
    await ui.page.goBack();
    await ui.page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await ui.page.locator('tr[data-queue="orders"] th a').click();
    await ui.page.getByRole('heading', { level: 1, name: 'orders' }).waitFor();
    expect(await ui.page.evaluate('window.__samePage')).toBe(true);

    await ui.page.goto(`${ui.served.url}/no/such/page`);
    await ui.page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
  });
});

describe('dashboard pages over Redis', () => {
  it('shows counts live and retries a dead job from its page', async () => {
    const redis = await startRedis();
    const redisQueue = redisTransport({ url: redis.url, logger: silentLogger });
    const over = await serve({ transport: redisQueue });
    try {
      const id = await deadJob(
        redisQueue,
        'mail',
        { task: 'shop.sendOrderEmail', input: { to: 'x@example.com' } },
        [
          { name: 'SmtpError', code: 'SMTP_TIMEOUT', message: 'timed out' },
          { name: 'SmtpError', code: 'SMTP_TIMEOUT', message: 'timed out again' },
        ],
      );
      await ui.page.goto(`${over.url}/`);
      await ui.page.locator('.live-status[data-status="live"]').waitFor();
      await expect.poll(() => cell('mail', 'dead').textContent()).toBe('1');
      await enqueue(redisQueue, 'mail', [
        { task: 'shop.sendOrderEmail', input: { to: 'y@example.com' } },
      ]);
      await cell('mail', 'waiting').filter({ hasText: /^1$/ }).waitFor({ timeout: 15_000 });

      await ui.page.goto(`${over.url}/jobs/${encodeURIComponent(id)}`);
      const attempts = ui.page
        .locator('section', { has: ui.page.getByRole('heading', { name: 'Attempts' }) })
        .locator('tbody tr');
      await expect.poll(() => attempts.count()).toBe(2);
      await ui.page.getByRole('button', { name: 'Retry' }).click();
      await ui.page.getByRole('dialog').getByRole('button', { name: 'Retry job' }).click();
      await ui.page
        .locator('.notice-ok')
        .filter({ hasText: 'Retried: the job is now waiting.' })
        .waitFor();
      expect((await redisQueue.getJob(id))?.state).toBe('waiting');
      // The overview heard of it too.
      await ui.page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Overview' })
        .click();
      await cell('mail', 'waiting').filter({ hasText: /^2$/ }).waitFor({ timeout: 15_000 });

      // A task filter reads Redis a part at a time (1,000 jobs for a page of 50): a job of
      // the task further on is one Next page away, and the empty page says so.
      const [rare] = await enqueue(redisQueue, 'bulk', [{ task: 'shop.rare', input: {} }]);
      await enqueue(
        redisQueue,
        'bulk',
        Array.from({ length: 1_050 }, (_, n) => ({ task: 'shop.common', input: { n } })),
      );
      await ui.page.goto(`${over.url}/queues/bulk?state=waiting&task=shop.rare`);
      await ui.page
        .locator('tr.empty', {
          hasText:
            'No waiting jobs of this task in the part of the queue read so far. Next page reads on.',
        })
        .waitFor();
      await ui.page.getByRole('link', { name: /Next page/ }).click();
      await ui.page.locator('tbody tr a', { hasText: rare as string }).waitFor();
      expect(await ui.page.locator('tr.empty').count()).toBe(0);
    } finally {
      await over.close();
      await redisQueue.close();
      await redis.stop();
    }
  });
});
