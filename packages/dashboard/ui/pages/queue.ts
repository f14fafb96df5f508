import { ApiError, describeError, getJson, isAbort } from '../api.js';
import {
  type Counts,
  findQueue,
  type IndexedField,
  isEnded,
  type JobPage,
  type QueuesResponse,
} from '../api-types.js';
import { jobsTable } from '../components/jobs-table.js';
import { errorBox, loading, notices } from '../components/notice.js';
import { refreshControl, replaceKeepingFocus } from '../components/refresh.js';
import { dataLabel, dataText } from '../components/value.js';
import { h, replace } from '../dom.js';
import { link, paths } from '../router.js';
import { type PageContext, pageHead, setTitle } from './page.js';
import { filters, idExample, readView, type View } from './queue-filters.js';
import {
  endedFilter,
  partitionOf,
  partitionsTable,
  partitionTitle,
  unknownNote,
  unknownStateNote,
} from './queue-parts.js';
import { pauseControls } from './queue-pause.js';
import { runAllNowBar } from './queue-promote.js';
import { queueTabs } from './queue-tabs.js';

async function loadJobs(queue: string, view: View, signal: AbortSignal): Promise<JobPage> {
  const path = `/queues/${encodeURIComponent(queue)}/jobs`;
  if (view.id !== undefined) return getJson<JobPage>(path, { id: view.id }, signal);
  if (view.field !== undefined) {
    return getJson<JobPage>(
      path,
      { task: view.task, field: view.field, value: view.value ?? '', cursor: view.cursor },
      signal,
    );
  }
  return getJson<JobPage>(
    path,
    { state: view.state, task: view.task, cursor: view.cursor },
    signal,
  );
}

function describeView(queue: string, view: View): HTMLElement | null {
  const clear = link(paths.queue(queue, { state: view.state }), 'Clear');
  if (view.id !== undefined) {
    return h(
      'p',
      { class: 'search-note' },
      'Job id ',
      dataText(view.id, 80, 'mono'),
      ' in any state · ',
      clear,
    );
  }
  if (view.field !== undefined) {
    return h(
      'p',
      { class: 'search-note' },
      'Jobs of ',
      dataText(view.task ?? '', 64),
      ' whose ',
      dataText(view.field, 64, 'mono'),
      ' is ',
      dataText(view.value ?? '', 80, 'mono'),
      ', newest first · ',
      clear,
    );
  }
  if (view.task)
    return h('p', { class: 'search-note' }, 'Task ', dataText(view.task, 64), ' only · ', clear);
  return null;
}

function pager(queue: string, view: View, next: string | null): HTMLElement {
  const query =
    view.field !== undefined
      ? { task: view.task, field: view.field, value: view.value }
      : { state: view.state, task: view.task };
  return h(
    'nav',
    { class: 'pager', attrs: { 'aria-label': 'Pages' } },
    view.cursor ? link(paths.queue(queue, query), '« First page', 'button') : null,
    next ? link(paths.queue(queue, { ...query, cursor: next }), 'Next page »', 'button') : null,
  );
}

/** The Waiting tab's order [A10], which its Enqueued times need not follow. */
const WAITING_ORDER =
  'Highest priority first; within a priority, the job that joined the line last on top (workers take the bottom one next). A delayed job that came due or a retried one joins when that happens, so Enqueued times need not be in order.';

/** The list of a page of jobs, with its pager (and the Delayed list's Run all now). */
function jobsResult(
  queue: string,
  view: View,
  page: JobPage,
  runAll: () => HTMLElement | null,
): Array<HTMLElement | null> {
  const searching = view.id !== undefined || view.field !== undefined;
  const empty =
    view.id !== undefined
      ? 'No job with this id on this queue.'
      : searching
        ? 'No jobs match.'
        : view.task && page.next !== null
          ? // The task filter reads the queue a part at a time; more may match further on.
            `No ${view.state} jobs of this task in the part of the queue read so far. Next page reads on.`
          : `No ${view.state} jobs${view.task ? ' of this task' : ''}.`;
  // A partitioned queue's jobs come from its partitions: say which.
  const queueColumn = page.jobs.some((job) => job.queue !== queue) ? (['queue'] as const) : [];
  // A delayed (or waiting, or running) job that carries an error is one an attempt failed:
  // it waits for its retry, and why it failed is what an operator looks for.
  const lastError = page.jobs.some((job) => job.error) ? (['error'] as const) : [];
  return [
    // Waiting is not ordered by the Enqueued column: say what it is ordered by.
    !searching && view.state === 'waiting' && page.jobs.length > 1
      ? h('p', { class: 'list-order muted' }, WAITING_ORDER)
      : null,
    // Every delayed job of the queue: not under a task filter, which lists only some.
    !searching && !view.task && view.state === 'delayed' && page.jobs.length > 0 ? runAll() : null,
    !searching && (view.state === 'finished' || isEnded(view.state))
      ? endedFilter(queue, view.state, view.task)
      : null,
    jobsTable(
      page.jobs,
      searching || view.state === 'dead' || view.state === 'finished' || isEnded(view.state)
        ? [...queueColumn, 'state', 'when', 'error']
        : [...queueColumn, 'priority', 'when', ...lastError],
      empty,
      searching ? undefined : view.state,
    ),
    pager(queue, view, page.next),
  ];
}

/**
 * `/queues/<name>`: a queue's jobs by state, newest first, paged by cursor, with searches. A
 * partitioned queue's page counts all its partitions, lists their jobs newest first across them, and
 * links each; a partition's page (`/queues/emails~3of8`) is that of a queue.
 */
export function queuePage(ctx: PageContext, queue: string): HTMLElement {
  const partition = partitionOf(queue);
  setTitle(queue, partition ? partitionTitle(partition) : 'Queue');
  const view = readView(ctx.params);
  const counts = (data: QueuesResponse | undefined): Counts | undefined =>
    findQueue(data, queue)?.counts;
  const partitions = (data: QueuesResponse | undefined) => findQueue(data, queue)?.partitions;
  const searching = view.id !== undefined || view.field !== undefined;
  const unknownState = searching ? undefined : view.unknownState;
  const tabs = queueTabs(
    queue,
    searching || unknownState !== undefined ? undefined : view.state,
    searching ? undefined : view.task,
    ctx.signal,
  );
  tabs.showCounts(counts(ctx.live.latest()));
  const partitionSlot = h('div', null, partitionsTable(partitions(ctx.live.latest())));
  const unknownSlot = h('div');
  // The job browser: hidden while the queue is unknown, where it would only say it is empty.
  const browser = h('div', { class: 'queue-browser' });
  const flash = notices();
  // Pause / Resume and the badge: redrawn with each counts event, which carries `paused`.
  const pauseSlot = h('div', { class: 'actions queue-pause' });
  const showPause = (data: QueuesResponse | undefined): void =>
    replace(pauseSlot, pauseControls(queue, findQueue(data, queue), flash, showPause));
  showPause(ctx.live.latest());
  // The id field's example follows the counts the page starts with: a page built by an
  // in-page link (Find, a tab, Clear) gets no counts event until the counts change, and its
  // field said `emails:…` for a partitioned queue until then.
  let example = idExample(queue, partitions(ctx.live.latest()) !== undefined);
  const filterSlot = h('div', null, filters(queue, view, [], example));
  const results = h('div', null, loading());
  const trouble = notices();
  let shown = '';
  const load = async (): Promise<boolean> => {
    if (unknownState !== undefined) {
      replace(results, unknownStateNote(unknownState));
      return true;
    }
    try {
      const page = await loadJobs(queue, view, ctx.signal);
      trouble.clear();
      const text = JSON.stringify(page);
      // Unchanged: the rows stay as they are (an opened "show all" too).
      if (text !== shown) {
        shown = text;
        const runAll = () => runAllNowBar(queue, flash, () => control.refresh());
        replaceKeepingFocus(results, jobsResult(queue, view, page, runAll));
      }
      return true;
    } catch (error) {
      if (isAbort(error)) return false;
      const message = `Jobs could not be loaded: ${describeError(error)}`;
      // A failed refresh keeps the rows on screen and says so above them. A page's position
      // the server refused (a cursor from before the partitions changed, say) gets a way back.
      const restart =
        view.cursor && error instanceof ApiError && error.status === 400
          ? link(paths.queue(queue, { state: view.state, task: view.task }), '« First page')
          : null;
      if (shown === '') replace(results, errorBox(message), restart);
      else trouble.show('error', message);
      return false;
    }
  };
  const control = refreshControl({ load, signal: ctx.signal, what: 'jobs' });
  // Any change of this queue's counts may change the page (a job that finished leaves
  // active while the active count stays): read the page on screen again. Counts can come back
  // to where they were between two polls of the server (a dead job retried that dies again),
  // so the totals of settled attempts count too, and so do audit entries about the queue.
  const countsKey = (data: QueuesResponse | undefined): string | undefined => {
    const entry = findQueue(data, queue);
    return data && JSON.stringify(entry ? [entry.counts, entry.totals] : null);
  };
  let lastCounts = countsKey(ctx.live.latest());
  const markIdField = (): void => {
    filterSlot.querySelector('input[name="id"]')?.setAttribute('placeholder', example);
  };
  const show = (data: QueuesResponse): void => {
    tabs.showCounts(counts(data));
    replace(partitionSlot, partitionsTable(partitions(data)));
    showUnknown(data);
    showPause(data);
    example = idExample(queue, partitions(data) !== undefined);
    markIdField();
  };
  ctx.live.onCounts((data) => {
    show(data);
    const key = countsKey(data);
    if (lastCounts !== undefined && key !== lastCounts) control.changed();
    lastCounts = key;
  }, ctx.signal);
  // An entry names the stored queue (`emails~3of8`), or none when a bulk action spanned several.
  ctx.live.onAudit((entry) => {
    if (entry.queue === undefined || entry.queue === queue || entry.queue.startsWith(`${queue}~`)) {
      control.changed();
    }
  }, ctx.signal);
  if (!ctx.live.latest()) {
    getJson<QueuesResponse>('/queues', undefined, ctx.signal).then(
      (data) => {
        if (!ctx.live.latest()) show(data);
      },
      () => {},
    );
  }

  getJson<{ fields: IndexedField[] }>(
    `/queues/${encodeURIComponent(queue)}/fields`,
    undefined,
    ctx.signal,
  ).then(
    ({ fields }) => {
      replace(filterSlot, filters(queue, view, fields, example));
    },
    () => {},
  );
  control.refresh();
  const showUnknown = (data: QueuesResponse | undefined): void => {
    const note = unknownNote(queue, data);
    replace(unknownSlot, note);
    for (const el of [browser, pauseSlot, control.el]) el.hidden = note !== null;
  };
  showUnknown(ctx.live.latest());
  replace(browser, [
    tabs.el,
    partitionSlot,
    filterSlot,
    describeView(queue, view),
    trouble.el,
    results,
  ]);

  const crumbs = partition
    ? h(
        'p',
        { class: 'crumbs' },
        link(paths.overview(), 'Overview'),
        ' › Queue ',
        link(paths.queue(partition.queue), dataLabel(partition.queue, 64)),
        ` › ${partitionTitle(partition)} (`,
        dataLabel(queue, 80, 'mono'),
        ')',
      )
    : h('p', { class: 'crumbs' }, link(paths.overview(), 'Overview'), ' › Queue');
  return h(
    'div',
    null,
    crumbs,
    pageHead(dataText(queue, 80), pauseSlot, control.el),
    flash.el,
    unknownSlot,
    browser,
  );
}
