// /workflows's Failed tab with a failed compensation, its cards on a 375 px phone, and the
// pages after the first, in headless Chromium over a memory transport: a run whose step
// failed with a long error and whose compensation (reject) failed too, and 51 completed
// runs. Screenshots go to $CONVEYOR_SCREENSHOTS when it is set.

import { memoryTransport } from '@conveyor/core';
import type { Locator } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { failure, startOrder } from '../workflow-fixtures.js';
import { useBrowserPage } from './browser-page.js';

const IMG = '<img src=x onerror=window.__pwned=1>';
const LONG =
  'the payment provider refused the charge: card_declined (insufficient_funds) after 3 attempts, request req_8f2a1c9d0e7b6a5f4c3d2e1f, retry after the customer updates the card';
const transport = memoryTransport();
const pageErrors: string[] = [];
let compensationFailed: string;
let compensated: string;
const completed: string[] = [];

beforeAll(async () => {
  const run = await startOrder(transport);
  await run.settle({ step: 'reserve' }, failure(LONG, 'CARD_DECLINED'));
  await run.settle({ step: 'reject' }, failure(`${IMG} refund API answered 502`, 'HTTP_502'));
  compensationFailed = run.id;
  const undone = await startOrder(transport);
  await undone.settle({ step: 'reserve' }, failure(LONG, 'CARD_DECLINED'));
  await undone.settle({ step: 'reject' }, { ok: true, result: 'rejected' });
  compensated = undone.id;
});

const ui = useBrowserPage({ transport, label: 'workflow lists phone', colorScheme: 'light' });

beforeAll(() => {
  ui.page.on('pageerror', (error) => pageErrors.push(error.message));
  ui.page.on('response', (response) => {
    if (response.status() >= 400) pageErrors.push(`${response.status()} ${response.url()}`);
  });
});

const rowOf = (id: string) =>
  ui.page.locator('tbody tr', { has: ui.page.getByRole('link', { name: id }) });

/** Completes placeOrder runs, one sku each, until `count` are kept as completed. */
async function completeRuns(count: number): Promise<void> {
  while (completed.length < count) {
    const run = await startOrder(transport, ['a']);
    await run.settle({ step: 'reserve' }, { ok: true, result: {} });
    await run.settle({ step: 'ship' }, { ok: true, result: {} });
    await run.settle({ step: 'confirm' }, { ok: true, result: {} });
    await run.expand([{ sku: 'a' }]);
    await run.settle({ step: 'charge', child: 0 }, { ok: true, result: 1 });
    await run.settle({ step: 'fulfil' }, { ok: true, result: 'ok' });
    completed.push(run.id);
  }
}

/** Every client rect of `locator`'s text is inside the viewport: not clipped at its right. */
async function expectInView(locator: Locator, width: number): Promise<void> {
  await locator.waitFor();
  const rights = await locator.evaluate((el) => {
    const { document } = globalThis as unknown as {
      document: {
        createRange(): {
          selectNodeContents(n: unknown): void;
          getClientRects(): Iterable<{ left: number; right: number }>;
        };
      };
    };
    const range = document.createRange();
    range.selectNodeContents(el);
    const box = el.getBoundingClientRect();
    return [
      { left: box.left, right: box.right },
      ...[...range.getClientRects()].map(({ left, right }) => ({ left, right })),
    ];
  });
  for (const { left, right } of rights) {
    expect(left, String(locator)).toBeGreaterThanOrEqual(0);
    expect(right, String(locator)).toBeLessThanOrEqual(width);
  }
}

describe('/workflows: failed compensations, phone cards, later pages', () => {
  it('the Failed tab says a compensation failed, as inert text, on its own line', async () => {
    await ui.page.goto(`${ui.served.url}/workflows?status=failed`);
    const row = rowOf(compensationFailed);
    await row.waitFor();
    const cell = row.locator('td').nth(1);
    const line = cell.locator('.wf-compensation-failed');
    expect(await line.textContent()).toBe(
      `Compensation reject failed: HTTP_502 ${IMG} refund API answered 502`,
    );
    expect(await cell.textContent()).toContain(`reserve CARD_DECLINED ${LONG.slice(0, 60)}`);
    expect(await ui.page.locator('main img').count()).toBe(0);
    expect(await ui.page.evaluate('window.__pwned')).toBeUndefined();
    await ui.shoot('workflows-failed-compensation');
    // A compensated run's compensation ran: nothing said of one failing.
    await ui.page.goto(`${ui.served.url}/workflows?status=compensated`);
    await rowOf(compensated).waitFor();
    expect(await ui.page.locator('.wf-compensation-failed').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });

  it('on a 375 px phone the Failed and Compensated cards fit: the error and Started time in view', async () => {
    const phone = await ui.context.newPage();
    const width = 375;
    try {
      await phone.setViewportSize({ width, height: 740 });
      for (const [status, id] of [
        ['failed', compensationFailed],
        ['compensated', compensated],
      ] as const) {
        await phone.goto(`${ui.served.url}/workflows?status=${status}`);
        const row = phone.locator('tbody tr', { has: phone.getByRole('link', { name: id }) });
        await row.waitFor();
        await expectInView(row.locator('td').nth(1).locator('.error-cell').first(), width);
        await expectInView(row.locator('td').nth(3), width);
        await expectInView(row.locator('td').nth(3).locator('time'), width);
        await expectInView(row.locator('td').nth(2).locator('time'), width);
        if (status === 'failed') {
          await expectInView(row.locator('.wf-compensation-failed'), width);
          await expectInView(row.getByRole('button', { name: 'Retry' }), width);
        }
        // The table is no wider than the screen: nothing past its frame's edge.
        const table = await phone.locator('table.data-table').boundingBox();
        expect((table?.x ?? -1) >= 0 && (table?.x ?? 0) + (table?.width ?? 0) <= width).toBe(true);
        expect(await phone.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
          width,
        );
        await ui.shoot(`phone-workflows-${status}-cards`, { page: phone });
      }
    } finally {
      await phone.close();
    }
  });

  it('exactly a page of completed runs has no Next page; a later page does not read as a total', async () => {
    await completeRuns(50);
    const summary = ui.page.locator('.page-head .summary');
    await ui.page.goto(`${ui.served.url}/workflows?status=completed`);
    await expect.poll(() => summary.textContent()).toBe('50 completed');
    expect(await ui.page.locator('tbody tr[data-workflow]').count()).toBe(50);
    expect(await ui.page.getByRole('link', { name: 'Next page »' }).count()).toBe(0);

    await completeRuns(51);
    await ui.page.reload();
    await expect.poll(() => summary.textContent()).toBe('50+ completed');
    await ui.page.getByRole('link', { name: 'Next page »' }).click();
    await expect.poll(() => summary.textContent()).toBe('Later page: 1 completed');
    const rows = ui.page.locator('tbody tr[data-workflow]');
    expect(await rows.count()).toBe(1);
    // The oldest: the first one completed; past its last stage, all its stages done.
    expect(await rows.first().getAttribute('data-workflow')).toBe(completed[0]);
    expect(await rows.first().locator('td').nth(1).textContent()).toBe('4 of 4: all done');
    expect(await ui.page.getByRole('link', { name: 'Next page »' }).count()).toBe(0);
    await ui.page.getByRole('link', { name: '« First page' }).waitFor();
    await ui.shoot('workflows-completed-page-2');

    // A later page whose runs dropped out meanwhile (here: a cursor past the last one)
    // says so, not that none is kept.
    const lastId = completed[0] ?? '';
    const at = (await transport.workflows?.get(lastId))?.finishedAt ?? 0;
    await ui.page.goto(
      `${ui.served.url}/workflows?status=completed&cursor=${encodeURIComponent(`${at}:${lastId}`)}`,
    );
    await expect.poll(() => summary.textContent()).toBe('Later page: no more completed');
    expect(await ui.page.locator('tr.empty').textContent()).toBe(
      'No more completed workflows after the page before.',
    );
    expect(pageErrors).toEqual([]);
  });
});
