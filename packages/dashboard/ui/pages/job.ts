import { ApiError, describeError, getJson, isAbort } from '../api.js';
import type { AuditEntry, JobDetail } from '../api-types.js';
import { errorBox, loading, notices } from '../components/notice.js';
import { table } from '../components/table.js';
import {
  dataLabel,
  dataText,
  jsonBlock,
  stateBadge,
  timeAgo,
  timeFull,
} from '../components/value.js';
import { type Child, h, replace } from '../dom.js';
import { formatDuration, formatTime } from '../format.js';
import { link, paths } from '../router.js';
import { jobActions, type Told } from './job-actions.js';
import { attempts, errorView } from './job-errors.js';
import { every, type PageContext, pageHead, setTitle } from './page.js';

const LIVE_STATES = new Set(['waiting', 'delayed', 'active']);
/** How often the page of a running job is read again (progress, lease). */
const RUNNING_POLL_MS = 2_000;

function row(label: string, value: Child): HTMLElement[] {
  return [h('dt', null, label), h('dd', null, value)];
}

function optionalText(value: string | undefined, className = ''): Child {
  return value === undefined ? h('span', { class: 'muted' }, '–') : dataText(value, 200, className);
}

/** `daily-stock: slot 2026-12-02 07:00:00, fired late by 1.2 s`. */
function scheduled(slot: NonNullable<JobDetail['scheduled']>): Child {
  return [
    slot.scheduleId === undefined
      ? 'a schedule'
      : link(paths.schedules(), dataLabel(slot.scheduleId, 80, 'mono')),
    ': slot ',
    h(
      'time',
      { attrs: { datetime: new Date(slot.slotAt).toISOString() } },
      formatTime(slot.slotAt),
    ),
    h(
      'span',
      { class: 'muted' },
      slot.lateMs > 0 ? `, fired late by ${formatDuration(slot.lateMs)}` : ', fired on time',
    ),
  ];
}

/** `wf_…, step charge #41`: the workflow a step job belongs to, linked to its page. */
function workflowStep(ref: NonNullable<JobDetail['workflow']>): Child {
  return [
    link(paths.workflow(ref.id), dataLabel(ref.id, 80, 'mono'), 'workflow-link'),
    ', step ',
    dataText(ref.step, 64, 'mono'),
    ref.child === undefined ? null : ` #${ref.child}`,
    ref.kind === 'expand' ? h('span', { class: 'muted' }, " (computes the map's items)") : null,
  ];
}

function summary(job: JobDetail): HTMLElement {
  return h(
    'dl',
    { class: 'props' },
    row('Queue', link(paths.queue(job.queue), dataLabel(job.queue, 64))),
    row('Task', dataText(job.task, 120)),
    row('State', [
      stateBadge(job.state),
      // Requested of a running job, which ends cancelled: said only while it still runs.
      job.cancelRequested && job.state === 'active'
        ? h('span', { class: 'muted' }, ' cancel requested')
        : null,
    ]),
    row('Attempts', `${job.attempts} of ${job.maxAttempts}`),
    row('Priority', String(job.priority)),
    row('Enqueued', timeFull(job.enqueuedAt)),
    job.scheduled ? row('Schedule', scheduled(job.scheduled)) : null,
    job.workflow ? row('Workflow', workflowStep(job.workflow)) : null,
    job.dueAt !== undefined ? row('Due', timeFull(job.dueAt)) : null,
    job.startedAt !== undefined ? row('Started', timeFull(job.startedAt)) : null,
    job.finishedAt !== undefined ? row('Finished', timeFull(job.finishedAt)) : null,
    job.expiresAt !== undefined ? row('Expires', timeFull(job.expiresAt)) : null,
    job.consumer !== undefined ? row('Worker', dataText(job.consumer, 120, 'mono')) : null,
    job.leaseExpiresAt !== undefined ? row('Lease expires', timeFull(job.leaseExpiresAt)) : null,
    row('Idempotency key', optionalText(job.idempotencyKey, 'mono')),
    row('Schema fingerprint', optionalText(job.schema, 'mono')),
  );
}

function auditTable(entries: readonly AuditEntry[]): HTMLElement {
  return table(
    [
      { title: 'When', cell: (e) => timeAgo(e.at) },
      { title: 'Who', cell: (e) => dataText(e.actor, 64) },
      { title: 'Action', cell: (e) => h('code', null, dataText(e.action, 64)) },
      {
        title: 'Detail',
        class: 'wide',
        cell: (e) =>
          e.detail === undefined ? '–' : dataText(JSON.stringify(e.detail), 200, 'mono'),
      },
    ],
    [...entries].reverse(),
    'No operator actions on this job.',
    'Audit log',
  );
}

/**
 * A workflow step's job (not a map child, whose item is its input) stores no input: the
 * worker computes it when the step runs, and `null` would read as the step running with null.
 */
function inputView(job: JobDetail): Child {
  const ref = job.workflow;
  if (!ref || ref.child !== undefined || job.input !== null) return jsonBlock(job.input);
  const what =
    ref.kind === 'expand'
      ? 'None stored: the map step computes its items when its job runs, from its workflow.'
      : "None stored: computed when the step runs, from its workflow's input and earlier results.";
  return h('p', { class: 'muted' }, what);
}

function section(title: string, ...content: Child[]): HTMLElement {
  return h('section', { class: 'section' }, h('h2', null, title), content);
}

/**
 * `/jobs/<id>`: everything about one job, its attempts and audit, with Run now (a delayed job),
 * Retry and Cancel.
 */
export function jobPage(ctx: PageContext, id: string): HTMLElement {
  setTitle(id, 'Job');
  const flash = notices();
  const head = h('div', null, pageHead(['Job ', dataText(id, 80, 'mono')]));
  const body = h('div', null, loading());
  let shown = '';
  let state: string | undefined;
  // The state the banner above says the job is in, after a Retry or Run now: it must not go
  // stale.
  let told: Told | undefined;

  const load = async (): Promise<void> => {
    try {
      const data = await getJson<{ job: JobDetail; audit: AuditEntry[] }>(
        `/jobs/${encodeURIComponent(id)}`,
        undefined,
        ctx.signal,
      );
      const text = JSON.stringify(data);
      if (text === shown) return;
      shown = text;
      const { job, audit } = data;
      state = job.state;
      if (told !== undefined && told.state !== job.state) {
        told = { ...told, state: job.state };
        flash.show(
          'info',
          `${told.what} earlier; the job has moved on since: it is now ${job.state}.`,
        );
      }
      replace(
        head,
        pageHead(
          ['Job ', dataText(job.id, 80, 'mono')],
          stateBadge(job.state),
          jobActions(job, flash, (after) => {
            told = after;
            void load();
          }),
        ),
      );
      replace(
        body,
        summary(job),
        job.error
          ? job.state === 'completed'
            ? section(
                "Earlier attempt's error",
                h(
                  'p',
                  { class: 'muted earlier-note' },
                  'The job completed: this error is from an earlier attempt, which was tried again. It is not why the job ended.',
                ),
                errorView(job.error, true),
              )
            : section('Error', errorView(job.error))
          : null,
        section('Attempts', attempts(job)),
        section('Input', inputView(job)),
        job.result !== undefined ? section('Result', jsonBlock(job.result)) : null,
        job.progress !== undefined ? section('Progress', jsonBlock(job.progress)) : null,
        section(
          'Audit',
          auditTable(audit),
          h(
            'p',
            { class: 'more-link' },
            link(paths.audit({ jobId: job.id }), 'In the audit log »'),
          ),
        ),
      );
    } catch (error) {
      if (isAbort(error)) return;
      shown = '';
      state = undefined;
      replace(
        body,
        error instanceof ApiError && error.status === 404
          ? errorBox('No such job: it never existed, or its record expired or was purged.')
          : errorBox(`The job could not be loaded: ${describeError(error)}`),
      );
    }
  };
  void load();
  // While the job can still change, follow it; audit entries about it reload it too.
  ctx.live.onCounts(() => {
    if (state !== undefined && LIVE_STATES.has(state)) void load();
  }, ctx.signal);
  // A running job's progress and lease change without a change of the counts: read it again
  // every few seconds while it runs (the page is drawn again only when something changed).
  every(RUNNING_POLL_MS, ctx.signal, () => {
    if (state === 'active') void load();
  });
  // The stream is back after an outage: whatever the job's state, it may have changed (or
  // the job been purged) meanwhile, unseen.
  let outage = false;
  ctx.live.onStatus((status) => {
    if (status === 'live' && outage) void load();
    outage = status !== 'live';
  }, ctx.signal);
  // A bulk action's entry (and a workflow action's) names its jobs in `jobIds`, the first 100
  // of them: a dead job retried or purged from the dead-letter page in another tab shows it.
  ctx.live.onAudit((entry) => {
    if (
      entry.jobId === id ||
      entry.jobIds?.includes(id) ||
      (state === 'dead' && entry.action.startsWith('dead.'))
    ) {
      void load();
    }
  }, ctx.signal);

  return h(
    'div',
    null,
    h('p', { class: 'crumbs' }, link(paths.overview(), 'Overview'), ' › Job'),
    head,
    flash.el,
    body,
  );
}
