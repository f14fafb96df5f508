import { ApiError, describeError, getJson, isAbort } from '../api.js';
import type { AuditEntry, AuditPage } from '../api-types.js';
import { errorBox, loading, notices } from '../components/notice.js';
import { refreshControl, replaceKeepingFocus } from '../components/refresh.js';
import { table } from '../components/table.js';
import { agoSpan, dataLabel, dataText } from '../components/value.js';
import { type Child, h, replace } from '../dom.js';
import { formatNumber, formatTime } from '../format.js';
import { link, navigate, paths } from '../router.js';
import { field, type PageContext, pageHead, setTitle } from './page.js';

/** Job links a bulk entry lists before "and n more". */
const JOB_LINKS = 3;

/** What the URL asks for: a job's entries, and the page (older than `before`). */
interface View {
  jobId?: string;
  before?: string;
}

function readView(params: URLSearchParams): View {
  const view: View = {};
  for (const key of ['jobId', 'before'] as const) {
    const value = params.get(key);
    if (value) view[key] = value;
  }
  return view;
}

/** Whether an entry may belong to the job the page is filtered by. */
function concerns(entry: AuditEntry, jobId: string | undefined): boolean {
  if (jobId === undefined || entry.jobId === jobId || entry.jobIds?.includes(jobId)) return true;
  // A bulk entry keeps its first 100 ids: the job may be one of the rest.
  return (entry.jobIdCount ?? 0) > (entry.jobIds?.length ?? 0);
}

function stringAt(detail: AuditEntry['detail'], key: string): string | undefined {
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return undefined;
  const value = (detail as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}

function when(at: number): Child {
  return h(
    'time',
    { attrs: { datetime: new Date(at).toISOString() } },
    formatTime(at),
    agoSpan(at, 'muted small audit-ago'),
  );
}

/** What the entry acted on, each linked to its page: job, jobs, workflow, queue, schedule. */
function targets(entry: AuditEntry): Child {
  const parts: Child[] = [];
  if (entry.jobId !== undefined) {
    parts.push(['job ', link(paths.job(entry.jobId), dataLabel(entry.jobId, 48), 'mono')]);
  }
  const ids = (entry.jobIds ?? []).filter((id) => id !== entry.jobId);
  const count = entry.jobIdCount ?? ids.length;
  if (count > 0) {
    const shown = ids.slice(0, JOB_LINKS);
    const rest = count - shown.length;
    parts.push([
      `${formatNumber(count)} job${count === 1 ? '' : 's'}`,
      shown.length > 0 ? ': ' : '',
      shown.map((id, i) => [i ? ', ' : '', link(paths.job(id), dataLabel(id, 48), 'mono')]),
      shown.length > 0 && rest > 0
        ? h('span', { class: 'muted' }, ` and ${formatNumber(rest)} more`)
        : null,
    ]);
  }
  const workflow = stringAt(entry.detail, 'workflow');
  if (workflow !== undefined) {
    parts.push(['workflow ', link(paths.workflow(workflow), dataLabel(workflow, 48), 'mono')]);
  }
  if (entry.queue !== undefined) {
    parts.push(['queue ', link(paths.queue(entry.queue), dataLabel(entry.queue, 48))]);
  }
  const schedule = stringAt(entry.detail, 'schedule');
  if (schedule !== undefined) {
    parts.push(['schedule ', link(paths.schedules(), dataLabel(schedule, 48), 'mono')]);
  }
  if (parts.length === 0) return h('span', { class: 'muted' }, '–');
  return h(
    'ul',
    { class: 'audit-targets' },
    parts.map((part) => h('li', null, part)),
  );
}

function auditTable(entries: readonly AuditEntry[], fresh: (id: string) => boolean): HTMLElement {
  return table(
    [
      { title: 'Time', cell: (e) => when(e.at) },
      { title: 'Actor', cell: (e) => dataText(e.actor, 64) },
      { title: 'Action', cell: (e) => h('code', null, dataText(e.action, 64)) },
      { title: 'On', cell: targets },
      {
        title: 'Details',
        class: 'wide',
        cell: (e) =>
          e.detail === undefined
            ? h('span', { class: 'muted' }, '–')
            : dataText(JSON.stringify(e.detail), 240, 'mono small'),
      },
    ],
    entries,
    'No audit entries.',
    'Audit log, newest first',
    (e) => ({ 'data-id': e.id, class: fresh(e.id) ? 'fresh' : undefined }),
  );
}

function filterForm(view: View): HTMLElement {
  const jobId = h('input', {
    attrs: {
      type: 'search',
      name: 'jobId',
      value: view.jobId ?? '',
      placeholder: 'queue:…',
      autocomplete: 'off',
      spellcheck: 'false',
    },
  });
  return h(
    'form',
    {
      class: 'filter filters',
      attrs: { role: 'search', 'aria-label': 'Filter the audit log' },
      on: {
        submit: (event) => {
          event.preventDefault();
          navigate(paths.audit({ jobId: jobId.value.trim() }));
        },
      },
    },
    field('audit-job', 'Job id', jobId),
    h('button', { class: 'button', attrs: { type: 'submit' } }, 'Filter'),
    view.jobId ? link(paths.audit(), 'Clear', 'clear-filter') : null,
  );
}

/**
 * `/audit`: who did what, newest first, 50 a page, optionally one job's entries. The first
 * page follows the live stream's audit events; an older page stays put and counts them.
 */
export function auditPage(ctx: PageContext): HTMLElement {
  setTitle('Audit');
  const view = readView(ctx.params);
  const results = h('div', null, loading());
  const trouble = notices();
  const arrived = h('div', { attrs: { role: 'status', 'aria-live': 'polite' } });
  let shown = '';
  let seen: Set<string> | undefined;
  let newer = 0;

  const load = async (): Promise<boolean> => {
    try {
      const page = await getJson<AuditPage>(
        '/audit',
        { order: 'newest', jobId: view.jobId, before: view.before },
        ctx.signal,
      );
      trouble.clear();
      const text = JSON.stringify(page);
      if (text === shown) return true;
      shown = text;
      const before = seen;
      seen = new Set(page.entries.map((e) => e.id));
      replaceKeepingFocus(
        results,
        auditTable(page.entries, (id) => before !== undefined && !before.has(id)),
        h(
          'nav',
          { class: 'pager', attrs: { 'aria-label': 'Pages' } },
          view.before ? link(paths.audit({ jobId: view.jobId }), '« Newest', 'button') : null,
          page.next
            ? link(paths.audit({ jobId: view.jobId, before: page.next }), 'Older »', 'button')
            : null,
        ),
      );
      return true;
    } catch (error) {
      if (isAbort(error)) return false;
      const message =
        error instanceof ApiError && error.status === 400 && view.before
          ? `This page's position is not an audit entry id: ${describeError(error)}`
          : `The audit log could not be loaded: ${describeError(error)}`;
      if (shown === '') {
        replace(
          results,
          errorBox(message),
          view.before ? link(paths.audit({ jobId: view.jobId }), 'Newest entries') : null,
        );
      } else trouble.show('error', message);
      return false;
    }
  };
  const control = refreshControl({ load, signal: ctx.signal, what: 'audit log', minGapMs: 1000 });
  control.refresh();
  ctx.live.onAudit((entry) => {
    if (!concerns(entry, view.jobId)) return;
    if (view.before === undefined) {
      control.changed();
      return;
    }
    // An older page keeps its place: say how many came since, with a way to the newest.
    newer++;
    replace(
      arrived,
      h(
        'p',
        { class: 'notice notice-info audit-newer' },
        `${formatNumber(newer)} new entr${newer === 1 ? 'y' : 'ies'} since this page was read · `,
        link(paths.audit({ jobId: view.jobId }), 'Show newest'),
      ),
    );
  }, ctx.signal);

  return h(
    'div',
    null,
    pageHead('Audit log', control.el),
    h(
      'p',
      { class: 'muted lead' },
      'Who did what, newest first: actions on jobs, queues, dead letters, schedules and workflows, from this dashboard and the conveyor CLI. ',
      view.jobId ? ['Entries of job ', dataText(view.jobId, 80, 'mono'), ' only. '] : null,
      'The log keeps the newest 10,000 entries (50 per job).',
    ),
    filterForm(view),
    arrived,
    trouble.el,
    results,
  );
}
