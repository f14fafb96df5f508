// A running job whose cancel was requested: its page says so, and Cancel asks no second time
// (outside testing clicked it again, and each click wrote another audit entry).
import { memoryTransport } from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { useBrowserPage } from './browser-page.js';
import { enqueue } from './fixtures.js';

const transport = memoryTransport();
const ui = useBrowserPage({ transport, label: 'cancel requested', colorScheme: 'light' });

describe('Cancel on the page of a running job', () => {
  it('is offered until a cancel is requested, then disabled, saying why', async () => {
    const [id] = await enqueue(transport, 'reports', [
      { task: 'shop.dailyReport', input: { day: '2025-04-01' } },
    ]);
    const [leased] = await transport.reserve({
      queues: ['reports'],
      max: 1,
      leaseMs: 600_000,
      consumer: 'w1',
    });
    expect(leased?.envelope.id).toBe(id);
    await ui.page.goto(`${ui.served.url}/jobs/${encodeURIComponent(id as string)}`);
    const cancel = ui.page.getByRole('button', { name: 'Cancel', exact: true });
    expect(await cancel.isEnabled()).toBe(true);
    await cancel.click();
    await ui.page.getByRole('dialog').getByRole('button', { name: 'Cancel job' }).click();
    await ui.page.locator('.notice-ok', { hasText: 'Cancel requested' }).waitFor();
    await ui.page.getByText('cancel requested', { exact: true }).waitFor();
    await expect.poll(() => cancel.isDisabled()).toBe(true);
    expect(await cancel.getAttribute('title')).toBe(
      'Cancel already requested: the worker running it has been told to stop.',
    );
    expect((await transport.getJob(id as string))?.state).toBe('active');
  });
});
