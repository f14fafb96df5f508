// The queue page's state tabs on a 390 px phone, where they are wider than the screen and
// scroll sideways in their row: a fade with an arrow marks each edge past which more tabs lie
// (and only then), the selected tab is scrolled into view when the page opens, a live count
// update leaves the row where the user scrolled it, and keyboard focus brings a tab clear of
// the fade. At desktop width the row fits and neither edge is marked. The tabs stay links in a
// labelled nav. Screenshots go to $CONVEYOR_SCREENSHOTS when it is set.

import { memoryTransport } from '@conveyor/core';
import type { Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBrowserPage } from './browser-page.js';
import { enqueue } from './fixtures.js';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1360, height: 860 };

const transport = memoryTransport();
beforeAll(async () => {
  await enqueue(
    transport,
    'orders',
    Array.from({ length: 12 }, (_, i) => ({ task: 'shop.charge', input: { order: i } })),
  );
  await enqueue(transport, 'orders', [{ task: 'shop.remind', input: {}, delayMs: 3_600_000 }]);
});

const ui = useBrowserPage({
  transport,
  label: 'queue tabs on a phone',
  colorScheme: 'light',
  viewport: PHONE,
});

const frame = (page: Page): Locator => page.locator('main .scroll-hint');
const row = (page: Page): Locator => page.getByRole('navigation', { name: 'Job states' });

/** The edges the frame marks, and whether each fade is drawn (opacity and visibility). */
async function hints(
  page: Page,
  at: Locator = frame(page),
): Promise<{ more: string | null; start: boolean; end: boolean }> {
  const drawn = (pseudo: string) =>
    at.evaluate((el, which) => {
      const style = (
        globalThis as unknown as {
          getComputedStyle(e: unknown, p: string): { opacity: string; visibility: string };
        }
      ).getComputedStyle(el, which);
      return style.opacity === '1' && style.visibility === 'visible';
    }, pseudo);
  return {
    more: await at.getAttribute('data-more'),
    start: await drawn('::before'),
    end: await drawn('::after'),
  };
}

/** The row's scroll position, its overflow, and its box. */
const scroll = (page: Page) =>
  row(page).evaluate((el) => ({
    left: el.scrollLeft,
    max: el.scrollWidth - el.clientWidth,
  }));

/** Whether `tab` is wholly inside the row's visible part (and the screen's width). */
async function inView(page: Page, tab: Locator, within: Locator = row(page)): Promise<boolean> {
  const box = await tab.boundingBox();
  const frameBox = await within.boundingBox();
  if (!box || !frameBox) return false;
  const width = page.viewportSize()?.width ?? 0;
  return (
    box.x >= frameBox.x - 0.5 &&
    box.x + box.width <= frameBox.x + frameBox.width + 0.5 &&
    box.x + box.width <= width + 0.5
  );
}

describe('queue state tabs on a 390 px phone', () => {
  it('mark the end edge while more tabs lie past it, and the page does not widen', async () => {
    await ui.page.goto(`${ui.served.url}/queues/orders?state=waiting`);
    await ui.page.locator('.tab-count[data-count="waiting"]', { hasText: /^12$/ }).waitFor();
    const { left, max } = await scroll(ui.page);
    expect(max).toBeGreaterThan(0);
    expect(left).toBe(0);
    await expect.poll(() => hints(ui.page)).toEqual({ more: 'end', start: false, end: true });
    expect(await ui.page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      PHONE.width,
    );
    // Still a labelled nav of links, the current one marked; the arrows are not read out.
    expect(await row(ui.page).getByRole('link').count()).toBe(5);
    expect(await row(ui.page).locator('[aria-current="page"]').textContent()).toBe('Waiting12');
    expect(await frame(ui.page).ariaSnapshot()).not.toMatch(/[‹›]/);
    await ui.shoot('phone-tabs-start', { fullPage: false });
  });

  it('scroll the selected tab into view on load, marking the edge before it', async () => {
    await ui.page.goto(`${ui.served.url}/queues/orders?state=finished`);
    const current = row(ui.page).locator('[aria-current="page"]');
    await expect.poll(() => current.textContent()).toBe('Finished0');
    await expect.poll(() => inView(ui.page, current)).toBe(true);
    await expect.poll(() => hints(ui.page)).toMatchObject({ start: true });
    await ui.shoot('phone-tabs-finished', { fullPage: false });

    await ui.page.goto(`${ui.served.url}/queues/orders?state=delayed`);
    const delayed = row(ui.page).locator('[aria-current="page"]');
    await expect.poll(() => delayed.textContent()).toBe('Delayed1');
    await expect.poll(() => inView(ui.page, delayed)).toBe(true);
  });

  it('drop the end mark scrolled to the end, and stay there through a live count update', async () => {
    await ui.page.goto(`${ui.served.url}/queues/orders?state=waiting`);
    await ui.page.locator('.tab-count[data-count="waiting"]', { hasText: /^12$/ }).waitFor();
    await expect.poll(() => hints(ui.page)).toEqual({ more: 'end', start: false, end: true });
    // As a user would: the wheel (a trackpad's sideways swipe) over the row.
    const box = await row(ui.page).boundingBox();
    await ui.page.mouse.move((box?.x ?? 0) + 100, (box?.y ?? 0) + 10);
    await ui.page.mouse.wheel(2000, 0);
    await expect.poll(() => hints(ui.page)).toEqual({ more: 'start', start: true, end: false });
    const scrolled = await scroll(ui.page);
    expect(scrolled.left).toBeGreaterThan(0);
    await ui.shoot('phone-tabs-end', { fullPage: false });

    await enqueue(transport, 'orders', [{ task: 'shop.charge', input: { order: 12 } }]);
    await ui.page.locator('.tab-count[data-count="waiting"]', { hasText: /^13$/ }).waitFor();
    expect((await scroll(ui.page)).left).toBeGreaterThan(0);
    await expect.poll(() => hints(ui.page)).toEqual({ more: 'start', start: true, end: false });
  });

  it('bring a tab reached with the keyboard into view', async () => {
    await ui.page.goto(`${ui.served.url}/queues/orders?state=waiting`);
    const tabs = row(ui.page).getByRole('link');
    await tabs.first().focus();
    for (let i = 1; i < 5; i++) await ui.page.keyboard.press('Tab');
    const last = tabs.last();
    expect(await last.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    await expect.poll(() => inView(ui.page, last)).toBe(true);
    await expect.poll(() => hints(ui.page)).toMatchObject({ start: true, end: false });
  });

  it('at desktop width the tabs fit and neither edge is marked', async () => {
    const desktop = await ui.context.newPage();
    try {
      await desktop.setViewportSize(DESKTOP);
      await desktop.goto(`${ui.served.url}/queues/orders?state=finished`);
      await desktop.locator('.tab-count[data-count="waiting"]').waitFor();
      expect((await scroll(desktop)).max).toBeLessThanOrEqual(0);
      await expect.poll(() => hints(desktop)).toEqual({ more: '', start: false, end: false });
      expect(await inView(desktop, row(desktop).locator('[aria-current="page"]'))).toBe(true);
      // The main bar fits too.
      const bar = desktop.locator('.nav-frame');
      await expect.poll(() => hints(desktop, bar)).toEqual({ more: '', start: false, end: false });
      await ui.shoot('desktop-tabs', { page: desktop, fullPage: false });
    } finally {
      await desktop.close();
    }
  });
});

describe('the main bar and the workflow status tabs on a 390 px phone', () => {
  const bar = (page: Page): Locator => page.locator('.nav-frame');
  const barRow = (page: Page): Locator => page.getByRole('navigation', { name: 'Main' });

  it('the main bar marks the edges past which links lie, and brings the current one in', async () => {
    await ui.page.goto(`${ui.served.url}/`);
    await expect
      .poll(() => hints(ui.page, bar(ui.page)))
      .toEqual({
        more: 'end',
        start: false,
        end: true,
      });
    expect(await bar(ui.page).ariaSnapshot()).not.toMatch(/[‹›]/);
    await ui.shoot('phone-nav-start', { fullPage: false });

    await ui.page.goto(`${ui.served.url}/audit`);
    const current = barRow(ui.page).locator('[aria-current="page"]');
    await expect.poll(() => current.textContent()).toBe('Audit');
    await expect.poll(() => inView(ui.page, current, barRow(ui.page))).toBe(true);
    await expect.poll(() => hints(ui.page, bar(ui.page))).toMatchObject({ start: true });
    await ui.shoot('phone-nav-audit', { fullPage: false });
  });

  it('the workflow status tabs do the same', async () => {
    await ui.page.goto(`${ui.served.url}/workflows?status=completed`);
    const tabs = ui.page.getByRole('navigation', { name: 'Workflow statuses' });
    const current = tabs.locator('[aria-current="page"]');
    await expect.poll(() => current.textContent()).toBe('Completed');
    await expect.poll(() => inView(ui.page, current, tabs)).toBe(true);
    await expect.poll(() => hints(ui.page)).toMatchObject({ start: true });
    await ui.shoot('phone-workflow-tabs', { fullPage: false });
  });
});
