// Retrying one job or one workflow, as every page that offers it does: the same confirmation
// and the same POST (with the CSRF token, `postJson`), so that a row's Retry and a page's
// Retry cannot drift apart. Each caller says how it went in its own banner.

import { describeError, postJson } from '../api.js';
import type { JobSummary } from '../api-types.js';
import { h } from '../dom.js';
import { confirmAction } from './dialog.js';
import { dataText } from './value.js';

/** Why a workflow step job has no Retry of its own (the job page's and the dead list's title). */
export const STEP_JOB_RETRY =
  'A workflow step job: retry its workflow, which runs the step again with a new job.';

/** How a retry went: declined at the confirmation, done (the job's state after), or refused. */
export type RetryOutcome<T> =
  | { kind: 'declined' }
  | { kind: 'done'; answer: T }
  | { kind: 'failed'; message: string };

async function confirmThenPost<T>(asked: boolean, path: string): Promise<RetryOutcome<T>> {
  if (!asked) return { kind: 'declined' };
  try {
    return { kind: 'done', answer: await postJson<T>(path) };
  } catch (error) {
    return { kind: 'failed', message: describeError(error) };
  }
}

/** Asks, then moves a dead job back to waiting with a fresh attempt budget. */
export async function retryDeadJob(id: string): Promise<RetryOutcome<{ job: JobSummary }>> {
  const asked = await confirmAction({
    title: 'Retry this job?',
    body: ['It moves from dead to waiting with a fresh attempt budget: ', dataText(id, 80, 'mono')],
    confirm: 'Retry job',
  });
  return confirmThenPost(asked, `/jobs/${encodeURIComponent(id)}/retry`);
}

/** Asks, then runs a failed workflow again from its failed step. */
export async function retryFailedWorkflow(
  id: string,
): Promise<RetryOutcome<{ enqueuedJobs?: string[] }>> {
  const asked = await confirmAction({
    title: 'Retry this workflow?',
    body: [
      h('p', null, dataText(id, 48, 'mono')),
      h('p', null, 'It runs again from its failed step; completed steps keep their results.'),
    ],
    confirm: 'Retry workflow',
  });
  return confirmThenPost(asked, `/workflows/${encodeURIComponent(id)}/retry`);
}

/** A row's Retry, keyed by the row's id so that a redraw keeps keyboard focus on it. */
export function rowRetryButton(id: string, onClick: () => void): HTMLElement {
  return h(
    'button',
    {
      class: 'button small primary',
      attrs: { type: 'button', 'data-key': `${id}/retry`, 'aria-label': `Retry ${id}` },
      on: { click: onClick },
    },
    'Retry',
  );
}
