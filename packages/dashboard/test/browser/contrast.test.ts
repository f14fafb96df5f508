// The queue page's state tabs: each count badge's text meets WCAG AA (4.5:1) on its own
// background, in the light and the dark theme.

import { memoryTransport } from '@conveyor/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBrowserPage } from './browser-page.js';
import { enqueue } from './fixtures.js';

const transport = memoryTransport();
beforeAll(async () => {
  await enqueue(transport, 'contrast', [{ task: 'shop.a', input: {} }]);
});

const ui = useBrowserPage({ transport, label: 'contrast', colorScheme: 'light' });

/** The lowest contrast ratio of the tab counts' text on their background, in the page. */
const lowestRatio = (): Promise<number> =>
  ui.page.evaluate<number>(`(() => {
    const rgb = (css) => css.match(/[\\d.]+/g).slice(0, 3).map(Number);
    const lum = (c) => {
      const [r, g, b] = c.map((v) => {
        const x = v / 255;
        return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const ratios = [...document.querySelectorAll('.tab-count')].map((el) => {
      const style = getComputedStyle(el);
      const a = lum(rgb(style.color));
      const b = lum(rgb(style.backgroundColor));
      return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    });
    return ratios.length ? Math.min(...ratios) : 0;
  })()`);

describe('queue tab counts', () => {
  it('read at 4.5:1 or more in both themes', async () => {
    await ui.page.goto(`${ui.served.url}/queues/contrast?state=waiting`);
    await ui.page.locator('.tab-count').first().waitFor();
    expect(await lowestRatio()).toBeGreaterThanOrEqual(4.5);
    await ui.shoot('tab-counts-light', { fullPage: false });
    await ui.page.emulateMedia({ colorScheme: 'dark' });
    expect(await lowestRatio()).toBeGreaterThanOrEqual(4.5);
    await ui.shoot('tab-counts-dark', { fullPage: false });
  });
});
