import { isEnded, type JobSummary } from '../api-types.js';
import { h } from '../dom.js';
import { link, paths } from '../router.js';
import { type Column, table } from './table.js';
import { dataLabel, dataText, stateBadge, timeAgo } from './value.js';

export type JobColumn = 'queue' | 'state' | 'priority' | 'when' | 'error';

/** When the job's current state began, and what to call that. */
function when(job: JobSummary): [string, number | undefined] {
  switch (job.state) {
    case 'delayed':
      return ['due', job.dueAt];
    case 'active':
      return ['started', job.startedAt];
    case 'waiting':
      return ['enqueued', job.enqueuedAt];
    default:
      return ['finished', job.finishedAt ?? job.enqueuedAt];
  }
}

const WHEN_TITLE: Record<string, string> = {
  waiting: 'Enqueued',
  delayed: 'Due',
  active: 'Started',
  dead: 'Died',
  finished: 'Finished',
};

/**
 * A table of job summaries; `columns` adds the optional ones, `actions` a last column of
 * buttons (the dead list's Retry).
 *
 * @example
 * jobsTable(page.jobs, ['state', 'when'], 'No waiting jobs.', 'waiting')
 */
export function jobsTable(
  jobs: readonly JobSummary[],
  columns: readonly JobColumn[],
  empty: string,
  state?: string,
  actions?: Column<JobSummary>,
): HTMLElement {
  // One final state of the finished jobs has the Finished list's titles.
  const listed = state && isEnded(state) ? 'finished' : state;
  const all: Array<Column<JobSummary> | false> = [
    {
      title: 'Job',
      cell: (job) => link(paths.job(job.id), dataLabel(job.id, 64), 'mono'),
    },
    columns.includes('queue') && {
      title: 'Queue',
      cell: (job) => link(paths.queue(job.queue), dataLabel(job.queue, 64)),
    },
    { title: 'Task', cell: (job) => dataText(job.task, 64) },
    columns.includes('state') && { title: 'State', cell: (job) => stateBadge(job.state) },
    // Where the list is in priority order (waiting, delayed): why a job is above another.
    columns.includes('priority') && {
      title: 'Priority',
      class: 'num',
      cell: (job) => String(job.priority),
    },
    {
      title: 'Attempts',
      class: 'num',
      cell: (job) => `${job.attempts} / ${job.maxAttempts}`,
    },
    columns.includes('when') && {
      title: (listed && WHEN_TITLE[listed]) || 'When',
      cell: (job) => {
        const [label, at] = when(job);
        return state
          ? timeAgo(at)
          : h('span', null, h('span', { class: 'muted' }, `${label} `), timeAgo(at));
      },
    },
    columns.includes('error') && {
      // Of a job not ended, the error of the attempt before: it waits to be tried again.
      title: listed && listed !== 'dead' && listed !== 'finished' ? 'Last error' : 'Error',
      class: 'wide',
      cell: (job) =>
        job.error
          ? h(
              'span',
              // A completed job keeps an earlier attempt's error: labelled, not its failure.
              { class: job.state === 'completed' ? 'error-cell earlier' : 'error-cell' },
              job.state === 'completed'
                ? h('span', { class: 'earlier-label muted' }, 'earlier attempt: ')
                : null,
              job.error.code
                ? h('code', { class: 'error-code' }, dataText(job.error.code, 48))
                : null,
              ' ',
              dataText(job.error.message, 140),
            )
          : h('span', { class: 'muted' }, '–'),
    },
    actions ?? false,
  ];
  return table(
    all.filter((c): c is Column<JobSummary> => c !== false),
    jobs,
    empty,
    'Jobs',
  );
}
