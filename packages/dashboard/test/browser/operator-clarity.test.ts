// What an outside tester found unclear, in headless Chromium over a memory transport: the
// Delayed tab shows the last error of a job waiting for its retry; a cancel dialog's dismiss
// button says what it keeps; the bulk retry's confirmation counts workflow step jobs apart
// (it leaves them dead) and says when the queue is paused; short names stay whole in tables
// at 1280 px; and a long error message on a job page is cut with "show all", not in bold.
// Screenshots go to $CONVEYOR_SCREENSHOTS when it is set.

import {
  type JobEnvelope,
  type JobError,
  type JobWorkflowRef,
  memoryTransport,
} from '@conveyor/core';
import { makeEnvelope } from '@conveyor/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBrowserPage } from './browser-page.js';
import { scheduleSpec, seedSchedules } from './demo-schedules.js';
import { deadJob, enqueue } from './fixtures.js';

const transport = memoryTransport();
const UPSTREAM: JobError = {
  name: 'HttpError',
  code: 'UPSTREAM_503',
  message: 'The carrier API answered 503 Service Unavailable',
};
const LONG_MESSAGE = `Validation of the carrier's answer failed: ${'x'.repeat(4_096 - 43)}`;

let retrying: string;
let waiting: string;
let active: string;
let longError: string;

/** Enqueues `envelopes` on their queue and runs each into the dead-letter set. */
async function killed(envelopes: JobEnvelope[]): Promise<void> {
  await transport.enqueue(envelopes.map((envelope) => ({ envelope })));
  const held = await transport.reserve({
    queues: [envelopes[0]?.queue as string],
    max: envelopes.length,
    leaseMs: 60_000,
    consumer: 'worker-a',
  });
  await transport.settle(
    held.map(({ envelope, token }) => ({
      type: 'fail' as const,
      id: envelope.id,
      token,
      error: { name: 'Error', code: 'NO_STOCK', message: 'no stock' },
      deadLetter: true,
    })),
  );
}

const step = (n: number): JobWorkflowRef => ({ id: `wf_${n}`, step: 'reserve', kind: 'run' });

beforeAll(async () => {
  // A job whose first attempt failed: it waits, delayed, for its retry.
  [retrying] = (await enqueue(transport, 'carrier', [
    { task: 'demo.retrying', input: { n: 1 }, maxAttempts: 5 },
  ])) as [string];
  const [held] = await transport.reserve({
    queues: ['carrier'],
    max: 1,
    leaseMs: 60_000,
    consumer: 'worker-a',
  });
  await transport.settle([
    {
      type: 'retry',
      id: held?.envelope.id as string,
      token: held?.token as string,
      error: UPSTREAM,
      delayMs: 5 * 60_000,
    },
  ]);
  // And one delayed from the start, with no error.
  await enqueue(transport, 'carrier', [{ task: 'demo.later', input: {}, delayMs: 10 * 60_000 }]);

  [waiting] = (await enqueue(transport, 'jobs', [{ task: 'demo.wait', input: {} }])) as [string];
  [active] = (await enqueue(transport, 'running', [{ task: 'demo.run', input: {} }])) as [string];
  await transport.reserve({ queues: ['running'], max: 1, leaseMs: 600_000, consumer: 'w' });

  // Two dead step jobs alone in `wfq`; a step job and a plain one in the paused `mixed`.
  await killed([1, 2].map((n) => makeEnvelope('wfq', { task: 'shop.reserve', workflow: step(n) })));
  await killed([
    makeEnvelope('mixed', { task: 'shop.reserve', workflow: step(3) }),
    makeEnvelope('mixed', { task: 'shop.reserve' }),
  ]);
  await transport.admin.pauseQueue('mixed');

  longError = await deadJob(transport, 'carrier', { task: 'demo.validate', input: {} }, [
    { name: 'ValidationError', code: 'BAD_ANSWER', message: LONG_MESSAGE },
  ]);

  // A bulk retry's entry, as the audit page lists it beside long ids and details.
  await transport.admin.appendAudit({
    actor: 'ops',
    action: 'dead.retry',
    queue: 'carrier-invoices-reconciliation',
    jobIds: [1, 2, 3, 4].map((n) => `carrier-invoices-reconciliation:P89i8rgVBTTgKka1${n}`),
    detail: {
      filter: { queue: 'carrier-invoices-reconciliation', task: 'shop.reconcileInvoices' },
      requested: 4,
      affected: 4,
    },
  });
  await seedSchedules(transport);
  await transport.schedules?.upsert([
    scheduleSpec(
      'carrier-invoices-nightly',
      'nobody',
      'shop.reconcileCarrierInvoicesAgainstTheLedger',
      { cron: '0 3 * * *', tz: 'Europe/Berlin' },
      {},
      'runtime',
    ),
  ]);
});

const ui = useBrowserPage({
  transport,
  label: 'operator clarity',
  colorScheme: 'light',
  viewport: { width: 1280, height: 800 },
});

/** How many lines an element's inline text takes: 1 when it is not split. */
const lines = (selector: string, text: string) =>
  ui.page
    .locator(selector, { hasText: text })
    .first()
    .evaluate((el) => el.getClientRects().length);

describe('operator clarity', () => {
  it('the Delayed tab shows the last error of a job waiting for its retry', async () => {
    await ui.page.goto(`${ui.served.url}/queues/carrier?state=delayed`);
    const row = ui.page.locator('tbody tr', {
      has: ui.page.getByRole('link', { name: retrying, exact: true }),
    });
    await row.waitFor();
    const heads = await ui.page.locator('thead th').allTextContents();
    expect(heads).toContain('Last error');
    expect(await row.textContent()).toContain('UPSTREAM_503');
    expect(await row.textContent()).toContain(UPSTREAM.message);
    const later = ui.page.locator('tbody tr', { hasText: 'demo.later' });
    expect(await later.locator('td').last().textContent()).toBe('–');
    await ui.shoot('delayed-last-error', { fullPage: false });
  });

  it("a cancel dialog's buttons say which keeps the job and which cancels it", async () => {
    for (const [id, keep] of [
      [waiting, 'Keep job'],
      [active, 'Keep running'],
    ] as const) {
      await ui.page.goto(`${ui.served.url}/jobs/${encodeURIComponent(id)}`);
      await ui.page.getByRole('button', { name: 'Cancel', exact: true }).click();
      const dialog = ui.page.getByRole('dialog');
      await dialog.waitFor();
      expect(await dialog.getByRole('button').allTextContents()).toEqual([keep, 'Cancel job']);
      if (keep === 'Keep running') await ui.shoot('cancel-dialog', { fullPage: false });
      await dialog.getByRole('button', { name: keep }).click();
      await dialog.waitFor({ state: 'detached' });
      expect((await transport.getJob(id))?.state).toBe(keep === 'Keep job' ? 'waiting' : 'active');
    }
  });

  it('a bulk retry of only workflow step jobs says so instead of promising a retry', async () => {
    await ui.page.goto(`${ui.served.url}/dead?queue=wfq`);
    await ui.page.getByRole('button', { name: 'Retry all matching…' }).click();
    const notice = ui.page.locator('.notice-info');
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(
      /^The dead jobs that match are 2 workflow step jobs, which a retry leaves dead: retry their workflows instead/,
    );
    expect(await ui.page.getByRole('dialog').count()).toBe(0);
  });

  it('the bulk retry confirmation counts step jobs apart and says the queue is paused', async () => {
    await ui.page.goto(`${ui.served.url}/dead?queue=mixed`);
    await ui.page.getByRole('button', { name: 'Retry all matching…' }).click();
    const dialog = ui.page.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.locator('h2').textContent()).toBe('Retry 1 dead job?');
    expect(await dialog.locator('[data-step-jobs]').textContent()).toBe(
      "1 of them is a workflow step job: a retry leaves it dead; retry its workflow instead (a step job's page links to its workflow).",
    );
    expect(await dialog.locator('[data-paused]').textContent()).toBe(
      'Queue mixed is paused: nothing runs them until it is resumed.',
    );
    await ui.shoot('bulk-retry-paused', { fullPage: false });
    await dialog.getByRole('button', { name: 'Retry 1 dead job' }).click();
    const banner = ui.page.locator('.notice-ok');
    await banner.waitFor();
    expect(await banner.textContent()).toMatch(
      /^Retried 1 job; 1 workflow step job left dead: .* Queue mixed is paused: nothing runs them until resumed\.$/,
    );
  });

  it('short names stay whole in tables at 1280 px', async () => {
    await ui.page.goto(`${ui.served.url}/audit`);
    await ui.page.locator('tbody code .data', { hasText: 'dead.retry' }).first().waitFor();
    const action = await lines('tbody code .data', 'dead.retry');
    await ui.shoot('audit-1280', { fullPage: false });
    await ui.page.goto(`${ui.served.url}/schedules`);
    await ui.page.locator('tbody a .data', { hasText: 'nobody' }).first().waitFor();
    // The list may be redrawn as it is measured (a detached element has no boxes): measure
    // until the element is on screen.
    let queue = 0;
    await expect
      .poll(async () => {
        queue = await lines('tbody a .data', 'nobody');
        return queue;
      })
      .toBeGreaterThan(0);
    await ui.shoot('schedules-1280');
    expect({ action, queue }).toEqual({ action: 1, queue: 1 });
  });

  it('a job page cuts a 4,096-character error message, in normal weight, with show all', async () => {
    await ui.page.goto(`${ui.served.url}/jobs/${encodeURIComponent(longError)}`);
    const message = ui.page.locator('.error-view .error-message');
    await message.waitFor();
    expect(((await message.textContent()) ?? '').length).toBeLessThan(400);
    const weight = await message.evaluate((el) => {
      // This runs in the page; the tests' types have no DOM.
      const view = globalThis as unknown as {
        getComputedStyle(e: unknown): { fontWeight: string };
      };
      return view.getComputedStyle(el).fontWeight;
    });
    expect(weight).toBe('400');
    const showAll = message.getByRole('button', { name: 'show all (4,096 characters)' });
    await ui.shoot('long-error', { fullPage: false });
    await showAll.click();
    expect((await message.textContent())?.trim()).toBe(LONG_MESSAGE);
  });
});
