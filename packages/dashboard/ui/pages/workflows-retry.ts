// Retry from /workflows's Failed tab: a button per row, as the workflow's own page has it
// (the same confirmation, the same POST with the CSRF token, the same banner wording), shown
// only when the dashboard may write. A retried run is running again, so it leaves the list:
// the banner links to it and to the Running tab it moved to.

import type { EndedWorkflowSummary } from '../api-types.js';
import type { Notices } from '../components/notice.js';
import { pausedNote, retryFailedWorkflow, rowRetryButton } from '../components/retry.js';
import type { Column } from '../components/table.js';
import { dataLabel } from '../components/value.js';
import { formatCount } from '../format.js';
import { link, paths } from '../router.js';

/** Asks, retries the workflow from its failed step, says how it went, and reloads the list. */
async function retry(id: string, flash: Notices, reload: () => void): Promise<void> {
  const outcome = await retryFailedWorkflow(id);
  if (outcome.kind === 'declined') return;
  const run = (): HTMLElement => link(paths.workflow(id), dataLabel(id, 48), 'mono');
  if (outcome.kind === 'done') {
    const enqueued = outcome.answer.enqueuedJobs?.length ?? 0;
    flash.show('ok', [
      'Retrying ',
      run(),
      ` from the failed step: ${formatCount(enqueued, 'job')} enqueued. It is running again, under `,
      link(paths.workflows(), 'Running'),
      `.${pausedNote(outcome.answer.paused, enqueued === 1 ? 'it' : 'them')}`,
    ]);
  } else {
    flash.show('error', ['Retry of ', run(), ` failed: ${outcome.message}`]);
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
    cell: (w) => rowRetryButton(w.id, () => void retry(w.id, flash, reload)),
  };
}
