// A job that failed an attempt and then completed keeps that attempt's error. The job page
// and the Finished list label it as an earlier attempt's, not as why the job ended.

import { memoryTransport } from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { useBrowserPage } from './browser-page.js';
import { enqueue, settleNext } from './fixtures.js';

const transport = memoryTransport();
const ui = useBrowserPage({ transport, label: 'earlier error' });

async function completedAfterRetry(queue: string): Promise<string> {
  const [id] = await enqueue(transport, queue, [{ task: 'shop.flaky', input: {}, maxAttempts: 2 }]);
  await settleNext(transport, queue, 1, {
    retry: { name: 'Error', code: 'ETIMEDOUT', message: 'first try timed out' },
  });
  await settleNext(transport, queue, 1, { complete: { ok: true } });
  return id as string;
}

describe("a completed job's error from an earlier attempt", () => {
  it('is headed as an earlier attempt on the job page, not as its error', async () => {
    const id = await completedAfterRetry('earlier-page');
    expect((await transport.getJob(id))?.state).toBe('completed');
    await ui.page.goto(`${ui.served.url}/jobs/${encodeURIComponent(id)}`);
    await ui.page.locator('.page-head .badge', { hasText: 'completed' }).waitFor();
    const headings = ui.page.locator('main h2');
    await ui.page
      .locator('main h2', { hasText: "Earlier attempt's error" })
      .waitFor({ timeout: 10_000 });
    expect(await headings.allTextContents()).not.toContain('Error');
    const view = ui.page.locator('.error-view');
    expect(await view.getAttribute('class')).toBe('error-view earlier');
    expect(await ui.page.locator('.earlier-note').textContent()).toMatch(
      /^The job completed: this error is from an earlier attempt/,
    );
  });

  it('is labelled in the Finished list', async () => {
    await completedAfterRetry('earlier-list');
    await ui.page.goto(`${ui.served.url}/queues/earlier-list?state=finished`);
    const cell = ui.page.locator('.error-cell');
    await cell.waitFor();
    await expect
      .poll(() => cell.textContent(), { timeout: 5000 })
      .toBe('earlier attempt: ETIMEDOUT first try timed out');
  });
});
