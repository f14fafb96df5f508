import { describeError, getJson, isAbort } from '../api.js';
import type { WorkerInfo } from '../api-types.js';
import { errorBox, loading } from '../components/notice.js';
import { replaceKeepingFocus, selectionWithin } from '../components/refresh.js';
import { table } from '../components/table.js';
import { dataLabel, dataText, stateBadge, timeAgo } from '../components/value.js';
import { h, replace } from '../dom.js';
import { formatNumber } from '../format.js';
import { link, paths } from '../router.js';
import { every, type PageContext, pageHead, setTitle } from './page.js';

function heldJobs(worker: WorkerInfo): HTMLElement {
  if (worker.jobs.length === 0) return h('span', { class: 'muted' }, 'none');
  const shown = worker.jobs.slice(0, 5);
  return h(
    'ul',
    { class: 'held' },
    shown.map((job) =>
      h(
        'li',
        null,
        link(paths.job(job.id), dataLabel(job.id, 48), 'mono'),
        ' ',
        dataText(job.task, 40, 'muted'),
        job.attempt > 1 ? h('span', { class: 'muted' }, ` attempt ${job.attempt}`) : null,
      ),
    ),
    worker.jobs.length > shown.length
      ? h('li', { class: 'muted' }, `and ${worker.jobs.length - shown.length} more`)
      : null,
  );
}

/** On a phone each worker is a card (tables.css's `.phone-cards`), no column out of sight. */
function workersTable(workers: readonly WorkerInfo[]): HTMLElement {
  const el = table(
    [
      {
        title: 'Worker',
        cell: (w) =>
          h(
            'span',
            { class: 'worker-id' },
            dataText(w.id, 48, 'mono'),
            h('br'),
            dataText(`${w.hostname} · pid ${w.pid}`, 80, 'muted small'),
          ),
      },
      {
        title: 'Status',
        cell: (w) =>
          h(
            'span',
            { class: 'worker-status' },
            stateBadge(w.stale ? 'stale' : 'live'),
            ' ',
            stateBadge(w.state),
          ),
      },
      {
        title: 'Queues',
        cell: (w) =>
          w.queues.map((q, i) => [i ? ', ' : '', link(paths.queue(q), dataLabel(q, 40))]),
      },
      { title: 'Busy', class: 'num', cell: (w) => `${w.jobs.length} / ${w.concurrency}` },
      { title: 'Held jobs', class: 'wide', cell: heldJobs },
      { title: 'Heartbeat', cell: (w) => timeAgo(w.heartbeatAt) },
      { title: 'Up since', cell: (w) => timeAgo(w.startedAt) },
      {
        title: 'Done / failed / dead / retried',
        class: 'num',
        cell: (w) =>
          `${formatNumber(w.counts.completed)} / ${formatNumber(w.counts.failed)} / ${w.counts.dead === undefined ? '–' : formatNumber(w.counts.dead)} / ${formatNumber(w.counts.retried)}`,
      },
    ],
    [...workers].sort((a, b) => Number(a.stale) - Number(b.stale) || (a.id < b.id ? -1 : 1)),
    'No workers are running.',
    'Workers',
  );
  el.classList.add('phone-cards');
  return el;
}

/** `/workers`: live and stale workers, refreshed every few seconds (not under a selection). */
export function workersPage(ctx: PageContext): HTMLElement {
  setTitle('Workers');
  const aside = h('div');
  const body = h('div', null, loading());
  const load = async (): Promise<void> => {
    try {
      const { workers } = await getJson<{ workers: WorkerInfo[] }>(
        '/workers',
        undefined,
        ctx.signal,
      );
      const stale = workers.filter((w) => w.stale).length;
      // Text selected in the table (a worker id being copied) holds the table as it is; the
      // counts above it still move, and say why the table does not.
      const held = selectionWithin(body);
      replace(
        aside,
        h(
          'p',
          { class: 'summary' },
          `${formatNumber(workers.length - stale)} live`,
          stale ? h('span', { class: 'badge state-stale' }, `${stale} stale`) : null,
          held
            ? h('span', { class: 'muted held-redraw' }, '· table held while text in it is selected')
            : null,
        ),
      );
      if (!held) replaceKeepingFocus(body, workersTable(workers));
    } catch (error) {
      if (isAbort(error)) return;
      // The summary must not keep claiming live workers the page can no longer see.
      replace(aside, h('p', { class: 'summary muted' }, 'Workers unknown'));
      replace(body, errorBox(`Workers could not be loaded: ${describeError(error)}`));
    }
  };
  void load();
  every(3000, ctx.signal, () => void load());
  return h(
    'div',
    null,
    pageHead('Workers', aside),
    h(
      'p',
      { class: 'muted lead' },
      'A worker is stale when it missed two heartbeats: killed, frozen, or cut off from the broker.',
    ),
    body,
  );
}
