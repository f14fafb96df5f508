// The Finished tab's choice of how the jobs ended: Failed lists what failed without the
// completed jobs around it, each choice with a URL of its own, the Finished tab still current.

import { memoryTransport } from '@conveyor/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBrowserPage } from './browser-page.js';
import { enqueue } from './fixtures.js';

const transport = memoryTransport();
const queue = 'invoices';
let ids: string[] = [];

beforeAll(async () => {
  ids = await enqueue(
    transport,
    queue,
    Array.from({ length: 5 }, (_, n) => ({ task: 'shop.sendInvoice', input: { invoice: n } })),
  );
  const held = await transport.reserve({
    queues: [queue],
    max: 4,
    leaseMs: 600_000,
    consumer: 'worker-a',
  });
  const error = { name: 'Error', message: 'printer on fire', code: 'PRINTER_ON_FIRE' };
  // Completed, failed, completed, failed, one at a time; the fifth is cancelled waiting.
  for (const [n, { envelope, token }] of held.entries()) {
    const { id } = envelope;
    await transport.settle([
      n % 2 === 1
        ? { type: 'fail', id, token, error, deadLetter: false }
        : { type: 'complete', id, token, result: { sent: true } },
    ]);
  }
  expect(await transport.cancel(ids[4] as string)).toBe('cancelled');
});

const ui = useBrowserPage({ transport, label: 'ended filter' });

/** The ids of the rows the list shows. */
const rowIds = () =>
  ui.page.locator('.data-table tbody tr:not(.empty) td:first-child a').allTextContents();

describe('the Finished tab', () => {
  it('lists the jobs that ended one way, chosen above the list, each with its URL', async () => {
    const { page } = ui;
    await page.goto(`${ui.served.url}/queues/${queue}?state=finished`);
    const choices = page.getByRole('navigation', { name: 'Finished jobs by how they ended' });
    await expect.poll(rowIds).toHaveLength(5);
    await expect.poll(() => choices.locator('[aria-current="page"]').textContent()).toBe('All');

    await choices.getByRole('link', { name: 'Failed' }).click();
    await page.waitForURL(/state=failed/);
    await expect.poll(rowIds).toEqual([ids[3], ids[1]]);
    await expect
      .poll(() => page.locator('.data-table tbody .badge').allTextContents())
      .toEqual(['failed', 'failed']);
    await expect
      .poll(() => page.locator('.data-table tbody .error-code').allTextContents())
      .toEqual(['PRINTER_ON_FIRE', 'PRINTER_ON_FIRE']);
    // Still the Finished tab, and Failed is the choice shown as current.
    const tabs = page.getByRole('navigation', { name: 'Job states' });
    expect(await tabs.locator('[aria-current="page"]').textContent()).toMatch(/^Finished/);
    expect(await choices.locator('[aria-current="page"]').textContent()).toBe('Failed');
    await ui.shoot('finished-failed');

    await choices.getByRole('link', { name: 'Completed' }).click();
    await expect.poll(rowIds).toEqual([ids[2], ids[0]]);
    await choices.getByRole('link', { name: 'Cancelled' }).click();
    await expect.poll(rowIds).toEqual([ids[4]]);
    await choices.getByRole('link', { name: 'Expired' }).click();
    await page.getByText('No expired jobs.').waitFor();

    // The task filter is kept from one choice to the next.
    await page.goto(`${ui.served.url}/queues/${queue}?state=failed&task=shop.sendInvoice`);
    await expect.poll(rowIds).toEqual([ids[3], ids[1]]);
    await choices.getByRole('link', { name: 'Completed' }).click();
    await page.waitForURL(/state=completed&task=shop\.sendInvoice/);
    await expect.poll(rowIds).toEqual([ids[2], ids[0]]);
  });
});
