// Retry from /workflows's Failed tab: a button per row, as the workflow's own page has it
// (the same confirmation, the same POST with the CSRF token, the same banner wording), shown
// only when the dashboard may write. A retried run is running again, so it leaves the list:
// the banner links to it and to the Running tab it moved to.

import { describeError, postJson } from '../api.js';
import type { EndedWorkflowSummary } from '../api-types.js';
import { confirmAction } from '../components/dialog.js';
import type { Notices } from '../components/notice.js';
import type { Column } from '../components/table.js';
import { dataLabel, dataText } from '../components/value.js';
import { h } from '../dom.js';
import { link, paths } from '../router.js';

/** Asks, retries the workflow from its failed step, says how it went, and reloads the list. */
async function retry(id: string, flash: Notices, reload: () => void): Promise<void> {
  const ok = await confirmAction({
    title: 'Retry this workflow?',
    body: [
      h('p', null, dataText(id, 48, 'mono')),
      h('p', null, 'It runs again from its failed step; completed steps keep their results.'),
    ],
    confirm: 'Retry workflow',
  });
  if (!ok) return;
  try {
    const result = await postJson<{ enqueuedJobs?: string[] }>(
      `/workflows/${encodeURIComponent(id)}/retry`,
    );
    flash.show('ok', [
      'Retrying ',
      link(paths.workflow(id), dataLabel(id, 48), 'mono'),
      ` from the failed step: ${result.enqueuedJobs?.length ?? 0} job(s) enqueued. It is running again, under `,
      link(paths.workflows(), 'Running'),
      '.',
    ]);
  } catch (error) {
    flash.show('error', [
      'Retry of ',
      link(paths.workflow(id), dataLabel(id, 48), 'mono'),
      ` failed: ${describeError(error)}`,
    ]);
  }
  // The row, its Retry with it, leaves the list: keep keyboard focus on the outcome.
  flash.focus();
  reload();
}

/** The Failed list's last column: Retry, keyed so that a redraw keeps keyboard focus on it. */
export function retryColumn(flash: Notices, reload: () => void): Column<EndedWorkflowSummary> {
  return {
    title: 'Actions',
    class: 'row-actions',
    cell: (w) =>
      h(
        'button',
        {
          class: 'button small primary',
          attrs: {
            type: 'button',
            'data-key': `${w.id}/retry`,
            'aria-label': `Retry ${w.id}`,
          },
          on: { click: () => void retry(w.id, flash, reload) },
        },
        'Retry',
      ),
  };
}
