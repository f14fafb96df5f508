// Every action of the list pages within reach on a 375 px phone, over a memory transport with
// the demo's data and schedules: a schedule's Run now, Pause and Resume on its card, the dead
// page's Retry (all matching, and a job's own from its page), and the workers page (which has
// no actions) drawn without hiding columns; no page scrolls sideways. Screenshots go to
// $CONVEYOR_SCREENSHOTS when it is set.

import { memoryTransport } from '@conveyor/core';
import type { Locator } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBrowserPage } from './browser-page.js';
import { scheduleSpec, seedSchedules } from './demo-schedules.js';
import { type Demo, seedDemo } from './fixtures.js';

const WIDTH = 375;

// Runs in the page (the test compiles without the DOM library).
declare function getComputedStyle(element: unknown, pseudo: string): { content: string };
const transport = memoryTransport();
const pageErrors: string[] = [];
let demo: Demo;

beforeAll(async () => {
  demo = await seedDemo(transport);
  await seedSchedules(transport);
});

const ui = useBrowserPage({
  transport,
  label: 'phone actions',
  colorScheme: 'light',
  viewport: { width: WIDTH, height: 740 },
});

beforeAll(() => {
  ui.page.on('pageerror', (error) => pageErrors.push(error.message));
  ui.page.on('response', (response) => {
    if (response.status() >= 400) pageErrors.push(`${response.status()} ${response.url()}`);
  });
});

/**
 * On screen across its whole width: not clipped by a table's frame or the screen's edge, and
 * not hidden inside a frame that scrolls sideways (the element at its centre is itself).
 * Polled, as a whole: the list redraws on a live refresh every few seconds, and on a loaded
 * machine CI runs twice caught a read between a redraw's steps (no box for a button just
 * replaced; the point on the redrawn copy), which the next look did not. A card that really
 * overflows fails every look.
 */
async function expectWithinWidth(locator: Locator): Promise<void> {
  await locator.waitFor();
  const look = async (): Promise<string> => {
    const box = await locator.boundingBox();
    if (!box) return 'not drawn';
    if (box.x < 0 || box.x + box.width > WIDTH) {
      return `drawn from x ${box.x} to ${box.x + box.width}, past the ${WIDTH} px screen`;
    }
    const reachable = await locator.evaluate((el) => {
      // Each look from the left edge: an earlier look's scroll must not make this one pass.
      for (let frame = el.parentElement; frame; frame = frame.parentElement) frame.scrollLeft = 0;
      const rect = el.getBoundingClientRect();
      const doc = globalThis as unknown as {
        document: { elementFromPoint(x: number, y: number): unknown };
      };
      el.scrollIntoView({ block: 'center', inline: 'nearest' });
      const after = el.getBoundingClientRect();
      const at = doc.document.elementFromPoint(
        after.left + after.width / 2,
        after.top + after.height / 2,
      );
      return rect.left === after.left && (at === el || el.contains(at as never));
    });
    return reachable ? 'within reach' : 'reachable only by scrolling sideways';
  };
  await expect.poll(look, { message: String(locator), timeout: 10_000 }).toBe('within reach');
}

async function expectNoSideways(): Promise<void> {
  expect(await ui.page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(WIDTH);
  // Nor inside a table's frame: a card table is no wider than the screen (queues.css gives
  // every table 640 px on a phone, which the cards must undo), so nothing is clipped at its
  // frame's edge, where the page's own width does not show it. (Other tables, a job's
  // attempts, keep their columns and scroll in their frame.)
  for (const table of await ui.page.locator('main .phone-cards .data-table').all()) {
    const box = await table.boundingBox();
    expect((box?.x ?? 0) + (box?.width ?? 0), String(table)).toBeLessThanOrEqual(WIDTH);
  }
}

describe('list actions on a 375 px phone', () => {
  it("/schedules: each schedule's Run now and Pause or Resume are on its card, and work", async () => {
    await ui.page.goto(`${ui.served.url}/schedules`);
    const rows = ui.page.locator('tbody tr[data-schedule]');
    await expect.poll(() => rows.count()).toBe(5);
    for (const row of await rows.all()) {
      await expectWithinWidth(row.getByRole('button', { name: 'Run now' }));
      const paused = (await row.getAttribute('data-paused')) === 'true';
      await expectWithinWidth(row.getByRole('button', { name: paused ? 'Resume' : 'Pause' }));
    }
    await expectNoSideways();
    await ui.shoot('phone-schedules');

    const row = ui.page.locator('tr[data-schedule="maintenance/daily-low-stock"]');
    await row.getByRole('button', { name: 'Pause' }).click();
    await ui.page.locator('.notice-ok', { hasText: 'Paused daily-low-stock' }).waitFor();
    await ui.page
      .locator('tr[data-schedule="maintenance/daily-low-stock"][data-paused="true"]')
      .waitFor();
    expect(
      (await transport.schedules?.list(['maintenance']))?.schedules.find(
        (s) => s.spec.id === 'daily-low-stock',
      )?.paused,
    ).toBe(true);
    await expectWithinWidth(row.getByRole('button', { name: 'Resume' }));
    await row.getByRole('button', { name: 'Resume' }).click();
    await ui.page.locator('.notice-ok', { hasText: 'Resumed daily-low-stock.' }).waitFor();
    await ui.page
      .locator('tr[data-schedule="maintenance/daily-low-stock"][data-paused="false"]')
      .waitFor();

    await row.getByRole('button', { name: 'Run now' }).click();
    const dialog = ui.page.getByRole('dialog');
    await expectWithinWidth(dialog.getByRole('button', { name: 'Run now' }));
    await ui.shoot('phone-schedules-confirm', { fullPage: false });
    await dialog.getByRole('button', { name: 'Run now' }).click();
    const banner = ui.page.locator('.notice-ok', { hasText: 'from daily-low-stock.' });
    await banner.waitFor();
    const jobId = (await banner.getByRole('link').textContent()) ?? '';
    expect((await transport.getJob(jobId))?.state).toBe('waiting');
    await expectNoSideways();
    await ui.shoot('phone-schedules-done');
    expect(pageErrors).toEqual([]);
  });

  it("/dead: Retry all matching and Purge are in reach, and a job's own Retry is on its card and on its page", async () => {
    await ui.page.goto(`${ui.served.url}/dead?queue=orders&code=CARD_DECLINED`);
    const rows = ui.page.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    await expectWithinWidth(ui.page.getByRole('button', { name: 'Retry all matching…' }));
    await expectWithinWidth(ui.page.getByRole('button', { name: 'Purge all matching…' }));
    // Each dead job is a card with its error in view and its Retry at the foot; its id opens
    // its page, with its Retry too.
    await expectWithinWidth(rows.first().getByRole('link', { name: demo.deadOrder }));
    const error = rows.first().locator('td[data-label="Error"]');
    await expectWithinWidth(error);
    expect(await error.textContent()).toContain('CARD_DECLINED');
    await expectWithinWidth(rows.first().getByRole('button', { name: 'Retry' }));
    await expectNoSideways();
    await ui.shoot('phone-dead');

    await ui.page.getByRole('button', { name: 'Retry all matching…' }).click();
    const dialog = ui.page.getByRole('dialog');
    await expectWithinWidth(dialog.getByRole('button', { name: 'Retry 1 dead job' }));
    await dialog.getByRole('button', { name: 'Retry 1 dead job' }).click();
    await ui.page.locator('.notice-ok', { hasText: 'Retried 1 job.' }).waitFor();
    expect((await transport.getJob(demo.deadOrder))?.state).toBe('waiting');
    await expect.poll(() => rows.first().textContent()).toContain('No dead jobs match.');
    await expectNoSideways();

    await ui.page.goto(`${ui.served.url}/dead?queue=emails`);
    await rows.first().getByRole('link', { name: demo.deadEmail }).click();
    const retry = ui.page.getByRole('button', { name: 'Retry' });
    await expectWithinWidth(retry);
    await retry.click();
    await ui.page.getByRole('dialog').getByRole('button', { name: 'Retry job' }).click();
    await ui.page.locator('.notice-ok', { hasText: 'Retried: the job is now waiting.' }).waitFor();
    expect((await transport.getJob(demo.deadEmail))?.state).toBe('waiting');
    await expectNoSideways();
    expect(pageErrors).toEqual([]);
  });

  it('/workers: no actions to reach; every worker is drawn in full without scrolling sideways', async () => {
    await ui.page.goto(`${ui.served.url}/workers`);
    const rows = ui.page.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(4);
    expect(await ui.page.locator('main button').count()).toBe(0);
    for (const row of await rows.all()) {
      await expectWithinWidth(row.locator('.worker-id'));
      await expectWithinWidth(row.locator('td').last());
    }
    await expectNoSideways();
    // The titles above the values are drawn, not read out: the table's head still names them.
    const busy = rows.first().locator('td[data-label="Busy"]');
    expect(await busy.evaluate((el) => getComputedStyle(el, '::before').content)).toBe(
      '"Busy" / ""',
    );
    // The page redraws its table every 3 s: each read is retried until it lands on one draw.
    await expect.poll(() => busy.textContent()).toBe('3 / 10');
    await expect.poll(() => busy.ariaSnapshot()).toBe('- cell "3 / 10"');
    await ui.shoot('phone-workers');
    expect(pageErrors).toEqual([]);
  });
  it("/schedules: a 92-character schedule id, its card's title, wraps inside its card", async () => {
    const id = `nightly-${'reconcile-ledger-'.repeat(4)}`.padEnd(92, 'x');
    expect(id).toHaveLength(92);
    await transport.schedules?.upsert([
      scheduleSpec(id, 'ledger', 'shop.reconcile', { every: 600_000 }, {}, 'runtime'),
    ]);
    await ui.page.goto(`${ui.served.url}/schedules`);
    const card = ui.page.locator(`tr[data-schedule="ledger/${id}"]`);
    await card.waitFor();
    const title = card.locator('.schedule-id .data');
    const right = (locator: Locator) => locator.evaluate((el) => el.getBoundingClientRect().right);
    expect(await right(title)).toBeLessThanOrEqual(await right(card));
    await expectWithinWidth(card.getByRole('button', { name: 'Run now' }));
    await expectNoSideways();
    await ui.shoot('phone-schedules-long-id');
    expect(pageErrors).toEqual([]);
  });
});
