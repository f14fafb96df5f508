// Retry into a paused queue: the banner says nothing runs the job until the queue is
// resumed, on the job's page and on a /dead row, as the bulk retry's does.

import { memoryTransport } from '@conveyor/core';
import { beforeAll, describe, it } from 'vitest';
import { useBrowserPage } from './browser-page.js';
import { deadJob } from './fixtures.js';

const transport = memoryTransport();
const ui = useBrowserPage({ transport, label: 'paused note' });
const NOTE = 'Queue probe is paused: nothing runs it until it is resumed.';

describe('a retry into a paused queue', () => {
  // Both dead before the pause: a paused queue leases nothing, so no job of it could die.
  const ids: string[] = [];
  beforeAll(async () => {
    for (const message of ['down', 'down again']) {
      ids.push(
        await deadJob(transport, 'probe', { task: 'shop.probe', input: {} }, [
          { name: 'Error', message },
        ]),
      );
    }
    await transport.admin?.pauseQueue('probe');
  });

  it("says so on the job's page", async () => {
    const id = ids[0] as string;
    await ui.page.goto(`${ui.served.url}/jobs/${encodeURIComponent(id)}`);
    await ui.page.locator('.page-head .badge', { hasText: 'dead' }).waitFor();
    await ui.page.getByRole('button', { name: 'Retry' }).click();
    await ui.page.getByRole('dialog').getByRole('button', { name: 'Retry job' }).click();
    await ui.page
      .locator('.notices .notice', { hasText: `Retried: the job is now waiting. ${NOTE}` })
      .waitFor({ timeout: 10_000 });
  });

  it('says so on a /dead row', async () => {
    const id = ids[1] as string;
    await ui.page.goto(`${ui.served.url}/dead`);
    await ui.page
      .locator('tbody tr', { has: ui.page.getByRole('link', { name: id, exact: true }) })
      .getByRole('button', { name: 'Retry' })
      .click({ timeout: 10_000 });
    await ui.page.getByRole('dialog').getByRole('button', { name: 'Retry job' }).click();
    await ui.page
      .locator('.notices .notice', { hasText: `: the job is now waiting. ${NOTE}` })
      .waitFor({ timeout: 10_000 });
  });
});
