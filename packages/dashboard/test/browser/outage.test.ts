// While the broker is down, pages say what they cannot see: the Workers page claims no live
// workers it could not read, and a finished job's page reads the job again when the stream
// is back (a job purged meanwhile says so).

import { memoryTransport } from '@conveyor/core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { useBrowserPage } from './browser-page.js';
import { deadJob } from './fixtures.js';

const transport = memoryTransport();

beforeAll(async () => {
  for (const id of ['worker-1', 'worker-2']) {
    await transport.admin.putWorker(
      {
        id,
        hostname: 'shop-worker-1',
        pid: 4100,
        queues: ['emails'],
        tasks: ['shop.send'],
        concurrency: 2,
        state: 'running',
        startedAt: Date.now(),
        heartbeatMs: 60_000,
        jobs: [],
        counts: { completed: 0, failed: 0, retried: 0 },
      },
      600_000,
    );
  }
});

const ui = useBrowserPage({ transport, label: 'outage' });

describe('during a broker outage', () => {
  it('the Workers page does not keep saying "2 live" over its error', async () => {
    await ui.page.goto(`${ui.served.url}/workers`);
    const summary = ui.page.locator('.page-head .summary');
    await summary.filter({ hasText: '2 live' }).waitFor();
    const down = vi
      .spyOn(transport.admin, 'listWorkers')
      .mockRejectedValue(new Error('Connection is closed'));
    try {
      await ui.page.locator('.notice-error', { hasText: 'Workers could not be loaded' }).waitFor();
      expect(await summary.textContent()).not.toContain('live');
      await ui.shoot('workers-broker-down', { fullPage: false });
    } finally {
      down.mockRestore();
    }
    await summary.filter({ hasText: '2 live' }).waitFor();
  });

  it("a dead job's page reads it again when the stream is back, and says it is gone", async () => {
    const id = await deadJob(transport, 'outage', { task: 'shop.fail', input: {} }, [
      { name: 'Error', message: 'BOOM' },
    ]);
    await ui.page.goto(`${ui.served.url}/jobs/${encodeURIComponent(id)}`);
    await ui.page.locator('.live-status[data-status="live"]').waitFor();
    await ui.page.locator('.page-head .badge', { hasText: 'dead' }).waitFor();
    const down = vi
      .spyOn(transport.admin, 'listQueues')
      .mockRejectedValue(new Error('Connection is closed'));
    try {
      await ui.page.locator('.live-status[data-status="unavailable"]').waitFor({ timeout: 15_000 });
      // Purged while the page could not hear of it (no audit entry: not through the dashboard).
      expect(await transport.admin.purgeDead('outage', [id])).toBe(1);
    } finally {
      down.mockRestore();
    }
    await ui.page.locator('.live-status[data-status="live"]').waitFor({ timeout: 15_000 });
    await ui.page.getByText('No such job').waitFor();
  });
});
