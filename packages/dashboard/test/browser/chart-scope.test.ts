// The Overview's "Show" select lists every queue › task of the charts: a very long task name
// is cut in its option (whole in the tooltip), and the select never widens the page.

import { memoryTransport, PICKUP_BUCKETS_MS } from '@conveyor/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBrowserPage } from './browser-page.js';
import { enqueue } from './fixtures.js';

const transport = memoryTransport();
const LONG_TASK = `shop.${'reconcileWarehouseLedgerWithCarrierManifests'.repeat(3)}`.slice(0, 104);

beforeAll(async () => {
  // A queue the metrics list: one that holds a job.
  await enqueue(transport, 'ledger', [{ task: LONG_TASK, input: {} }]);
  const minute = Math.floor(Date.now() / 60_000);
  const pickup = new Array<number>(PICKUP_BUCKETS_MS.length + 1).fill(0);
  await transport.metrics?.record([
    { queue: 'ledger', task: LONG_TASK, minute, completed: 3, failed: 0, retried: 0, pickup },
  ]);
});

const ui = useBrowserPage({
  transport,
  label: 'chart scope',
  viewport: { width: 390, height: 800 },
});

describe('the chart "Show" select', () => {
  it('keeps a 390 px page from scrolling sideways, and a desktop one narrow', async () => {
    expect(LONG_TASK).toHaveLength(104);
    await ui.page.goto(ui.served.url);
    const select = ui.page.getByLabel('Show');
    const option = select.locator('option').filter({ hasText: 'ledger › shop.' });
    await expect.poll(() => select.innerHTML(), { timeout: 5000 }).toContain('ledger ›');
    expect(await option.getAttribute('title')).toBe(`ledger › ${LONG_TASK}`);
    expect((await option.textContent())?.endsWith('…')).toBe(true);
    await ui.shoot('chart-scope-390', { fullPage: false });
    expect(
      await ui.page.evaluate<boolean>('document.documentElement.scrollWidth <= innerWidth'),
    ).toBe(true);

    await ui.page.setViewportSize({ width: 1360, height: 860 });
    const width = await select.evaluate((el) => el.getBoundingClientRect().width);
    expect(width).toBeLessThanOrEqual(360);
    await ui.shoot('chart-scope-desktop', { fullPage: false });
  });
});
