// Retry from /dead: a button per row, as the job's own page has it (the same confirmation, the
// same POST with the CSRF token, the same banner wording, naming the job here), shown only
// when the dashboard may write. A retried job is waiting again, so it leaves the list: the
// banner links to it. A workflow step job's retry is refused (its workflow recorded the
// step's outcome): its row links to its workflow instead, whose retry runs the step again.

import type { JobSummary } from '../api-types.js';
import type { Notices } from '../components/notice.js';
import { pausedNote, retryDeadJob, rowRetryButton, STEP_JOB_RETRY } from '../components/retry.js';
import type { Column } from '../components/table.js';
import { dataLabel } from '../components/value.js';
import { link, paths } from '../router.js';

/** Asks, retries the dead job, says how it went, and reloads the list. */
async function retry(id: string, flash: Notices, reload: () => void): Promise<void> {
  const outcome = await retryDeadJob(id);
  if (outcome.kind === 'declined') return;
  const job = (): HTMLElement => link(paths.job(id), dataLabel(id, 64), 'mono');
  if (outcome.kind === 'done') {
    const { state } = outcome.answer.job;
    flash.show('ok', [
      'Retried ',
      job(),
      state === 'waiting'
        ? `: the job is now waiting.${pausedNote(outcome.answer.paused)}`
        : `: a worker has taken it already, and it is now ${state}.`,
    ]);
  } else {
    flash.show('error', ['Retry of ', job(), ` failed: ${outcome.message}`]);
  }
  // The row, its Retry with it, leaves the list: keep keyboard focus on the outcome.
  flash.focus();
  reload();
}

/** A step job's cell: its workflow's page, where Retry runs the failed step again. */
function workflowLink(job: JobSummary, ref: NonNullable<JobSummary['workflow']>): HTMLElement {
  const a = link(paths.workflow(ref.id), 'Open workflow', 'button small');
  a.setAttribute('title', STEP_JOB_RETRY);
  a.setAttribute('data-key', `${job.id}/workflow`);
  return a;
}

/** The dead list's last column: Retry, keyed so that a redraw keeps keyboard focus on it. */
export function deadRetryColumn(flash: Notices, reload: () => void): Column<JobSummary> {
  return {
    title: 'Actions',
    class: 'row-actions',
    cell: (job) =>
      job.workflow
        ? workflowLink(job, job.workflow)
        : rowRetryButton(job.id, () => void retry(job.id, flash, reload)),
  };
}
