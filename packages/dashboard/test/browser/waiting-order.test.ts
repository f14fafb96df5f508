// The Waiting tab is ordered by priority and by when a job joined the line, not by its
// Enqueued time (a delayed job that came due, or a retried one, joins when that happens). The
// tab says what its order is, so such rows do not look out of order.

import { memoryTransport } from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { useBrowserPage } from './browser-page.js';
import { enqueue } from './fixtures.js';

const transport = memoryTransport();
const ui = useBrowserPage({ transport, label: 'waiting order' });

describe('the Waiting tab', () => {
  it('says what it is ordered by', async () => {
    await enqueue(transport, 'line', [
      { task: 'shop.first', input: {} },
      { task: 'shop.second', input: {} },
      { task: 'shop.urgent', input: {}, priority: 9 },
    ]);
    await ui.page.goto(`${ui.served.url}/queues/line?state=waiting`);
    const note = ui.page.locator('.list-order');
    await note.waitFor({ timeout: 10_000 });
    expect(await note.textContent()).toMatch(
      /^Highest priority first; within a priority, the job that joined the line last on top .* Enqueued times need not be in order\.$/,
    );
    // Each row shows its priority, so the order can be read off the table.
    const heads = await ui.page.locator('table.data-table thead th').allTextContents();
    expect(heads).toEqual(['Job', 'Task', 'Priority', 'Attempts', 'Enqueued']);
    const rows = ui.page.locator('table.data-table tbody tr');
    const cells = async (row: number) =>
      (await rows.nth(row).locator('td, th').allTextContents()).slice(1, 3);
    expect(await cells(0)).toEqual(['shop.urgent', '9']);
    expect((await cells(1))[1]).toBe('5');
    // The other tabs are ordered by their own time column, and say nothing.
    await ui.page.goto(`${ui.served.url}/queues/line?state=delayed`);
    await ui.page.locator('.data-table').waitFor();
    expect(await note.count()).toBe(0);
  });
});
