// A dead job retried that dies again before the server's next poll leaves the dead counts as
// they were (1, 0, 1 unseen): the lists must show it dead again all the same. They used to
// wait for a change of the counts, and kept showing it gone (or its old error) for good.

import { memoryTransport, PICKUP_BUCKETS_MS } from '@conveyor/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { killAll, login } from '../helpers.js';
import { useBrowserPage } from './browser-page.js';
import { enqueue } from './fixtures.js';

const WAIT = { timeout: 20_000 };
const transport = memoryTransport();
const ui = useBrowserPage({ transport, label: 'dies again' });

let release: (() => void) | undefined;
afterEach(() => {
  release?.();
  vi.restoreAllMocks();
});

/**
 * Holds the event hub's next poll (its overview read is the only caller of `listWorkers`
 * here) until the returned function is called: what happens meanwhile falls between two polls.
 */
async function holdPolls(): Promise<() => void> {
  const admin = transport.admin;
  const listWorkers = admin.listWorkers.bind(admin);
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let held = 0;
  vi.spyOn(admin, 'listWorkers').mockImplementation(async (...args) => {
    held++;
    await gate;
    return listWorkers(...args);
  });
  await vi.waitFor(() => expect(held).toBeGreaterThan(0), WAIT);
  release = open;
  return open;
}

const rowOf = (id: string) =>
  ui.page.locator('tbody tr', { has: ui.page.getByRole('link', { name: id, exact: true }) });

describe('a retried job that dies again between two polls', () => {
  it("/dead shows it again after the page's own Retry", async () => {
    await enqueue(transport, 'redie', [{ task: 'shop.fail', input: {} }]);
    const [id] = (await killAll(transport, 'redie', 'FIRST')) as [string];
    await ui.page.goto(`${ui.served.url}/dead?queue=redie`);
    await ui.page.locator('.live-status[data-status="live"]').waitFor(WAIT);
    await rowOf(id).getByText('failed with FIRST').waitFor(WAIT);

    const open = await holdPolls();
    await rowOf(id).getByRole('button', { name: 'Retry' }).click();
    await ui.page.getByRole('dialog').getByRole('button', { name: 'Retry job' }).click();
    // The page reads its list after the retry: the job is waiting, not listed.
    await rowOf(id).waitFor({ state: 'detached', ...WAIT });
    await killAll(transport, 'redie', 'SECOND');
    open();
    await rowOf(id).getByText('failed with SECOND').waitFor(WAIT);
  });

  it('/dead shows it again after a retry from outside the dashboard, as its worker counts the death', async () => {
    await enqueue(transport, 'redie-out', [{ task: 'shop.fail', input: {} }]);
    const [id] = (await killAll(transport, 'redie-out', 'FIRST')) as [string];
    await ui.page.goto(`${ui.served.url}/dead?queue=redie-out`);
    await ui.page.locator('.live-status[data-status="live"]').waitFor(WAIT);
    await rowOf(id).getByText('failed with FIRST').waitFor(WAIT);

    const open = await holdPolls();
    // No audit entry: a client's retryDead, and a worker that runs the job and records it.
    await transport.admin.retryDead('redie-out', [id]);
    await killAll(transport, 'redie-out', 'SECOND');
    await transport.metrics.record([
      {
        queue: 'redie-out',
        task: 'shop.fail',
        minute: Math.floor(Date.now() / 60_000),
        completed: 0,
        failed: 1,
        retried: 0,
        pickup: PICKUP_BUCKETS_MS.map(() => 0).concat(1),
      },
    ]);
    open();
    await rowOf(id).getByText('failed with SECOND').waitFor(WAIT);
  });

  it("a queue's Dead tab shows it again after a retry the audit log records", async () => {
    await enqueue(transport, 'redie-tab', [{ task: 'shop.fail', input: {} }]);
    const [id] = (await killAll(transport, 'redie-tab', 'FIRST')) as [string];
    await ui.page.goto(`${ui.served.url}/queues/redie-tab?state=dead`);
    await ui.page.locator('.live-status[data-status="live"]').waitFor(WAIT);
    await rowOf(id).getByText('failed with FIRST').waitFor(WAIT);

    const open = await holdPolls();
    const client = await login(ui.served);
    expect((await client.post(`/api/jobs/${encodeURIComponent(id)}/retry`)).status).toBe(200);
    await killAll(transport, 'redie-tab', 'SECOND');
    open();
    await rowOf(id).getByText('failed with SECOND').waitFor(WAIT);
  });
});
