// A queue page asked for a state there is no such list of (`?state=bogus`) says so, quoting
// it, with the states there are; it used to show the Waiting tab's list as if asked for it.

import { memoryTransport } from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { useBrowserPage } from './browser-page.js';
import { enqueue } from './fixtures.js';

const transport = memoryTransport();
const ui = useBrowserPage({ transport, label: 'unknown state' });

describe('a queue page with an unknown ?state=', () => {
  it('names the state, lists the ones there are, and selects no tab', async () => {
    await enqueue(transport, 'payments', [{ task: 'shop.pay', input: {} }]);
    await ui.page.goto(`${ui.served.url}/queues/payments?state=bogus`);
    const note = ui.page.getByRole('alert');
    await note.waitFor();
    expect(await note.textContent()).toBe(
      'Unknown state "bogus". A queue\'s jobs are listed by state: waiting, delayed, active, dead, finished; or by how they finished: completed, failed, cancelled, expired.',
    );
    const tabs = ui.page.getByRole('navigation', { name: 'Job states' });
    expect(await tabs.locator('[aria-current]').count()).toBe(0);
    expect(await ui.page.locator('table.data-table').count()).toBe(0);
    await ui.shoot('queue-unknown-state', { fullPage: false });

    // The tabs still lead to the lists.
    await tabs.getByRole('link', { name: /^Waiting/ }).click();
    await ui.page.locator('table.data-table tbody tr').first().waitFor();
    expect(await note.count()).toBe(0);
  });
});
