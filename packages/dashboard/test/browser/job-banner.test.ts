// The job page's banner after a Retry says where the job went; when the job moves on (it
// fails again and is dead once more), the banner follows instead of going stale.

import { memoryTransport } from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { useBrowserPage } from './browser-page.js';
import { deadJob, settleNext } from './fixtures.js';

const transport = memoryTransport();
const ui = useBrowserPage({ transport, label: 'job banner' });

describe('the job page after Retry', () => {
  it('does not keep saying the job is waiting once it is dead again', async () => {
    const id = await deadJob(transport, 'again', { task: 'shop.flaky', input: {} }, [
      { name: 'Error', message: 'first' },
    ]);
    await ui.page.goto(`${ui.served.url}/jobs/${encodeURIComponent(id)}`);
    await ui.page.locator('.live-status[data-status="live"]').waitFor();
    await ui.page.locator('.page-head .badge', { hasText: 'dead' }).waitFor();
    await ui.page.getByRole('button', { name: 'Retry' }).click();
    await ui.page.getByRole('dialog').getByRole('button', { name: 'Retry job' }).click();
    const banner = ui.page.locator('.notices .notice');
    await banner.filter({ hasText: 'Retried: the job is now waiting.' }).waitFor();
    await ui.page.locator('.page-head .badge', { hasText: 'waiting' }).waitFor();

    await settleNext(transport, 'again', 1, { dead: { name: 'Error', message: 'second' } });
    await ui.page.locator('.page-head .badge', { hasText: 'dead' }).waitFor();
    await expect
      .poll(() => banner.textContent(), { timeout: 5000 })
      .toBe('Retried earlier; the job has moved on since: it is now dead.');
    await ui.shoot('job-retried-dead-again', { fullPage: false });
  });
});
