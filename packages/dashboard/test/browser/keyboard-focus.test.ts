// After an in-app navigation by keyboard (Enter on a link), focus moves into the new page, as
// a full page load would: it used to drop to <body>, so the next Tab started again from the
// top bar.

import { memoryTransport } from '@conveyor/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBrowserPage } from './browser-page.js';
import { enqueue } from './fixtures.js';

const transport = memoryTransport();

beforeAll(async () => {
  await enqueue(transport, 'emails', [{ task: 'shop.sendEmail', input: { to: 'a@example.com' } }]);
});

const ui = useBrowserPage({ transport, label: 'keyboard focus' });

/** The focused element: its tag, and its id or text. */
const focused = () =>
  ui.page.evaluate<string>(
    `(() => { const el = document.activeElement; return el ? el.tagName.toLowerCase() + '#' + el.id : 'none'; })()`,
  );

describe('keyboard navigation', () => {
  it('Enter on a link moves focus into the page it opens; Tab then reaches its content', async () => {
    await ui.page.goto(`${ui.served.url}/`);
    const queueLink = ui.page.getByRole('link', { name: 'emails', exact: true }).first();
    await queueLink.waitFor();
    await queueLink.focus();
    await ui.page.keyboard.press('Enter');
    await ui.page.waitForURL(`${ui.served.url}/queues/emails`);
    await expect.poll(focused).toBe('main#main');
    // The next Tab goes to the page's first control, not back to the top bar.
    await ui.page.keyboard.press('Tab');
    const inMain = `document.activeElement !== null && document.activeElement.closest('main') !== null`;
    expect(await ui.page.evaluate<boolean>(inMain)).toBe(true);
    // Back: the overview's content has the focus again.
    await ui.page.goBack();
    await ui.page.waitForURL(`${ui.served.url}/`);
    await expect.poll(focused).toBe('main#main');
  });
});
