import { describeError, getJson, isAbort, postJson } from '../api.js';
import type { DeadFilter, DeadPreview, JobPage, QueuesResponse } from '../api-types.js';
import { confirmAction } from '../components/dialog.js';
import { jobsTable } from '../components/jobs-table.js';
import { errorBox, loading, type Notices, notices } from '../components/notice.js';
import { refreshControl, replaceKeepingFocus } from '../components/refresh.js';
import { pausedNames } from '../components/retry.js';
import { dataText } from '../components/value.js';
import { canWrite } from '../config.js';
import { h, replace } from '../dom.js';
import { formatNumber, partitionsLabel } from '../format.js';
import { link, navigate, paths } from '../router.js';
import { deadRetryColumn } from './dead-retry.js';
import { field, type PageContext, pageHead, searchInput, setTitle } from './page.js';

function readFilter(params: URLSearchParams): DeadFilter {
  const filter: DeadFilter = {};
  for (const key of ['queue', 'task', 'code'] as const) {
    const value = params.get(key);
    if (value) filter[key] = value;
  }
  return filter;
}

function describe(filter: DeadFilter): HTMLElement {
  const parts: HTMLElement[] = [];
  if (filter.queue) parts.push(h('span', null, 'queue ', dataText(filter.queue, 64, 'mono')));
  if (filter.task) parts.push(h('span', null, 'task ', dataText(filter.task, 64, 'mono')));
  if (filter.code) parts.push(h('span', null, 'error code ', dataText(filter.code, 64, 'mono')));
  if (parts.length === 0) return h('span', null, 'in every queue');
  return h(
    'span',
    null,
    'with ',
    parts.flatMap((part, i) => (i === 0 ? [part] : [', ', part])),
  );
}

/** A queue choice of the filter: its value and the text the list shows. */
type QueueChoice = [name: string, label: string];

function filterForm(filter: DeadFilter, queues: readonly QueueChoice[]): HTMLElement {
  const choices = new Map(queues);
  if (filter.queue && !choices.has(filter.queue)) choices.set(filter.queue, filter.queue);
  const queue = h(
    'select',
    { attrs: { name: 'queue' } },
    h('option', { attrs: { value: '' } }, 'All queues'),
    [...choices].map(([name, label]) =>
      h('option', { attrs: { value: name, selected: name === filter.queue } }, label),
    ),
  );
  const task = searchInput('task', filter.task, 'any task');
  const code = searchInput('code', filter.code, 'any code');
  return h(
    'form',
    {
      class: 'filter filters',
      attrs: { role: 'search', 'aria-label': 'Filter dead jobs' },
      on: {
        submit: (event) => {
          event.preventDefault();
          navigate(
            paths.dead({ queue: queue.value, task: task.value.trim(), code: code.value.trim() }),
          );
        },
      },
    },
    field('dead-queue', 'Queue', queue),
    field('dead-task', 'Task', task),
    field('dead-code', 'Error code', code),
    h('button', { class: 'button', attrs: { type: 'submit' } }, 'Filter'),
  );
}

/** What `POST api/dead/retry` and `/purge` answer; `stepJobs`: workflow step jobs a retry left. */
interface BulkOutcome {
  affected: number;
  skipped: number;
  stepJobs?: number;
}

/** Preview, confirm with the count, then act on exactly the previewed ids. */
async function bulk(
  kind: 'retry' | 'purge',
  filter: DeadFilter,
  flash: Notices,
  done: () => void,
): Promise<void> {
  let preview: DeadPreview;
  try {
    preview = await postJson<DeadPreview>('/dead/preview', filter);
  } catch (error) {
    flash.show('error', `Preview failed: ${describeError(error)}`);
    return;
  }
  if (preview.count === 0) {
    flash.show('info', 'No dead jobs match this filter.');
    return;
  }
  const n = preview.ids.length;
  // A retry leaves workflow step jobs dead: count only the jobs it moves.
  const stepJobs = kind === 'retry' ? (preview.stepJobs ?? 0) : 0;
  const acted = n - stepJobs;
  const steps = `${formatNumber(stepJobs)} workflow step job${stepJobs === 1 ? '' : 's'}`;
  const retryWorkflows = `retry ${stepJobs === 1 ? 'its workflow' : 'their workflows'} instead (a step job's page links to its workflow)`;
  if (acted === 0) {
    flash.show(
      'info',
      `The dead jobs that match are ${steps}, which a retry leaves dead: ${retryWorkflows}.`,
    );
    return;
  }
  const jobs = `${formatNumber(acted)} dead job${acted === 1 ? '' : 's'}`;
  const paused = kind === 'retry' ? (preview.paused ?? []) : [];
  const ok = await confirmAction({
    title: kind === 'retry' ? `Retry ${jobs}?` : `Purge ${jobs}?`,
    body: h(
      'div',
      null,
      h(
        'p',
        null,
        `${formatNumber(preview.count)} dead job${preview.count === 1 ? '' : 's'} match: `,
        describe(filter),
        '.',
      ),
      preview.truncated
        ? h('p', null, `This acts on the first ${formatNumber(n)}; run it again for the rest.`)
        : null,
      stepJobs > 0
        ? h(
            'p',
            { attrs: { 'data-step-jobs': true } },
            `${formatNumber(stepJobs)} of them ${stepJobs === 1 ? 'is a workflow step job' : 'are workflow step jobs'}: a retry leaves ${stepJobs === 1 ? 'it' : 'them'} dead; ${retryWorkflows}.`,
          )
        : null,
      h(
        'p',
        { class: 'muted' },
        kind === 'retry'
          ? `${stepJobs > 0 ? 'The others move' : 'They move'} back to waiting with a fresh attempt budget.`
          : 'Their records are deleted. This cannot be undone.',
      ),
      paused.length > 0
        ? h(
            'p',
            { attrs: { 'data-paused': true } },
            `${pausedNames(paused)} ${paused.length === 1 ? 'is' : 'are'} paused: nothing runs them until ${paused.length === 1 ? 'it is' : 'they are'} resumed.`,
          )
        : null,
    ),
    confirm: kind === 'retry' ? `Retry ${jobs}` : `Purge ${jobs}`,
    danger: kind === 'purge',
  });
  if (!ok) return;
  try {
    const {
      affected,
      skipped,
      stepJobs: leftDead = 0,
    } = await postJson<BulkOutcome>(`/dead/${kind}`, {
      ids: preview.ids,
      filter,
    });
    const verb = kind === 'retry' ? 'Retried' : 'Purged';
    const gone = skipped - leftDead;
    flash.show(
      'ok',
      `${verb} ${formatNumber(affected)} job${affected === 1 ? '' : 's'}${
        gone ? `; ${formatNumber(gone)} skipped (no longer dead, or no longer matching)` : ''
      }${
        leftDead
          ? `; ${formatNumber(leftDead)} workflow step job${leftDead === 1 ? '' : 's'} left dead: retry ${leftDead === 1 ? 'its workflow' : 'their workflows'} instead (a step job's page links to its workflow)`
          : ''
      }.${
        affected > 0 && paused.length > 0
          ? ` ${pausedNames(paused)} ${paused.length === 1 ? 'is' : 'are'} paused: nothing runs them until resumed.`
          : ''
      }`,
    );
  } catch (error) {
    flash.show('error', `${kind === 'retry' ? 'Retry' : 'Purge'} failed: ${describeError(error)}`);
  }
  done();
}

/** Audit actions that take jobs out of the dead set (and may be followed by a death). */
const DEAD_ACTIONS = new Set(['job.retry', 'dead.retry', 'dead.purge', 'workflow.retry']);

/** `/dead`: dead jobs across queues, filtered, with bulk retry and purge. */
export function deadPage(ctx: PageContext): HTMLElement {
  setTitle('Dead');
  const filter = readFilter(ctx.params);
  const cursor = ctx.params.get('cursor') ?? undefined;
  const flash = notices();
  // A partitioned queue (all its partitions), then each partition alone, indented.
  const queueNames = (data: QueuesResponse | undefined): QueueChoice[] =>
    data?.queues.flatMap((q): QueueChoice[] =>
      q.partitions
        ? [
            [q.name, `${q.name} (all ${partitionsLabel(q.partitions)})`],
            ...q.partitions.map((p): QueueChoice => [p.name, `\u00a0\u00a0${p.name}`]),
          ]
        : [[q.name, q.name]],
    ) ?? [];
  const formSlot = h('div', null, filterForm(filter, queueNames(ctx.live.latest())));
  if (!ctx.live.latest()) {
    getJson<QueuesResponse>('/queues', undefined, ctx.signal).then(
      (data) => replace(formSlot, filterForm(filter, queueNames(data))),
      () => {},
    );
  }
  const results = h('div', null, loading());
  const trouble = notices();
  let shown = '';
  const load = async (): Promise<boolean> => {
    try {
      const page = await getJson<JobPage>('/dead', { ...filter, cursor }, ctx.signal);
      trouble.clear();
      const text = JSON.stringify(page);
      if (text === shown) return true;
      shown = text;
      const list = jobsTable(
        page.jobs,
        ['queue', 'when', 'error'],
        'No dead jobs match.',
        'dead',
        canWrite() ? deadRetryColumn(flash, done) : undefined,
      );
      // On a phone each dead job is a card: its error in view, not past the screen's edge.
      list.classList.add('phone-cards');
      replaceKeepingFocus(
        results,
        list,
        h(
          'nav',
          { class: 'pager', attrs: { 'aria-label': 'Pages' } },
          cursor ? link(paths.dead({ ...filter }), '« First page', 'button') : null,
          page.next
            ? link(paths.dead({ ...filter, cursor: page.next }), 'Next page »', 'button')
            : null,
        ),
      );
      return true;
    } catch (error) {
      if (isAbort(error)) return false;
      const message = `Dead jobs could not be loaded: ${describeError(error)}`;
      if (shown === '') replace(results, errorBox(message));
      else trouble.show('error', message);
      return false;
    }
  };
  const control = refreshControl({ load, signal: ctx.signal, what: 'dead jobs' });
  const done = (): void => control.refresh();
  control.refresh();
  // The dead set changed somewhere: read the page on screen again. The dead count alone
  // misses a retried job that dies again between two polls of the server (75, 74, 75 unseen):
  // the attempts that failed for good (`totals.failed`, which a death adds to) move on, and
  // the retry's audit entry comes, this page's own included.
  const deadKey = (data: QueuesResponse | undefined): string | undefined =>
    data &&
    JSON.stringify(data.queues.map((q) => [q.name, q.counts.dead, q.totals?.failed ?? null]));
  let lastDead = deadKey(ctx.live.latest());
  ctx.live.onCounts((data) => {
    const key = deadKey(data);
    if (lastDead !== undefined && key !== lastDead) control.changed();
    lastDead = key;
  }, ctx.signal);
  ctx.live.onAudit((entry) => {
    if (DEAD_ACTIONS.has(entry.action)) control.changed();
  }, ctx.signal);

  const bulkButtons = canWrite()
    ? h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            class: 'button primary',
            attrs: { type: 'button' },
            on: { click: () => void bulk('retry', filter, flash, done) },
          },
          'Retry all matching…',
        ),
        h(
          'button',
          {
            class: 'button danger',
            attrs: { type: 'button' },
            on: { click: () => void bulk('purge', filter, flash, done) },
          },
          'Purge all matching…',
        ),
      )
    : null;

  return h(
    'div',
    null,
    pageHead('Dead jobs', control.el, bulkButtons),
    h(
      'p',
      { class: 'muted lead' },
      'Dead-lettered jobs (they used up their attempts), newest first, ',
      describe(filter),
      ". A job that failed for good on a non-retryable error (state failed, not dead) is not listed here: it is under its queue's Finished tab.",
      canWrite()
        ? " Retry on a row moves that job back to waiting; a workflow step job's row opens its workflow instead, whose retry runs the step again."
        : null,
    ),
    formSlot,
    flash.el,
    trouble.el,
    results,
  );
}
