// Job lists follow the event stream: a queue's list and the dead-letter list re-read the page
// on screen when counts change (one page, whatever the queue's depth, over a private Redis),
// keep the keyboard's place, and with Auto-refresh off say they are behind until Refresh.

import { memoryTransport, silentLogger } from '@conveyor/core';
import { redisTransport } from '@conveyor/redis';
import { startRedis } from '@conveyor/test-redis';
import { describe, expect, it, vi } from 'vitest';
import { killAll, serve } from '../helpers.js';
import { useBrowserPage } from './browser-page.js';
import { enqueue } from './fixtures.js';

const transport = memoryTransport();
const ui = useBrowserPage({ transport, label: 'live list' });

const jobLink = (id: string) => ui.page.locator('tbody a.mono', { hasText: id });

describe('live job lists', () => {
  it("a queue's list shows a job enqueued after it was drawn, and keeps the focused link", async () => {
    const [first] = await enqueue(transport, 'live', [{ task: 'shop.a', input: {} }]);
    await ui.page.goto(`${ui.served.url}/queues/live?state=waiting`);
    await ui.page.locator('.live-status[data-status="live"]').waitFor();
    await jobLink(first as string).focus();
    const [second] = await enqueue(transport, 'live', [{ task: 'shop.b', input: {} }]);
    await jobLink(second as string).waitFor();
    expect(ui.page.url()).toBe(`${ui.served.url}/queues/live?state=waiting`);
    // The keyboard is where it was: on the same job's link, in the new rows.
    expect(await ui.page.evaluate('document.activeElement?.textContent')).toBe(first);
    expect(await ui.page.locator('.refresh-status').textContent()).toMatch(
      /^Updated \d\d:\d\d:\d\d$/,
    );
    await ui.shoot('queue-live', { fullPage: false });
  });

  it('with Auto-refresh off, says the list is behind until Refresh reads it', async () => {
    await ui.page.goto(`${ui.served.url}/queues/live?state=waiting`);
    await ui.page.locator('.live-status[data-status="live"]').waitFor();
    await ui.page.locator('tbody tr').first().waitFor();
    await ui.page.getByLabel('Auto-refresh').uncheck();
    const [third] = await enqueue(transport, 'live', [{ task: 'shop.c', input: {} }]);
    await ui.page.locator('.refresh[data-behind]').waitFor();
    expect(await ui.page.locator('.refresh-status').textContent()).toMatch(/press Refresh/);
    expect(await jobLink(third as string).count()).toBe(0);
    await ui.page.getByRole('button', { name: 'Refresh jobs' }).click();
    await jobLink(third as string).waitFor();
    expect(await ui.page.locator('.refresh[data-behind]').count()).toBe(0);
    await ui.page.getByLabel('Auto-refresh').check();
  });

  it('the dead-letter list shows a job that died after it was drawn', async () => {
    await ui.page.goto(`${ui.served.url}/dead`);
    await ui.page.locator('.live-status[data-status="live"]').waitFor();
    await ui.page.locator('tr.empty').waitFor();
    await enqueue(transport, 'doomed', [{ task: 'shop.fail', input: {} }]);
    const [dead] = await killAll(transport, 'doomed', 'BOOM');
    await jobLink(dead as string).waitFor();
    expect(await ui.page.locator('tbody tr').count()).toBe(1);
  });
});

describe('live job lists over Redis', () => {
  it('a deep queue re-reads one page of 50 per change, from the cursor on screen', async () => {
    const redis = await startRedis();
    const deep = redisTransport({ url: redis.url, logger: silentLogger });
    const over = await serve({ transport: deep });
    try {
      await enqueue(
        deep,
        'deep',
        Array.from({ length: 2_000 }, (_, n) => ({ task: 'shop.bulk', input: { n } })),
      );
      await ui.page.goto(`${over.url}/queues/deep?state=waiting`);
      await ui.page.locator('.live-status[data-status="live"]').waitFor();
      await expect.poll(() => ui.page.locator('tbody tr').count()).toBe(50);
      await ui.page.getByRole('link', { name: 'Next page »' }).click();
      await ui.page.waitForURL(/cursor=/);
      const url = ui.page.url();
      await expect.poll(() => ui.page.locator('tbody tr').count()).toBe(50);
      const listJobs = vi.spyOn(deep.admin, 'listJobs');
      try {
        await enqueue(deep, 'deep', [{ task: 'shop.bulk', input: { n: 'new' } }]);
        await expect.poll(() => listJobs.mock.calls.length).toBeGreaterThan(0);
        // The page on screen, read again: its own cursor, one page.
        for (const [queue, options] of listJobs.mock.calls) {
          expect(queue).toBe('deep');
          expect(options).toMatchObject({ state: 'waiting', limit: 50 });
          expect(options.cursor).toBe(new URL(url).searchParams.get('cursor'));
        }
        expect(ui.page.url()).toBe(url);
      } finally {
        listJobs.mockRestore();
      }
    } finally {
      await over.close();
      await deep.close();
      await redis.stop();
    }
  });
});
