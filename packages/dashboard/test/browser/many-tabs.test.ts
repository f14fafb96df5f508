// More tabs than a browser opens connections to an HTTP/1.1 host (6): every one loads and
// follows the counts. Each tab used to hold an event stream of its own, and the 7th hung.

import { memoryTransport } from '@conveyor/core';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { PASSWORD, USER } from '../helpers.js';
import { useBrowserPage } from './browser-page.js';
import { enqueue } from './fixtures.js';

const TABS = 9;
const WAIT = { timeout: 20_000 };

const transport = memoryTransport();
const ui = useBrowserPage({ transport, label: 'many tabs' });

/** Which page opened each event stream, and the URLs it opened. */
function watchStreams(context: BrowserContext): Map<Page, string[]> {
  const streams = new Map<Page, string[]>();
  context.on('request', (request) => {
    if (!new URL(request.url()).pathname.endsWith('/api/events')) return;
    const page = request.frame().page();
    streams.set(page, [...(streams.get(page) ?? []), request.url()]);
  });
  return streams;
}

const waiting = (page: Page, queue: string) =>
  page.locator(`.queues-table [data-key="${queue}/waiting"]`);

async function openTabs(context: BrowserContext, url: string): Promise<Page[]> {
  const pages: Page[] = [];
  for (let n = 0; n < TABS; n++) {
    const page = await context.newPage();
    pages.push(page);
    await page.goto(url, WAIT);
  }
  return pages;
}

describe('many tabs in one browser', () => {
  it('share one event stream: all load and follow the counts, and another tab takes over when its tab closes', async () => {
    await enqueue(transport, 'tabs', [{ task: 'shop.a', input: {} }]);
    const streams = watchStreams(ui.context);
    const pages = await openTabs(ui.context, `${ui.served.url}/`);
    try {
      for (const page of pages) {
        await page.locator('.live-status[data-status="live"]').waitFor(WAIT);
        await expect.poll(() => waiting(page, 'tabs').textContent(), WAIT).toBe('1');
      }
      expect(streams.size).toBe(1);
      const [leader] = [...streams.keys()];
      await ui.shoot('tab-follower', { page: pages.at(-1), fullPage: false });

      await enqueue(transport, 'tabs', [{ task: 'shop.b', input: {} }]);
      for (const page of pages) {
        await expect.poll(() => waiting(page, 'tabs').textContent(), WAIT).toBe('2');
      }

      // The leading tab closes: another opens the stream, resuming where the first one was.
      await leader?.close();
      await enqueue(transport, 'tabs', [{ task: 'shop.c', input: {} }]);
      const left = pages.filter((page) => !page.isClosed());
      for (const page of left) {
        await expect.poll(() => waiting(page, 'tabs').textContent(), WAIT).toBe('3');
        await page.locator('.live-status[data-status="live"]').waitFor(WAIT);
      }
      const takers = [...streams.keys()].filter((page) => page !== leader);
      expect(takers).toHaveLength(1);
      expect(streams.get(takers[0] as Page)?.[0]).toMatch(/[?&]lastEventId=/);
    } finally {
      for (const page of pages) await page.close();
    }
  });
});

describe('many tabs where Web Locks are missing (plain HTTP on a host other than localhost)', () => {
  let context: BrowserContext;
  /** Tabs start hidden, as tabs opened with ctrl-click do; `show(page, bool)` flips one. */
  const show = (page: Page, shown: boolean) => page.evaluate(`show(${shown})`);

  it('hold a stream only while shown, and read what changed when shown again', async () => {
    context = await ui.browser.newContext({
      httpCredentials: { username: USER, password: PASSWORD },
    });
    // No Web Locks, as in an insecure context; visibility the test sets.
    await context.addInitScript(`
      Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined });
      let hidden = true;
      Object.defineProperty(Document.prototype, 'hidden', { get: () => hidden });
      Object.defineProperty(Document.prototype, 'visibilityState', {
        get: () => (hidden ? 'hidden' : 'visible'),
      });
      window.show = (shown) => {
        hidden = !shown;
        document.dispatchEvent(new Event('visibilitychange'));
      };
    `);
    const [first] = await enqueue(transport, 'hidden', [{ task: 'shop.a', input: {} }]);
    const streams = watchStreams(context);
    const url = `${ui.served.url}/queues/hidden?state=waiting`;
    const jobLink = (page: Page, id: string) => page.locator('tbody a.mono', { hasText: id });
    try {
      const pages = await openTabs(context, url);
      for (const page of pages) await jobLink(page, first as string).waitFor(WAIT);
      expect(streams.size).toBe(0);

      const [one, two] = pages as [Page, Page];
      await show(one, true);
      await one.locator('.live-status[data-status="live"]').waitFor(WAIT);
      const [second] = await enqueue(transport, 'hidden', [{ task: 'shop.b', input: {} }]);
      await jobLink(one, second as string).waitFor(WAIT);

      // Another tab comes to the front: the first lets its stream go and misses what follows.
      await show(one, false);
      await show(two, true);
      await two.locator('.live-status[data-status="live"]').waitFor(WAIT);
      const [third] = await enqueue(transport, 'hidden', [{ task: 'shop.c', input: {} }]);
      await jobLink(two, third as string).waitFor(WAIT);
      await show(one, true);
      await jobLink(one, third as string).waitFor(WAIT);
      const resumed = streams.get(one) ?? [];
      expect(resumed).toHaveLength(2);
      expect(resumed[1]).toMatch(/[?&]lastEventId=/);
      expect(streams.size).toBe(2);
    } finally {
      await context.close();
    }
  });
});
