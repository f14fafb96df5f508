// Where the main bar says you are, in headless Chromium over a memory transport: its item is
// `aria-current="page"` on that page only, and `aria-current="true"` (drawn the same) on a
// page within its section: a queue's and a job's under Overview, a workflow's under
// Workflows. A workflow's breadcrumb leads back to the Workflows list.

import { memoryTransport } from '@conveyor/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { startOrder } from '../workflow-fixtures.js';
import { useBrowserPage } from './browser-page.js';
import { enqueue } from './fixtures.js';

// Runs in the page (the test compiles without the DOM library).
declare function getComputedStyle(element: unknown): { borderBottomColor: string };
const transport = memoryTransport();
let job: string;
let workflow: string;

beforeAll(async () => {
  [job] = (await enqueue(transport, 'emails', [{ task: 'mail.send', input: {} }])) as [string];
  workflow = (await startOrder(transport)).id;
});

const ui = useBrowserPage({ transport, label: 'nav current', colorScheme: 'light' });

/** The main bar's marked items, as `label=aria-current`, and how the marked one is drawn. */
async function marked(): Promise<{ items: string[]; border: string }> {
  const links = ui.page.getByRole('navigation', { name: 'Main' }).locator('a[aria-current]');
  const items: string[] = [];
  for (const a of await links.all()) {
    items.push(`${await a.textContent()}=${await a.getAttribute('aria-current')}`);
  }
  const border = await links
    .first()
    .evaluate((el) => getComputedStyle(el).borderBottomColor)
    .catch(() => '');
  return { items, border };
}

describe('the main bar', () => {
  it('marks the page itself as the page, and a page within a section as in it, drawn alike', async () => {
    const pages: Array<[path: string, heading: string, mark: string]> = [
      ['/', 'Overview', 'Overview=page'],
      ['/queues/emails', 'emails', 'Overview=true'],
      [`/jobs/${encodeURIComponent(job)}`, `Job ${job}`, 'Overview=true'],
      ['/workflows', 'Workflows', 'Workflows=page'],
      [`/workflows/${workflow}`, `Workflow ${workflow}`, 'Workflows=true'],
      ['/dead', 'Dead jobs', 'Dead=page'],
    ];
    const borders = new Set<string>();
    for (const [path, heading, mark] of pages) {
      await ui.page.goto(`${ui.served.url}${path}`);
      await ui.page.getByRole('heading', { level: 1, name: heading }).waitFor();
      const { items, border } = await marked();
      expect(items, path).toEqual([mark]);
      borders.add(border);
    }
    // One look for both: the section's item is as plainly the active one.
    expect(borders.size).toBe(1);
    await ui.page.goto(`${ui.served.url}/jobs/${encodeURIComponent(job)}`);
    await ui.page.getByRole('heading', { level: 1, name: `Job ${job}` }).waitFor();
    await ui.shoot('nav-on-job', { fullPage: false });
  });

  it('keeps the marks right through in-page navigation', async () => {
    await ui.page.goto(`${ui.served.url}/`);
    await ui.page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    expect((await marked()).items).toEqual(['Overview=page']);
    await ui.page.getByRole('link', { name: 'emails', exact: true }).click();
    await ui.page.getByRole('heading', { level: 1, name: 'emails' }).waitFor();
    expect((await marked()).items).toEqual(['Overview=true']);
    await ui.page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Overview' })
      .click();
    await ui.page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    expect((await marked()).items).toEqual(['Overview=page']);
  });
});

describe("a workflow's page", () => {
  it('has a breadcrumb back to the Workflows list', async () => {
    await ui.page.goto(`${ui.served.url}/workflows/${workflow}`);
    await ui.page.getByRole('heading', { level: 1, name: `Workflow ${workflow}` }).waitFor();
    const crumbs = ui.page.locator('.crumbs');
    // It read "Overview › Workflow": the Overview lists no workflows.
    expect(await crumbs.textContent()).toBe('Workflows › Workflow');
    await ui.shoot('workflow-crumbs', { fullPage: false });
    await crumbs.getByRole('link', { name: 'Workflows' }).click();
    await ui.page.getByRole('heading', { level: 1, name: 'Workflows' }).waitFor();
    expect(new URL(ui.page.url()).pathname).toBe('/workflows');
    expect((await marked()).items).toEqual(['Workflows=page']);
  });
});
