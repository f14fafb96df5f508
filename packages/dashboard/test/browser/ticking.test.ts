// Relative times move on their own: the Job, Dead, Queue and Audit pages skip a redraw while
// their data is unchanged, and `12 s ago` must still become `13 s ago` without one.

import { memoryTransport } from '@conveyor/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBrowserPage } from './browser-page.js';
import { deadJob, enqueue } from './fixtures.js';

const transport = memoryTransport();
let dead: string;
let waiting: string;

beforeAll(async () => {
  dead = await deadJob(transport, 'tick', { task: 'shop.fail', input: {} }, [
    { name: 'Error', message: 'BOOM' },
  ]);
  [waiting] = (await enqueue(transport, 'tick', [{ task: 'shop.wait', input: {} }])) as [string];
  await transport.admin.appendAudit({ actor: 'ops', action: 'job.retry', jobId: dead });
});

const ui = useBrowserPage({ transport, label: 'ticking' });

/** Waits until the first relative time matching `selector` reads differently from now. */
async function moves(path: string, selector: string): Promise<void> {
  await ui.page.goto(`${ui.served.url}${path}`);
  await ui.page.locator('.live-status[data-status="live"]').waitFor();
  const time = ui.page.locator(selector).first();
  await time.waitFor();
  const before = await time.textContent();
  expect(before).toMatch(/ago|just now/);
  await expect.poll(() => time.textContent(), { timeout: 8000 }).not.toBe(before);
}

describe('relative times', () => {
  it('move on the Job page', async () => {
    await moves(`/jobs/${encodeURIComponent(dead)}`, 'dl time span.muted');
  });
  it('move on the Dead page', async () => {
    await moves('/dead', 'tbody time');
  });
  it('move on the Queue page', async () => {
    await moves(`/queues/tick?state=waiting`, 'tbody time');
    expect(await ui.page.locator('tbody a.mono', { hasText: waiting }).count()).toBe(1);
  });
  it('move on the Audit page', async () => {
    await moves('/audit', '.audit-ago');
  });
});
