// The Workers (every 3 s) and Workflows (every 10 s, on each of its tabs) pages redraw their
// table on a timer: the keyboard stays on the link it was on, a value shown in full stays
// shown, and the Workers table holds still under a text selection. The page runs on Playwright's clock, which this file moves on past the next timed
// redraw instead of waiting for it (about 25 s of real time across the file).

import { memoryTransport } from '@conveyor/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { failure, startOrder } from '../workflow-fixtures.js';
import { useBrowserPage } from './browser-page.js';
import { enqueue } from './fixtures.js';

const transport = memoryTransport();
const LONG_TASK = `shop.${'reconcileTheWarehouseLedgerAgainstTheCarrierManifest'.repeat(2)}`;
let workflowId: string;
let failedId: string;

beforeAll(async () => {
  await enqueue(transport, 'ledger', [{ task: LONG_TASK, input: {} }]);
  const [held] = await transport.reserve({
    queues: ['ledger'],
    max: 1,
    leaseMs: 600_000,
    consumer: 'worker-l',
  });
  const worker = (id: string) => ({
    id,
    hostname: 'shop-worker-1',
    pid: 4100,
    queues: ['ledger', 'emails'],
    tasks: [LONG_TASK],
    concurrency: 4,
    state: 'running' as const,
    startedAt: Date.now() - 60_000,
    heartbeatMs: 60_000,
    jobs:
      id === 'worker-l' && held
        ? [{ id: held.envelope.id, task: LONG_TASK, attempt: 1, startedAt: Date.now() }]
        : [],
    counts: { completed: 1, failed: 0, retried: 0 },
  });
  await transport.admin.putWorker(worker('worker-k'), 600_000);
  await transport.admin.putWorker(worker('worker-l'), 600_000);
  ({ id: workflowId } = await startOrder(transport));
  const failed = await startOrder(transport);
  await failed.settle({ step: 'reserve' }, { ok: true, result: {} });
  await failed.settle({ step: 'ship' }, failure('warehouse down', 'HTTP_503'));
  failedId = failed.id;
});

const ui = useBrowserPage({
  transport,
  label: 'keep place',
  // Installed before the page opens, so that the page's timers are the clock's.
  prepare: (context) => context.clock.install(),
});

/** Marks the table on screen, moves the page's clock past the next timed refresh, and waits
 * until that refresh has drawn a new table. */
async function nextRedraw(): Promise<void> {
  await ui.page.locator('table.data-table').evaluate((el) => el.setAttribute('data-drawn', ''));
  await ui.page.clock.fastForward(10_500);
  await ui.page.locator('table.data-table[data-drawn]').waitFor({ state: 'detached' });
  await ui.page.locator('table.data-table').waitFor();
}

/** The focused element: its tag, its href and the first characters of its table row. */
const focused = () =>
  ui.page.evaluate<string>(
    `(() => { const el = document.activeElement;
      return el ? el.tagName + ' ' + (el.getAttribute('href') ?? '') + ' ' +
        el.closest('tr')?.textContent?.slice(0, 8) : ''; })()`,
  );

describe('timed redraws keep the place', () => {
  it('the Workers page keeps focus on the same queue link and a shown-in-full task', async () => {
    await ui.page.goto(`${ui.served.url}/workers`);
    const rows = ui.page.locator('table.data-table tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    // The second worker's "emails" link: the same href as the first one's.
    const link = rows.nth(1).getByRole('link', { name: 'emails' });
    await link.focus();
    const before = await focused();
    expect(before).toMatch(/^A .*emails worker-l/);
    await nextRedraw();
    expect(await focused()).toBe(before);

    await rows
      .nth(1)
      .getByRole('button', { name: /show all/ })
      .click();
    const task = rows.nth(1).locator('.held .data[data-expanded]');
    expect(await task.textContent()).toBe(LONG_TASK);
    await nextRedraw();
    expect(await rows.nth(1).locator('.held .data').nth(1).textContent()).toBe(LONG_TASK);
    expect(
      await rows
        .nth(1)
        .getByRole('button', { name: /show all/ })
        .count(),
    ).toBe(0);
  });

  it('the Workers page holds its table while text in it is selected, and redraws once it is not', async () => {
    await ui.page.goto(`${ui.served.url}/workers`);
    const rows = ui.page.locator('table.data-table tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    // An operator selects the second worker's id, to copy it.
    await rows.nth(1).locator('.worker-id .data').first().selectText();
    const selected = () => ui.page.evaluate<string>('String(document.getSelection())');
    expect(await selected()).toBe('worker-l');
    await ui.page.locator('table.data-table').evaluate((el) => el.setAttribute('data-drawn', ''));
    const held = ui.page.locator('.summary .held-redraw');
    // Past the next timed refresh: the summary says the table is held; it is the same table,
    // and the selection is intact.
    await ui.page.clock.fastForward(3_500);
    await held.waitFor();
    expect(await held.textContent()).toBe('· table held while text in it is selected');
    expect(await ui.page.locator('table.data-table[data-drawn]').count()).toBe(1);
    expect(await selected()).toBe('worker-l');
    await ui.shoot('workers-held-under-selection', { fullPage: false });
    // The selection cleared, the next refresh draws the table again.
    await ui.page.evaluate('document.getSelection()?.removeAllRanges()');
    await ui.page.clock.fastForward(3_500);
    await ui.page.locator('table.data-table[data-drawn]').waitFor({ state: 'detached' });
    await ui.page.locator('table.data-table').waitFor();
    expect(await held.count()).toBe(0);
  });

  it('the Workflows page keeps focus on the focused workflow link', async () => {
    await ui.page.goto(`${ui.served.url}/workflows`);
    const link = ui.page.getByRole('link', { name: workflowId });
    await link.focus();
    const before = await focused();
    expect(before).toMatch(/^A /);
    await nextRedraw();
    expect(await focused()).toBe(before);
  });

  it("the Workflows page's Failed tab keeps focus on the focused workflow link", async () => {
    await ui.page.goto(`${ui.served.url}/workflows?status=failed`);
    const link = ui.page.getByRole('link', { name: failedId });
    await link.focus();
    const before = await focused();
    expect(before).toMatch(/^A /);
    await nextRedraw();
    expect(await focused()).toBe(before);
  });
});
