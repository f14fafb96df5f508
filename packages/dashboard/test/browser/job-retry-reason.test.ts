// A job that cannot be retried says why in words beside its disabled Retry, not only in a
// tooltip (a disabled button takes no focus, and a phone has no hover).

import { memoryTransport } from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { useBrowserPage } from './browser-page.js';
import { enqueue, settleNext } from './fixtures.js';

const transport = memoryTransport();
const ui = useBrowserPage({ transport, label: 'job retry reason' });

describe('the job page of a job that cannot be retried', () => {
  it('says beside the disabled Retry that a completed job ended, and what to do', async () => {
    const [id] = await enqueue(transport, 'reason', [{ task: 'shop.ok', input: {} }]);
    await settleNext(transport, 'reason', 1, { complete: { ok: true } });
    await ui.page.goto(`${ui.served.url}/jobs/${encodeURIComponent(id as string)}`);
    await ui.page.locator('.page-head .badge', { hasText: 'completed' }).waitFor();
    const retry = ui.page.getByRole('button', { name: 'Retry' });
    await expect.poll(() => retry.isDisabled(), { timeout: 5000 }).toBe(true);
    const note = ui.page.locator('.page-head .action-note');
    await expect
      .poll(() => note.textContent(), { timeout: 5000 })
      .toBe(
        'No retry: it ended completed, and only dead jobs are retried. To run it again, enqueue it anew.',
      );
    expect(await note.isVisible()).toBe(true);
    expect(await retry.getAttribute('aria-describedby')).toBe('retry-refused');
  });
});
