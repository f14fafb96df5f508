import type { JobDetail, JobErrorInfo } from '../api-types.js';
import { attemptRounds } from '../attempt-rounds.js';
import { table } from '../components/table.js';
import { dataText, textBlock, timeAgo } from '../components/value.js';
import { h } from '../dom.js';
import { formatDuration } from '../format.js';

// What went wrong with a job, on its page: its error (cut as the dead list cuts it) and the
// attempts that ended in an error.

/** Characters of an error message the job page shows before "show all". */
const ERROR_SHOWN = 300;
/** The longest error message shown in bold. */
const ERROR_BOLD_MAX = 200;

/**
 * A job's error. `earlier`: the job completed, and this is the error of an attempt before
 * the one that succeeded (a retry, or a dead job retried): shown plain, not as its failure.
 */
export function errorView(error: JobErrorInfo, earlier = false): HTMLElement {
  return h(
    'div',
    { class: earlier ? 'error-view earlier' : 'error-view' },
    h(
      'p',
      null,
      error.code ? h('code', { class: 'error-code' }, dataText(error.code, 64)) : null,
      error.name ? [' ', dataText(error.name, 64, 'muted')] : null,
    ),
    // Cut as the dead list cuts it, with "show all": a 4,096-character message filled the
    // page, in bold. A long one is in normal weight, as a paragraph rather than a headline.
    h(
      'p',
      { class: error.message.length > ERROR_BOLD_MAX ? 'error-message long' : 'error-message' },
      dataText(error.message, ERROR_SHOWN),
    ),
    error.issues?.length
      ? h(
          'ul',
          { class: 'issues' },
          error.issues
            .slice(0, 50)
            .map((issue) =>
              h(
                'li',
                null,
                issue.path?.length ? [dataText(issue.path.join('.'), 80, 'mono'), ': '] : null,
                dataText(issue.message, 300),
              ),
            ),
        )
      : null,
    error.stack ? h('details', null, h('summary', null, 'Stack'), textBlock(error.stack)) : null,
  );
}

export function attempts(job: JobDetail): HTMLElement {
  const rounds = attemptRounds(job.history ?? []);
  const retried = rounds.some((a) => a.round > 1);
  const history = rounds.reverse();
  return table(
    [
      {
        title: '#',
        class: 'num',
        // After a retry from the dead-letter set the attempts count from 1 again. An attempt
        // given back is followed by a run with the same number.
        cell: (a) => [
          String(a.attempt),
          retried ? h('span', { class: 'muted' }, ` round ${a.round}`) : null,
          a.counted === false ? h('span', { class: 'muted' }, ' not counted') : null,
        ],
      },
      {
        // A given-back attempt's time is when its worker reserved it, not when it ran.
        title: 'Started',
        cell: (a) => (a.counted === false ? 'never' : timeAgo(a.startedAt)),
      },
      { title: 'Ended', cell: (a) => timeAgo(a.endedAt) },
      {
        title: 'Took',
        class: 'num',
        cell: (a) =>
          a.startedAt === undefined || a.counted === false
            ? '–'
            : formatDuration(a.endedAt - a.startedAt),
      },
      {
        title: 'Code',
        cell: (a) =>
          a.error.code ? h('code', { class: 'error-code' }, dataText(a.error.code, 48)) : '–',
      },
      { title: 'Error', class: 'wide', cell: (a) => dataText(a.error.message, 200) },
    ],
    history,
    'No failed attempts.',
    'Attempts that ended in an error, newest first',
  );
}
