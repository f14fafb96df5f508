import { describeError, getJson, isAbort } from '../api.js';
import type { Counts, QueueOverview, QueuesResponse } from '../api-types.js';
import { errorBox, loading } from '../components/notice.js';
import { dataLabel } from '../components/value.js';
import { h, replace } from '../dom.js';
import { formatNumber, partitionsLabel } from '../format.js';
import { link, paths } from '../router.js';
import { metricsSection } from './overview-charts.js';
import { type PageContext, pageHead, setTitle } from './page.js';
import { pauseBadge } from './queue-pause.js';

const COUNT_COLUMNS: ReadonlyArray<[keyof Counts, string]> = [
  ['waiting', 'Waiting'],
  ['delayed', 'Delayed'],
  ['active', 'Active'],
  ['dead', 'Dead'],
  ['finished', 'Finished'],
];

const COMPLETED_TITLE =
  'Attempts that completed since counting began, still counted after their jobs expire';
const FAILED_TITLE =
  "Attempts that failed for good since counting began, dead-lettered ones included, still counted after a retry or purge. Not the jobs failed now: those are a queue's Finished › Failed.";

function countCell(queue: string, key: keyof Counts, value: number): HTMLElement {
  const text = formatNumber(value);
  const content =
    key === 'dead' && value > 0
      ? link(paths.dead({ queue }), text, 'count-dead')
      : link(paths.queue(queue, { state: key }), text, value === 0 ? 'count-zero' : undefined);
  content.setAttribute('data-key', `${queue}/${key}`);
  return h('td', { class: 'num', attrs: { 'data-count': key } }, content);
}

function totalCell(value: number | undefined, key: string): HTMLElement {
  return h(
    'td',
    { class: 'num', attrs: { 'data-count': key } },
    value === undefined
      ? h('span', { class: 'muted', attrs: { title: 'No metrics' } }, '–')
      : formatNumber(value),
  );
}

function keyed(el: HTMLElement, key: string): HTMLElement {
  el.setAttribute('data-key', key);
  return el;
}

/** Which partitioned queues show their partitions; kept across the live redraws. */
interface Expansion {
  open: ReadonlySet<string>;
  toggle(queue: string): void;
}

function countCells(queue: QueueOverview): HTMLElement[] {
  return [
    ...COUNT_COLUMNS.map(([key]) => countCell(queue.name, key, queue.counts[key])),
    totalCell(queue.totals?.completed, 'completed'),
    totalCell(queue.totals?.failed, 'failed'),
  ];
}

/**
 * A queue's row; a partitioned queue's carries its sums and a button that shows a row per
 * partition under it, each linked to the partition's own page.
 */
function queueRows(queue: QueueOverview, expansion: Expansion): HTMLElement[] {
  const partitions = queue.partitions;
  const open = partitions !== undefined && expansion.open.has(queue.name);
  const toggle =
    partitions === undefined
      ? null
      : keyed(
          h(
            'button',
            {
              class: 'partition-toggle',
              attrs: {
                type: 'button',
                'aria-expanded': open ? 'true' : 'false',
                title: open ? 'Hide the partitions' : 'Show the partitions',
              },
              on: { click: () => expansion.toggle(queue.name) },
            },
            partitionsLabel(partitions),
          ),
          `${queue.name}/partitions`,
        );
  const row = h(
    'tr',
    { attrs: { 'data-queue': queue.name } },
    h(
      'th',
      { attrs: { scope: 'row' } },
      keyed(link(paths.queue(queue.name), dataLabel(queue.name, 64)), queue.name),
      toggle,
      pauseBadge(queue),
    ),
    countCells(queue),
  );
  if (!open || partitions === undefined) return [row];
  return [
    row,
    ...partitions.map((partition) =>
      h(
        'tr',
        { class: 'partition-row', attrs: { 'data-queue': partition.name } },
        h(
          'th',
          { attrs: { scope: 'row' } },
          keyed(
            link(paths.queue(partition.name), dataLabel(partition.name, 80), 'mono'),
            partition.name,
          ),
          pauseBadge(partition),
        ),
        countCells(partition),
      ),
    ),
  ];
}

function queuesTable(data: QueuesResponse, expansion: Expansion): HTMLElement {
  const sum = (pick: (q: QueueOverview) => number | undefined): number | undefined =>
    data.queues.some((q) => pick(q) !== undefined)
      ? data.queues.reduce((total, q) => total + (pick(q) ?? 0), 0)
      : undefined;
  const body =
    data.queues.length === 0
      ? h(
          'tr',
          { class: 'empty' },
          h('td', { attrs: { colspan: 8 } }, 'No queues yet: enqueue a job and it appears here.'),
        )
      : data.queues.map((queue) => queueRows(queue, expansion));
  const foot =
    data.queues.length > 1
      ? h(
          'tfoot',
          null,
          h(
            'tr',
            null,
            h('th', { attrs: { scope: 'row' } }, 'All queues'),
            COUNT_COLUMNS.map(([key]) =>
              h('td', { class: 'num' }, formatNumber(sum((q) => q.counts[key]) ?? 0)),
            ),
            totalCell(
              sum((q) => q.totals?.completed),
              'completed',
            ),
            totalCell(
              sum((q) => q.totals?.failed),
              'failed',
            ),
          ),
        )
      : null;
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'data-table queues-table' },
      h('caption', { class: 'sr-only' }, 'Jobs per queue and state'),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { attrs: { scope: 'col' } }, 'Queue'),
          COUNT_COLUMNS.map(([, title]) =>
            h('th', { class: 'num', attrs: { scope: 'col' } }, title),
          ),
          // The workers' metrics totals, which never expire: not the jobs in a state now. Plain
          // "Failed" beside "Finished" read as the failed state, and counted dead letters too.
          h('th', { class: 'num', attrs: { scope: 'col', title: COMPLETED_TITLE } }, [
            'Completed ',
            h('span', { class: 'th-note' }, '(all time)'),
          ]),
          h('th', { class: 'num', attrs: { scope: 'col', title: FAILED_TITLE } }, [
            'Failed ',
            h('span', { class: 'th-note' }, '(all time)'),
          ]),
        ),
      ),
      h('tbody', null, body),
      foot,
    ),
  );
}

function workersLine(data: QueuesResponse): HTMLElement {
  const { live, stale } = data.workers;
  return h(
    'p',
    { class: 'summary' },
    link(paths.workers(), `${formatNumber(live)} live worker${live === 1 ? '' : 's'}`),
    stale > 0 ? h('span', { class: 'badge state-stale' }, `${formatNumber(stale)} stale`) : null,
    h(
      'span',
      { class: 'muted' },
      ` · ${data.queues.length} queue${data.queues.length === 1 ? '' : 's'}`,
    ),
  );
}

/**
 * `/`: every queue's counts, live over SSE, and the last hour's charts. A partitioned queue
 * is one row of sums, its partitions a click away.
 */
export function overviewPage(ctx: PageContext): HTMLElement {
  setTitle('Overview');
  const aside = h('div');
  const tableSlot = h('div', null, loading());
  const open = new Set<string>();
  let shown: QueuesResponse | undefined;
  const expansion: Expansion = {
    open,
    toggle(queue) {
      if (!open.delete(queue)) open.add(queue);
      if (shown) render(shown);
    },
  };
  const render = (data: QueuesResponse): void => {
    shown = data;
    // Counts redraw the table; keyboard focus on one of its links stays on the same link.
    const focused = document.activeElement;
    const key = tableSlot.contains(focused) ? focused?.getAttribute('data-key') : null;
    replace(aside, workersLine(data));
    replace(tableSlot, queuesTable(data, expansion));
    if (key) tableSlot.querySelector<HTMLElement>(`[data-key="${CSS.escape(key)}"]`)?.focus();
  };
  ctx.live.onCounts(render, ctx.signal);
  const latest = ctx.live.latest();
  if (latest) render(latest);
  else {
    getJson<QueuesResponse>('/queues', undefined, ctx.signal).then(
      (data) => {
        if (!ctx.live.latest()) render(data);
      },
      (error) => {
        if (!isAbort(error))
          replace(tableSlot, errorBox(`Queues could not be loaded: ${describeError(error)}`));
      },
    );
  }
  return h(
    'div',
    null,
    pageHead('Overview', aside),
    h('section', { class: 'section' }, h('h2', { class: 'sr-only' }, 'Queues'), tableSlot),
    metricsSection(ctx.signal, ctx.live),
  );
}
