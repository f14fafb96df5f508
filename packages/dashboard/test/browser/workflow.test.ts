// /workflows/<id> in headless Chromium, over a memory transport: a placeOrder workflow
// moved by hand to its map stage renders its stages and steps with their states, a step
// links to its job page (which links back), Cancel ends it. /workflows lists the running
// ones and links to each. Screenshots go to
// $CONVEYOR_SCREENSHOTS when it is set.

import { memoryTransport } from '@conveyor/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { killAll, serve } from '../helpers.js';
import { failure, startOrder } from '../workflow-fixtures.js';
import { useBrowserPage } from './browser-page.js';

const transport = memoryTransport();
const pageErrors: string[] = [];
const ui = useBrowserPage({
  transport,
  label: 'workflow',
  serve: { redact: ['card.number'] },
  colorScheme: 'light',
});

beforeAll(() => {
  ui.page.on('pageerror', (error) => pageErrors.push(error.message));
  ui.page.on('response', (response) => {
    if (response.status() >= 400) pageErrors.push(`${response.status()} ${response.url()}`);
  });
});

const step = (name: string) => ui.page.locator(`.wf-stages [data-step="${name}"]`);

describe('/workflows/<id>', () => {
  it('draws the stages and steps with their states, and Cancel ends the workflow', async () => {
    const skus = Array.from({ length: 24 }, (_, index) => `sku-${index}`);
    const { id, workflows, advance, settle } = await startOrder(
      transport,
      skus,
      '6ba1551174c8a6b7',
    );
    await advance();
    await settle({ step: 'charge', child: 2 }, { ok: true, result: 1 });
    await settle({ step: 'charge', child: 3 }, { ok: true, result: 1 });
    await ui.page.goto(`${ui.served.url}/workflows/${id}`);
    await ui.page.getByRole('heading', { level: 1, name: `Workflow ${id}` }).waitFor();
    await step('reserve').waitFor();

    expect(await ui.page.locator('.wf-stage').count()).toBe(4);
    expect(await ui.page.locator('.wf-stage-head').allTextContents()).toEqual([
      '1 · step',
      '2 · parallel',
      '3 · map (fan-out)now',
      '4 · step',
    ]);
    for (const [name, state] of [
      ['reserve', 'completed'],
      ['ship', 'completed'],
      ['confirm', 'completed'],
      ['charge', 'running'],
      ['fulfil', 'pending'],
    ]) {
      expect(await step(name as string).getAttribute('data-state')).toBe(state);
      expect(
        await step(name as string)
          .locator('.badge')
          .first()
          .textContent(),
      ).toBe(state);
    }
    const charge = step('charge');
    expect(await charge.locator('.wf-counts').textContent()).toBe(
      '3 of 24 done · 1 running · 20 ready',
    );
    expect(await charge.locator('[role="progressbar"]').getAttribute('aria-valuenow')).toBe('3');
    expect(await charge.locator('.wf-child').count()).toBe(10);
    expect(await charge.textContent()).toContain('14 more not listed');
    expect(await step('reserve').textContent()).toContain('attempt 0 of 4');
    // Completed steps and children show their stored results; the others none.
    expect(await step('reserve').locator('.wf-result').textContent()).toBe(
      'result {"reserved":true}',
    );
    expect(await step('fulfil').locator('.wf-result').count()).toBe(0);
    const child = (n: number) => charge.locator(`.wf-child[data-child="${n}"]`);
    expect(await child(0).locator('.wf-result').textContent()).toBe(' · result 1');
    expect(await child(1).locator('.wf-result').count()).toBe(0);
    expect(await ui.page.locator('.wf-compensations [data-step="reject"]').count()).toBe(1);
    const input = await ui.page
      .locator('section', { has: ui.page.getByRole('heading', { name: 'Input' }) })
      .locator('pre')
      .textContent();
    expect(JSON.parse(input ?? '')).toMatchObject({ card: { number: '[redacted]' } });
    // The fingerprint of the input schema the run was started with.
    expect(await ui.page.locator('dl.props').textContent()).toContain(
      'Input schema fingerprint6ba1551174c8a6b7',
    );
    await ui.page.locator('.page-head .badge', { hasText: 'running' }).waitFor();
    expect(await ui.page.getByRole('button', { name: 'Retry' }).isDisabled()).toBe(true);
    await ui.shoot('workflow');

    // A step links to its job page, which names and links its workflow.
    const reserveJob = (await workflows.get(id))?.steps[0]?.jobId as string;
    await step('reserve').getByRole('link', { name: 'job' }).click();
    await ui.page.getByRole('heading', { level: 1, name: `Job ${reserveJob}` }).waitFor();
    const back = ui.page.locator('dl.props a.workflow-link');
    expect(await back.textContent()).toBe(id);
    // The step job stores no input (the worker computes it): not shown as `null`.
    const jobInput = ui.page.locator('section', {
      has: ui.page.getByRole('heading', { name: 'Input' }),
    });
    expect(await jobInput.textContent()).toBe(
      "InputNone stored: computed when the step runs, from its workflow's input and earlier results.",
    );
    await ui.shoot('workflow-step-job');
    await back.click();
    await ui.page.getByRole('heading', { level: 1, name: `Workflow ${id}` }).waitFor();
    await step('charge').waitFor();

    await ui.page.getByRole('button', { name: 'Cancel' }).click();
    await ui.page.getByRole('dialog').getByRole('button', { name: 'Cancel workflow' }).click();
    const cancelled = ui.page.locator('.notice-ok');
    await cancelled.waitFor();
    expect(await cancelled.textContent()).toBe('Cancelled: 21 step jobs cancelled.');
    await ui.page.locator('.page-head .badge', { hasText: 'cancelled' }).waitFor();
    await expect.poll(() => step('fulfil').getAttribute('data-state')).toBe('cancelled');
    expect(await step('reserve').getAttribute('data-state')).toBe('completed');
    // A step the cancel ended before it had a job will never run: the page says so.
    expect(await step('fulfil').locator('.wf-meta').textContent()).toContain('never ran');
    expect((await workflows.get(id))?.status).toBe('cancelled');
    expect(await ui.page.getByRole('button', { name: 'Cancel' }).isDisabled()).toBe(true);
    await ui.shoot('workflow-cancelled');
  });

  it('shows a failed step with its error, and Retry runs it again', async () => {
    const { id, workflows, settle } = await startOrder(transport);
    await settle({ step: 'reserve' }, { ok: true, result: {} });
    await settle({ step: 'ship' }, failure('warehouse API answered 503', 'HTTP_503'));
    await ui.page.goto(`${ui.served.url}/workflows/${id}`);
    await step('ship').waitFor();
    expect(await step('ship').getAttribute('data-state')).toBe('failed');
    expect(await step('ship').locator('.wf-error').textContent()).toBe(
      'HTTP_503 warehouse API answered 503',
    );
    expect(await ui.page.locator('dl.props').textContent()).toContain('warehouse API answered 503');
    await ui.shoot('workflow-failed');
    await ui.page.getByRole('button', { name: 'Retry' }).click();
    await ui.page.getByRole('dialog').getByRole('button', { name: 'Retry workflow' }).click();
    await ui.page.locator('.notice-ok', { hasText: 'Retrying from the failed step' }).waitFor();
    await expect.poll(() => step('ship').getAttribute('data-state')).toBe('ready');
    expect(await step('ship').textContent()).toContain('retry 1');
    expect((await workflows.get(id))?.status).toBe('running');
    expect(pageErrors).toEqual([]);
  });

  it("a dead step job's page offers no Retry of the job: its workflow's retry runs the step", async () => {
    // A dashboard of its own: killing its queue's jobs touches no other test's.
    const own = await serve();
    try {
      await startOrder(own.transport);
      const [stepJob] = (await killAll(own.transport, 'inventory', 'NO_STOCK')) as [string];
      await ui.page.goto(`${own.url}/jobs/${encodeURIComponent(stepJob)}`);
      await ui.page.getByRole('heading', { level: 1, name: `Job ${stepJob}` }).waitFor();
      await ui.page.locator('.page-head .badge', { hasText: 'dead' }).waitFor();
      const retry = ui.page.getByRole('button', { name: 'Retry' });
      expect(await retry.isDisabled()).toBe(true);
      // In words beside the button, not a tooltip: a disabled button takes no focus.
      expect(await ui.page.locator('.page-head .action-note').textContent()).toBe(
        'A workflow step job: retry its workflow, which runs the step again with a new job.',
      );
    } finally {
      await own.close();
    }
  });

  it('says so for an unknown workflow', async () => {
    await ui.page.goto(`${ui.served.url}/workflows/wf_nosuchworkflow00`);
    await ui.page.getByText('No such workflow').waitFor();
  });
});

describe('/workflows', () => {
  it('lists the running workflows with the stage each is in, linked to their pages', async () => {
    // The unknown-workflow test's 404 is not this page's.
    pageErrors.length = 0;
    const { id, advance } = await startOrder(transport);
    await advance();
    const ended = await startOrder(transport);
    await ended.workflows.cancel(ended.id);
    await ui.page.goto(`${ui.served.url}/workflows`);
    const row = ui.page.locator('tr', { has: ui.page.getByRole('link', { name: id }) });
    await row.waitFor();
    expect(await row.locator('td').nth(1).textContent()).toBe('3 of 4: charge running');
    expect(await ui.page.getByRole('link', { name: ended.id }).count()).toBe(0);
    expect(
      await ui.page
        .getByRole('navigation', { name: 'Main' })
        .locator('[aria-current="page"]')
        .textContent(),
    ).toBe('Workflows');
    await ui.shoot('workflows');
    await row.getByRole('link', { name: id }).click();
    await ui.page.getByRole('heading', { level: 1, name: `Workflow ${id}` }).waitFor();
    expect(pageErrors).toEqual([]);
  });
});
