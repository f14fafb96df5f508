// A partitioned queue in headless Chromium: the overview shows it as one row of sums that
// opens to a row per partition (and stays open through live redraws), its page counts and
// links each partition and lists all their jobs, a partition's page (a `~` in the URL) lists
// its own, the dead filter offers the queue and each partition, and the charts draw one line
// per queue. Jobs are enqueued straight to partition names, as a partitioned producer does.

import { memoryTransport, PICKUP_BUCKETS_MS } from '@conveyor/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBrowserPage } from './browser-page.js';
import { deadJob, enqueue } from './fixtures.js';

const transport = memoryTransport();
const P = (p: number) => `mail~${p}of4`;
let dead: string;
let firstOfP1: string;

beforeAll(async () => {
  const send = (i: number) => ({ task: 'mail.send', input: { to: `c${i}@example.com` } });
  await enqueue(transport, P(0), [1, 2, 3].map(send));
  // Buried first: deadJob runs the next job of the partition.
  dead = await deadJob(transport, P(1), send(11), [
    { name: 'SmtpError', code: 'SMTP_550', message: 'mailbox unavailable' },
  ]);
  firstOfP1 = (await enqueue(transport, P(1), [4, 5].map(send)))[0] as string;
  await enqueue(transport, P(2), [{ ...send(6), delayMs: 600_000 }]);
  await enqueue(transport, P(3), [7, 8, 9, 10].map(send));
  await enqueue(transport, 'orders', [{ task: 'shop.charge', input: { order: 1 } }]);
  const minute = Math.floor(Date.now() / 60_000);
  const pickup = new Array<number>(PICKUP_BUCKETS_MS.length + 1).fill(0);
  pickup[2] = 3;
  await transport.metrics?.record(
    [P(0), P(1), P(3), 'orders'].flatMap((queue) =>
      [minute - 2, minute - 1].map((m) => ({
        queue,
        task: queue === 'orders' ? 'shop.charge' : 'mail.send',
        minute: m,
        completed: 3,
        failed: 0,
        retried: 0,
        pickup,
      })),
    ),
  );
});

const ui = useBrowserPage({ transport, label: 'partitions', colorScheme: 'light' });

function cell(queue: string, count: string) {
  return ui.page.locator(`tr[data-queue="${queue}"] td[data-count="${count}"]`);
}

describe('a partitioned queue on the dashboard', () => {
  it('/ shows one row of sums that opens to its partitions, open through live redraws', async () => {
    await ui.page.goto(`${ui.served.url}/`);
    await ui.page.locator('.live-status[data-status="live"]').waitFor();
    await expect.poll(() => cell('mail', 'waiting').textContent()).toBe('9');
    expect(await cell('mail', 'delayed').textContent()).toBe('1');
    expect(await cell('mail', 'dead').textContent()).toBe('1');
    expect(await cell('mail', 'completed').textContent()).toBe('18');
    expect(await ui.page.locator('tr.partition-row').count()).toBe(0);
    expect(await ui.page.locator('.summary').textContent()).toContain('2 queues');

    const toggle = ui.page.getByRole('button', { name: '4 partitions' });
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await toggle.click();
    const rows = ui.page.locator('tr.partition-row');
    await expect.poll(() => rows.count()).toBe(4);
    expect(await rows.locator('th').allTextContents()).toEqual([P(0), P(1), P(2), P(3)]);
    expect(await cell(P(3), 'waiting').textContent()).toBe('4');
    expect(await cell(P(1), 'dead').textContent()).toBe('1');
    // One chart line per queue: the partitions' metrics are added up into mail's.
    await expect
      .poll(() => ui.page.locator('figure.chart').first().locator('path.line').count())
      .toBe(2);
    await ui.shoot('overview-partitions');
    await ui.page.emulateMedia({ colorScheme: 'dark' });
    await ui.shoot('overview-partitions-dark');
    await ui.page.emulateMedia({ colorScheme: 'light' });

    // A live redraw (a new job in a partition) keeps the partitions open.
    await enqueue(transport, P(2), [{ task: 'mail.send', input: { to: 'x@example.com' } }]);
    await cell('mail', 'waiting').filter({ hasText: /^10$/ }).waitFor({ timeout: 15_000 });
    expect(await rows.count()).toBe(4);
    expect(await cell(P(2), 'waiting').textContent()).toBe('1');
    await ui.page.getByRole('button', { name: '4 partitions' }).click();
    await expect.poll(() => rows.count()).toBe(0);
  });

  it('/queues/<queue> counts and links each partition and lists all their jobs', async () => {
    await ui.page.goto(`${ui.served.url}/queues/mail`);
    await ui.page.getByRole('heading', { level: 1, name: 'mail' }).waitFor();
    const partitions = ui.page.locator('section.partitions tbody tr');
    await expect.poll(() => partitions.count()).toBe(4);
    expect(await partitions.nth(3).textContent()).toContain(P(3));
    // It said "partition by partition" after the list became one merged newest first.
    expect(await ui.page.locator('section.partitions h2').textContent()).toContain(
      'the list below shows their jobs newest first across them',
    );
    expect(await ui.page.locator('.tabs [data-count="waiting"]').textContent()).toBe('10');
    // The jobs of every partition (the last table), each with its partition named.
    const list = ui.page.locator('table.data-table').last().locator('tbody tr');
    await expect.poll(() => list.count()).toBe(10);
    const queues = await list.locator('td:nth-child(2)').allTextContents();
    expect(new Set(queues)).toEqual(new Set([P(0), P(1), P(2), P(3)]));
    // Its ids start with a partition's name: the field's example said "mail:…".
    await expect
      .poll(() => ui.page.getByLabel('Job id').getAttribute('placeholder'))
      .toBe('mail~…:…');
    await ui.shoot('queue-partitioned');

    await partitions
      .nth(1)
      .getByRole('link', { name: P(1) })
      .click();
    await ui.page.getByRole('heading', { level: 1, name: P(1) }).waitFor();
    expect(new URL(ui.page.url()).pathname).toMatch(/\/queues\/mail(~|%7E)1of4$/);
  });

  it("/queues/<queue>: the Job id field's example stays the partitions' through Find, the tabs and Clear", async () => {
    await ui.page.goto(`${ui.served.url}/queues/mail`);
    const id = ui.page.getByLabel('Job id');
    await expect.poll(() => id.getAttribute('placeholder')).toBe('mail~…:…');
    // Each step builds the page anew in place, with the counts it already has: no counts
    // event follows (nothing changes), and the field said "mail:…" until one did.
    const steps: Array<[string, () => Promise<void>, RegExp]> = [
      [
        'Find with no id',
        () => ui.page.getByRole('button', { name: 'Find' }).click(),
        /state=waiting/,
      ],
      [
        'the Delayed tab',
        () =>
          ui.page
            .locator('.tabs')
            .getByRole('link', { name: /^Delayed/ })
            .click(),
        /state=delayed/,
      ],
      [
        'Find with an id',
        async () => {
          await id.fill(firstOfP1);
          await ui.page.getByRole('button', { name: 'Find' }).click();
        },
        /id=/,
      ],
      [
        'Clear',
        () => ui.page.locator('.search-note').getByRole('link', { name: 'Clear' }).click(),
        /state=waiting$/,
      ],
    ];
    for (const [step, act, url] of steps) {
      await act();
      await expect.poll(() => ui.page.url(), { message: step }).toMatch(url);
      expect(await id.getAttribute('placeholder'), step).toBe('mail~…:…');
    }
    await ui.shoot('queue-partitioned-after-clear');
  });

  it('/queues/<queue>~<p>of<n> is a queue page of its own, with the way back to its queue', async () => {
    await ui.page.goto(`${ui.served.url}/queues/${P(1)}`);
    await ui.page.getByRole('heading', { level: 1, name: P(1) }).waitFor();
    // Counted from one, the stored name (counted from zero) beside it: `mail~1of4` read
    // "Partition 1 of 4", and `mail~0of4` "Partition 0 of 4".
    expect(await ui.page.locator('.crumbs').textContent()).toBe(
      `Overview › Queue mail › Partition 2 of 4 (${P(1)})`,
    );
    expect(await ui.page.title()).toMatch(new RegExp(`^${P(1)} · Partition 2 of 4 · `));
    expect(await ui.page.locator('section.partitions').count()).toBe(0);
    const rows = ui.page.locator('table.data-table tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await ui.page.locator('.tabs [data-count="dead"]').textContent()).toBe('1');

    await ui.page.getByLabel('Job id').fill(firstOfP1);
    await ui.page.getByRole('button', { name: 'Find' }).click();
    await expect.poll(() => ui.page.url()).toContain('id=');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().locator('td').first().textContent()).toBe(firstOfP1);
    await ui.shoot('queue-partition');

    await rows.first().getByRole('link', { name: firstOfP1 }).click();
    await ui.page.getByRole('heading', { level: 1, name: `Job ${firstOfP1}` }).waitFor();
    await ui.page.locator('.crumbs').getByRole('link', { name: 'Overview' }).waitFor();

    await ui.page.goto(`${ui.served.url}/queues/${P(0)}`);
    await ui.page.getByRole('heading', { level: 1, name: P(0) }).waitFor();
    expect(await ui.page.locator('.crumbs').textContent()).toBe(
      `Overview › Queue mail › Partition 1 of 4 (${P(0)})`,
    );
    await ui.shoot('queue-partition-first');
  });

  it('/dead offers the queue (all partitions) and each partition as filters', async () => {
    await ui.page.goto(`${ui.served.url}/dead`);
    const select = ui.page.getByLabel('Queue');
    await expect
      .poll(() => select.locator('option').allTextContents())
      .toEqual([
        'All queues',
        'mail (all 4 partitions)',
        `\u00a0\u00a0${P(0)}`,
        `\u00a0\u00a0${P(1)}`,
        `\u00a0\u00a0${P(2)}`,
        `\u00a0\u00a0${P(3)}`,
        'orders',
      ]);
    const rows = ui.page.locator('table.data-table tbody tr');
    for (const queue of ['mail', P(1)]) {
      await select.selectOption(queue);
      await ui.page.getByRole('button', { name: 'Filter' }).click();
      await expect.poll(() => new URL(ui.page.url()).searchParams.get('queue')).toBe(queue);
      await expect.poll(() => rows.count()).toBe(1);
      expect(await rows.first().locator('td').first().textContent()).toBe(dead);
    }
    await select.selectOption(P(0));
    await ui.page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => rows.first().textContent()).toContain('No dead jobs match.');
  });
});
