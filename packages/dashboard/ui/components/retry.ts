// Retrying one job or one workflow, as every page that offers it does: the same confirmation
// and the same POST (with the CSRF token, `postJson`), so that a row's Retry and a page's
// Retry cannot drift apart. Each caller says how it went in its own banner.

import { describeError, postJson } from '../api.js';
import type { JobSummary } from '../api-types.js';
import { h } from '../dom.js';
import { formatNumber } from '../format.js';
import { confirmAction } from './dialog.js';
import { dataText } from './value.js';

/** Why a workflow step job has no Retry of its own (the job page's and the dead list's title). */
export const STEP_JOB_RETRY =
  'A workflow step job: retry its workflow, which runs the step again with a new job.';

/** "Queue emails", "Queues a and b", "Queues a, b, c and 2 more". */
export function pausedNames(queues: readonly string[]): string {
  if (queues.length === 1) return `Queue ${queues[0]}`;
  const shown = queues.slice(0, 3);
  const more = queues.length - shown.length;
  return more > 0
    ? `Queues ${shown.join(', ')} and ${formatNumber(more)} more`
    : `Queues ${shown.slice(0, -1).join(', ')} and ${shown.at(-1)}`;
}

/**
 * What a banner adds when the job a retry or Run now put in a queue waits in a paused one
 * (the answer's `paused`), as the bulk retry says it: `''` when none is paused.
 */
export function pausedNote(paused: readonly string[] | undefined, what = 'it'): string {
  if (!paused || paused.length === 0) return '';
  const one = paused.length === 1;
  return ` ${pausedNames(paused)} ${one ? 'is' : 'are'} paused: nothing runs ${what} until ${one ? 'it is' : 'they are'} resumed.`;
}

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
export async function retryDeadJob(
  id: string,
): Promise<RetryOutcome<{ job: JobSummary; paused?: string[] }>> {
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
): Promise<RetryOutcome<{ enqueuedJobs?: string[]; paused?: string[] }>> {
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
