// A job page's buttons: Run now while the job is delayed, Retry (a dead job), Cancel (a job
// not ended). Each asks first, posts with the CSRF token, and says how it went in the page's
// banner.

import { describeError, postJson } from '../api.js';
import type { CancelResult, JobDetail, JobSummary } from '../api-types.js';
import { confirmAction } from '../components/dialog.js';
import type { Notices } from '../components/notice.js';
import { pausedNote, retryDeadJob, STEP_JOB_RETRY } from '../components/retry.js';
import { timeFull } from '../components/value.js';
import { canWrite } from '../config.js';
import { h } from '../dom.js';

const CANCELLABLE = new Set(['waiting', 'delayed', 'active']);

const CANCEL_OUTCOMES: Record<CancelResult, string> = {
  cancelled: 'Cancelled: the job will not run.',
  signalled: 'Cancel requested: the worker running it has been told to stop.',
  finished: 'Nothing to cancel: the job had already finished.',
  'not-found': 'Nothing to cancel: the job no longer exists.',
};

/** The state a banner said the job is in, and what put it there (`Retried`). */
export interface Told {
  state: string;
  what: string;
}

/**
 * Run now: asks, then makes the delayed job waiting at the end of its priority's line
 * (`POST api/jobs/<id>/promote`). A retry waiting out its backoff keeps its attempt count.
 */
function runNowButton(job: JobDetail, flash: Notices, reload: (told?: Told) => void): HTMLElement {
  const click = async (): Promise<void> => {
    const retrying = job.attempts > 0;
    const ok = await confirmAction({
      title: 'Run this job now?',
      body: [
        h('p', null, [
          retrying ? 'It waits out its backoff before attempt ' : 'It is delayed until ',
          retrying ? `${job.attempts + 1} of ${job.maxAttempts}, due ` : null,
          job.dueAt === undefined ? 'later' : timeFull(job.dueAt),
          '.',
        ]),
        h(
          'p',
          null,
          "It moves to waiting now, at the end of its priority's line, and a worker takes it in turn.",
        ),
      ],
      confirm: 'Run now',
    });
    if (!ok) return;
    try {
      const answer = await postJson<{ job: JobSummary; paused?: string[] }>(
        `/jobs/${encodeURIComponent(job.id)}/promote`,
      );
      const { state } = answer.job;
      flash.show(
        'ok',
        state === 'waiting'
          ? `The job is no longer delayed: it is now waiting.${pausedNote(answer.paused)}`
          : `The job is no longer delayed: a worker has taken it already, and it is now ${state}.`,
      );
      reload({ state, what: 'Moved to waiting' });
    } catch (error) {
      flash.show('error', `Run now failed: ${describeError(error)}`);
      reload();
    }
    // The button leaves with the delayed state: keep keyboard focus on the outcome.
    flash.focus();
  };
  return h(
    'button',
    {
      class: 'button primary',
      attrs: { type: 'button', 'data-action': 'run-now' },
      on: { click: () => void click() },
    },
    'Run now',
  );
}

/**
 * The job's Run now (while it is delayed), Retry and Cancel. `reload(told)` reads the job
 * again; `told` is the state a banner just said it is in, and the action that put it there
 * (a later change of it makes the page update that banner).
 */
export function jobActions(
  job: JobDetail,
  flash: Notices,
  reload: (told?: Told) => void,
): HTMLElement | null {
  if (!canWrite()) return null;
  const refused = retryRefusal(job);
  const retry = h(
    'button',
    {
      class: 'button primary',
      attrs: {
        type: 'button',
        disabled: refused !== undefined,
        'aria-describedby': refused === undefined ? undefined : 'retry-refused',
      },
      on: {
        click: async () => {
          const outcome = await retryDeadJob(job.id);
          if (outcome.kind === 'declined') return;
          if (outcome.kind === 'failed') {
            flash.show('error', `Retry failed: ${outcome.message}`);
            reload();
            return;
          }
          const after = outcome.answer.job;
          flash.show(
            'ok',
            after.state === 'waiting'
              ? `Retried: the job is now waiting.${pausedNote(outcome.answer.paused)}`
              : `Retried: a worker has taken it already, and it is now ${after.state}.`,
          );
          reload({ state: after.state, what: 'Retried' });
        },
      },
    },
    'Retry',
  );
  // Asked once already of a running job: a second click only wrote another audit entry.
  const requested = job.cancelRequested === true && job.state === 'active';
  const cancel = h(
    'button',
    {
      class: 'button danger',
      attrs: {
        type: 'button',
        disabled: !CANCELLABLE.has(job.state) || requested,
        title: requested
          ? 'Cancel already requested: the worker running it has been told to stop.'
          : CANCELLABLE.has(job.state)
            ? undefined
            : 'Only waiting, delayed or active jobs can be cancelled.',
      },
      on: {
        click: async () => {
          const ok = await confirmAction({
            title: 'Cancel this job?',
            body:
              job.state === 'active'
                ? 'It is running: its worker is told to stop (the task sees its signal abort).'
                : 'It will not run.',
            confirm: 'Cancel job',
            dismiss: job.state === 'active' ? 'Keep running' : 'Keep job',
            danger: true,
          });
          if (!ok) return;
          try {
            const { result } = await postJson<{ result: CancelResult }>(
              `/jobs/${encodeURIComponent(job.id)}/cancel`,
            );
            flash.show('ok', CANCEL_OUTCOMES[result] ?? `Cancel: ${result}`);
          } catch (error) {
            flash.show('error', `Cancel failed: ${describeError(error)}`);
          }
          reload();
        },
      },
    },
    'Cancel',
  );
  return h(
    'div',
    { class: 'actions' },
    job.state === 'delayed' ? runNowButton(job, flash, reload) : null,
    retry,
    cancel,
    // In words, not a tooltip: a disabled button takes no focus, and a phone has no hover.
    refused === undefined
      ? null
      : h('p', { class: 'action-note muted', attrs: { id: 'retry-refused' } }, refused),
  );
}

/** Why this job has no Retry (the server's 409 says the same), or undefined when it has. */
function retryRefusal(job: JobDetail): string | undefined {
  if (job.workflow) return STEP_JOB_RETRY;
  switch (job.state) {
    case 'dead':
      return undefined;
    case 'failed':
      return 'No retry: it failed for good (invalid input or NonRetryableError); only dead jobs are retried. Enqueue it again with a fixed input.';
    case 'completed':
    case 'cancelled':
    case 'expired':
      return `No retry: it ended ${job.state}, and only dead jobs are retried. To run it again, enqueue it anew.`;
    default:
      return 'No retry: only dead jobs are retried, and it has not ended. If it dies, retry it then.';
  }
}
