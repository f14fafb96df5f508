// A schedule's input on /schedules, in headless Chromium over a memory transport: what each
// slot's job and Run now enqueue, which the page never showed although `GET api/schedules`
// answers it. Redacted by the server, drawn as text, cut with "show all" (kept through the
// page's redraws), and named in Run now's confirmation.

import { memoryTransport } from '@conveyor/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { jsonLine } from '../../ui/format.js';
import { useBrowserPage } from './browser-page.js';
import { scheduleSpec, seedSchedules } from './demo-schedules.js';

const transport = memoryTransport();
const MARKUP = '<img src=x onerror="document.title=1">';
const LONG = {
  note: MARKUP,
  recipients: Array.from({ length: 12 }, (_, i) => `r${i}@example.com`),
};

beforeAll(async () => {
  await seedSchedules(transport);
  await transport.schedules?.upsert([
    scheduleSpec('digest-all', 'ledger', 'shop.digest', { every: 600_000 }, LONG, 'runtime'),
    // A long id and task, which leave the other columns the least room at 1280 px.
    scheduleSpec(
      'carrier-invoices-nightly',
      'nobody',
      'shop.reconcileCarrierInvoicesAgainstTheLedger',
      { cron: '0 3 * * *', tz: 'Europe/Berlin' },
      {},
      'runtime',
    ),
  ]);
});

const ui = useBrowserPage({
  transport,
  label: 'schedule input',
  colorScheme: 'light',
  viewport: { width: 1280, height: 800 },
});

const row = (key: string) => ui.page.locator(`tr[data-schedule="${key}"]`);
const input = (key: string) => row(key).locator('td[data-label="Input"]');

describe("a schedule's input on /schedules", () => {
  it('is shown in its own column, redacted by the server', async () => {
    await ui.page.goto(`${ui.served.url}/schedules`);
    await row('maintenance/daily-low-stock').waitFor();
    expect(await ui.page.locator('thead th').allTextContents()).toEqual([
      'Schedule',
      'Queue',
      'Task',
      'Input',
      'Timing',
      'Next',
      'Last run',
      'Actions',
    ]);
    // smtp.password is a default redaction: its value never reaches the page.
    expect(await input('maintenance/daily-low-stock').textContent()).toBe(
      '{"threshold": 5, "to": "ops@example.com", "smtp": {"password": "[redacted]"}}',
    );
    expect(await ui.page.locator('main').textContent()).not.toContain('hunter2');
    expect(await input('maintenance/weekly-digest').textContent()).toBe(
      '{"audience": "subscribers"}',
    );
    await ui.shoot('schedules-input');
  });

  it('leaves Actions inside the frame at 1280 px', async () => {
    await ui.page.goto(`${ui.served.url}/schedules`);
    await row('nobody/carrier-invoices-nightly').waitFor();
    // Kept whole, the input's short words and its "show all" pushed the table 19 px past its
    // frame, and the Run now buttons with it.
    const sizes = await ui.page
      .locator('.table-wrap')
      .evaluate((el) => ({ frame: el.clientWidth, table: el.scrollWidth }));
    expect(sizes.table).toBeLessThanOrEqual(sizes.frame);
  });

  it('is cut with "show all", drawn as text, and stays shown in full through a redraw', async () => {
    await ui.page.goto(`${ui.served.url}/schedules`);
    const cell = input('ledger/digest-all');
    await cell.waitFor();
    const full = jsonLine(LONG);
    const shown = (await cell.locator('.data').textContent()) ?? '';
    expect(shown).toBe(`${full.slice(0, 100)}…`);
    expect(await cell.locator('img').count()).toBe(0);
    await cell.getByRole('button', { name: `show all (${full.length} characters)` }).click();
    expect(await cell.locator('.data').textContent()).toBe(full);
    // The list is read again every 5 s and redrawn: the value stays shown in full.
    const before = await cell.locator('.data').elementHandle();
    await expect
      .poll(() => before?.evaluate((el) => el.isConnected), { timeout: 10_000 })
      .toBe(false);
    expect(await cell.locator('.data').textContent()).toBe(full);
    expect(await cell.getByRole('button').count()).toBe(0);
    await ui.shoot('schedules-input-shown');
  });

  it("is named in Run now's confirmation", async () => {
    await ui.page.goto(`${ui.served.url}/schedules`);
    await row('maintenance/daily-low-stock').getByRole('button', { name: 'Run now' }).click();
    const dialog = ui.page.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain(
      'with the schedule’s input {"threshold": 5, "to": "ops@example.com", "smtp": {"password": "[redacted]"}}. Its slots still fire as planned.',
    );
    await ui.shoot('schedules-input-confirm', { fullPage: false });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });
});
