// Each queue's line keeps its colour when another queue appears. Colours went by place in the
// sorted list, so a new queue sorting first moved every other queue's colour.

import { memoryTransport, PICKUP_BUCKETS_MS } from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { useBrowserPage } from './browser-page.js';
import { enqueue } from './fixtures.js';

const WAIT = { timeout: 20_000 };
const transport = memoryTransport();
const ui = useBrowserPage({ transport, label: 'chart colours' });

/** A queue the charts show: it holds a job and recorded a minute. */
async function addQueue(queue: string): Promise<void> {
  await enqueue(transport, queue, [{ task: 'shop.work', input: {} }]);
  const pickup = new Array<number>(PICKUP_BUCKETS_MS.length + 1).fill(0);
  const minute = Math.floor(Date.now() / 60_000);
  await transport.metrics.record([
    { queue, task: 'shop.work', minute, completed: 2, failed: 1, retried: 0, pickup },
  ]);
}

/** Each legend label of every chart, with its swatch's colour class. */
async function colours(count: number): Promise<Record<string, string>[]> {
  const legends = ui.page.locator('figure.chart ul.legend');
  await expect.poll(() => legends.count(), WAIT).toBe(3);
  await expect.poll(() => legends.first().locator('li').count(), WAIT).toBe(count);
  const all = await legends.evaluateAll((lists) =>
    lists.map((list) =>
      Object.fromEntries(
        [...list.querySelectorAll('li')].map((li) => [
          li.textContent ?? '',
          li.querySelector('.swatch')?.getAttribute('class') ?? '',
        ]),
      ),
    ),
  );
  return all;
}

describe('chart colours', () => {
  it('stay with their queue when a queue sorting before them appears, in this tab and the next', async () => {
    await addQueue('beta');
    await addQueue('gamma');
    await ui.page.goto(ui.served.url);
    const [before] = await colours(2);
    expect(before?.beta).not.toBe(before?.gamma);

    await addQueue('alpha');
    // Back to the overview in the same tab: the charts are read again.
    await ui.page.getByRole('link', { name: 'Dead', exact: true }).click();
    await ui.page.getByRole('heading', { level: 1, name: 'Dead jobs' }).waitFor();
    await ui.page.getByRole('link', { name: 'Overview', exact: true }).first().click();
    const after = await colours(3);
    for (const chart of after) {
      // The same in every chart, and distinct.
      expect(chart).toEqual(after[0]);
      expect(chart.beta).toBe(before?.beta);
      expect(chart.gamma).toBe(before?.gamma);
      expect(new Set(Object.values(chart)).size).toBe(3);
    }
    await ui.shoot('chart-colours', { fullPage: false });

    // A new tab (a reload) draws the same: the colour comes from the queue's name.
    await ui.page.goto(ui.served.url);
    expect(await colours(3)).toEqual(after);
  });
});
