import { ApiError, describeError, getJson, isAbort, postJson } from '../api.js';
import type { ScheduleRow, SchedulesResponse } from '../api-types.js';
import { confirmAction } from '../components/dialog.js';
import { errorBox, loading, type Notices, notices } from '../components/notice.js';
import { replaceKeepingFocus } from '../components/refresh.js';
import { pausedNote } from '../components/retry.js';
import { dataLabel, dataText, stateBadge, timeAgo } from '../components/value.js';
import { canWrite } from '../config.js';
import { type Child, h, type Props, replace } from '../dom.js';
import { formatAgo, formatDuration, formatNumber, formatTime, jsonLine } from '../format.js';
import { link, paths } from '../router.js';
import { every, type PageContext, pageHead, setTitle } from './page.js';

const UNFINISHED = new Set(['waiting', 'delayed', 'active']);

type Action = 'run-now' | 'pause' | 'resume';

const ACTION_LABEL: Record<Action, string> = {
  'run-now': 'Run now',
  pause: 'Pause',
  resume: 'Resume',
};

function keyOf(row: ScheduleRow): string {
  return `${row.queue}/${row.id}`;
}

function actionUrl(row: ScheduleRow, action: Action): string {
  return `/schedules/${encodeURIComponent(row.queue)}/${encodeURIComponent(row.id)}/${action}`;
}

function badges(row: ScheduleRow): Child[] {
  return [
    row.paused ? h('span', { class: 'badge state-paused' }, 'paused') : null,
    row.enabled ? null : h('span', { class: 'badge state-disabled' }, 'disabled'),
    row.orphaned
      ? h(
          'span',
          {
            class: 'badge state-orphaned',
            attrs: {
              title:
                row.source === 'code'
                  ? 'Declared in code, and no running worker declares it any more.'
                  : 'Made at run time in a queue no running worker consumes: it fires once one does.',
            },
          },
          'orphaned',
        )
      : null,
    row.superseded
      ? h(
          'span',
          {
            class: 'badge state-superseded',
            attrs: {
              title:
                'Another copy of this schedule in the same queue fires (its partition count changed). Remove this copy once the old partitions are drained.',
            },
          },
          'superseded',
        )
      : null,
  ];
}

function scheduleCell(row: ScheduleRow): HTMLElement {
  return h(
    'th',
    { attrs: { scope: 'row' } },
    h(
      'span',
      { class: 'schedule-id' },
      dataText(row.id, 64, 'mono'),
      h('span', { class: 'schedule-badges' }, badges(row)),
    ),
    h('br'),
    h(
      'span',
      {
        class: 'schedule-meta muted small',
        attrs: {
          title:
            row.source === 'code'
              ? 'Declared in a task module; the workers that run it store it.'
              : 'Made at run time (client.schedules.upsert).',
        },
      },
      `${row.source === 'code' ? 'in code' : 'at run time'} · revision ${row.revision}`,
    ),
  );
}

/** A cell that spans its card on a phone, under `label` (tables.css's `.phone-cards`). */
function card(label: string): Props {
  return { class: 'card-full', attrs: { 'data-label': label } };
}

function timingCell(row: ScheduleRow): HTMLElement {
  // `every 5m`, or `cron 0 7 * * * (Europe/Berlin)`: the zone is part of it.
  return h('td', card('Timing'), dataText(row.timing, 120, 'mono'));
}

/** How much of an input the table shows before "show all": a few fields, in a narrow column. */
const INPUT_SHOWN = 100;

/**
 * The input each slot's job gets, and Run now's: as the server sent it (redacted), on one
 * line, cut with "show all".
 */
function scheduleInput(row: ScheduleRow): HTMLElement {
  return dataText(jsonLine(row.input), INPUT_SHOWN, 'mono small');
}

function nextCell(row: ScheduleRow): HTMLElement {
  if (row.next.length === 0) {
    const why = row.paused
      ? 'none while paused'
      : !row.enabled
        ? 'none: disabled'
        : row.orphaned
          ? 'none while orphaned'
          : row.superseded
            ? 'none: another copy fires'
            : '–';
    return h('td', card('Next'), h('span', { class: 'muted' }, why));
  }
  return h(
    'td',
    card('Next'),
    h(
      'ul',
      { class: 'next-times' },
      row.next.map((at, i) =>
        h(
          'li',
          null,
          h('time', { attrs: { datetime: new Date(at).toISOString() } }, formatTime(at)),
          // Apart from the time, so that the column may wrap here.
          i === 0 ? [' ', h('span', { class: 'muted' }, `(${formatAgo(at)})`)] : null,
        ),
      ),
    ),
  );
}

function lastCell(row: ScheduleRow): HTMLElement {
  const slot = row.lastSlotAt ?? undefined;
  const fired = row.lastFiredAt ?? undefined;
  const job = row.lastJobId ?? undefined;
  if (slot === undefined && job === undefined) {
    return h('td', card('Last run'), h('span', { class: 'muted' }, 'never fired'));
  }
  const late = slot !== undefined && fired !== undefined ? fired - slot : 0;
  return h(
    'td',
    card('Last run'),
    slot === undefined
      ? null
      : h(
          'span',
          { class: 'last-slot' },
          'slot ',
          h('time', { attrs: { datetime: new Date(slot).toISOString() } }, formatTime(slot)),
        ),
    fired === undefined
      ? null
      : h(
          'span',
          { class: 'muted small last-fired' },
          h('br'),
          'fired ',
          timeAgo(fired),
          late > 0 ? ` (late by ${formatDuration(late)})` : null,
        ),
    job === undefined
      ? null
      : h(
          'span',
          { class: 'last-job' },
          h('br'),
          link(paths.job(job), dataLabel(job, 64), 'mono'),
          ' ',
          row.lastJobState ? stateBadge(row.lastJobState) : h('span', { class: 'muted' }, 'gone'),
        ),
  );
}

/** Runs one action on one schedule, says how it went, and reloads the list. */
async function act(row: ScheduleRow, action: Action, flash: Notices, done: () => void) {
  if (action === 'run-now') {
    const ok = await confirmAction({
      title: 'Run this schedule now?',
      body: [
        'One job of ',
        dataText(row.task, 80, 'mono'),
        ' is enqueued now, with the schedule’s input ',
        scheduleInput(row),
        '. Its slots still fire as planned.',
      ],
      confirm: 'Run now',
    });
    if (!ok) return;
  }
  try {
    const answer = await postJson<{ jobId?: string; paused?: string[] }>(actionUrl(row, action));
    if (action === 'run-now' && answer.jobId !== undefined) {
      flash.show('ok', [
        'Enqueued ',
        link(paths.job(answer.jobId), dataLabel(answer.jobId, 64), 'mono'),
        ' from ',
        dataText(row.id, 64, 'mono'),
        `.${pausedNote(answer.paused)}`,
      ]);
    } else {
      flash.show('ok', [
        action === 'pause' ? 'Paused ' : 'Resumed ',
        dataText(row.id, 64, 'mono'),
        action === 'pause' ? ': no slot fires until it is resumed.' : '.',
      ]);
    }
  } catch (error) {
    flash.show('error', `${ACTION_LABEL[action]} failed: ${describeError(error)}`);
  }
  done();
}

function actionsCell(row: ScheduleRow, flash: Notices, reload: () => void): HTMLElement {
  const button = (action: Action, label: string, className: string): HTMLElement =>
    h(
      'button',
      {
        class: className,
        attrs: { type: 'button', 'data-key': `${keyOf(row)}/${action}`, 'data-action': action },
        on: { click: () => void act(row, action, flash, reload) },
      },
      label,
    );
  return h(
    'td',
    { class: 'row-actions' },
    h(
      'div',
      { class: 'actions' },
      button('run-now', 'Run now', 'button small'),
      row.paused
        ? button('resume', 'Resume', 'button small primary')
        : button('pause', 'Pause', 'button small'),
    ),
  );
}

function schedulesTable(
  rows: readonly ScheduleRow[],
  flash: Notices,
  reload: () => void,
): HTMLElement {
  const writable = canWrite();
  const titles = ['Schedule', 'Queue', 'Task', 'Input', 'Timing', 'Next', 'Last run'];
  if (writable) titles.push('Actions');
  const body =
    rows.length === 0
      ? h(
          'tr',
          { class: 'empty' },
          h(
            'td',
            { attrs: { colspan: titles.length } },
            'No schedules yet: a worker stores the schedules it is given when it starts.',
          ),
        )
      : rows.map((row) =>
          h(
            'tr',
            {
              attrs: { 'data-schedule': keyOf(row), 'data-paused': row.paused ? 'true' : 'false' },
            },
            scheduleCell(row),
            h(
              'td',
              { attrs: { 'data-label': 'Queue' } },
              link(paths.queue(row.queue), dataLabel(row.queue, 64)),
            ),
            h('td', { attrs: { 'data-label': 'Task' } }, dataText(row.task, 80)),
            h(
              'td',
              { class: 'card-full schedule-input', attrs: { 'data-label': 'Input' } },
              scheduleInput(row),
            ),
            timingCell(row),
            nextCell(row),
            lastCell(row),
            writable ? actionsCell(row, flash, reload) : null,
          ),
        );
  return h(
    'div',
    { class: 'table-wrap phone-cards' },
    h(
      'table',
      { class: 'data-table schedules-table' },
      h('caption', { class: 'sr-only' }, 'Schedules'),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          titles.map((title) => h('th', { attrs: { scope: 'col' } }, title)),
        ),
      ),
      h('tbody', null, body),
    ),
  );
}

function summary(rows: readonly ScheduleRow[]): HTMLElement {
  const paused = rows.filter((row) => row.paused).length;
  const orphaned = rows.filter((row) => row.orphaned).length;
  const superseded = rows.filter((row) => row.superseded).length;
  return h(
    'p',
    { class: 'summary' },
    `${formatNumber(rows.length)} schedule${rows.length === 1 ? '' : 's'}`,
    paused ? h('span', { class: 'badge state-paused' }, `${formatNumber(paused)} paused`) : null,
    orphaned
      ? h('span', { class: 'badge state-orphaned' }, `${formatNumber(orphaned)} orphaned`)
      : null,
    superseded
      ? h('span', { class: 'badge state-superseded' }, `${formatNumber(superseded)} superseded`)
      : null,
  );
}

/** `/schedules`: every stored schedule, its next fire times and last run, with run-now, pause and resume. */
export function schedulesPage(ctx: PageContext): HTMLElement {
  setTitle('Schedules');
  const flash = notices();
  const aside = h('div');
  const body = h('div', null, loading());
  let rows: readonly ScheduleRow[] = [];
  let unavailable = false;

  const load = async (): Promise<void> => {
    if (unavailable) return;
    try {
      const { schedules } = await getJson<SchedulesResponse>('/schedules', undefined, ctx.signal);
      rows = schedules;
      // Redrawn on every read, so that "in 12 s" stays true; keyboard focus stays on the
      // same button, and an input shown in full with "show all" stays shown.
      replace(aside, summary(schedules));
      replaceKeepingFocus(
        body,
        schedulesTable(schedules, flash, () => void load()),
      );
    } catch (error) {
      if (isAbort(error)) return;
      const missing =
        error instanceof ApiError && error.code === 'CAPABILITY_MISSING' ? error : undefined;
      // The transport will not grow the capability: stop asking.
      unavailable = missing !== undefined;
      replace(
        body,
        missing
          ? h('div', { class: 'notice notice-info', attrs: { role: 'status' } }, missing.message)
          : errorBox(`Schedules could not be loaded: ${describeError(error)}`),
      );
    }
  };
  void load();
  every(5000, ctx.signal, () => void load());
  // A schedule action (here or in another tab) shows at once; so does the end of a last
  // job, while one is unfinished (not on every count change: each read costs a job lookup
  // per schedule).
  ctx.live.onAudit((entry) => {
    if (entry.action.startsWith('schedule.')) void load();
  }, ctx.signal);
  ctx.live.onCounts(() => {
    if (rows.some((row) => row.lastJobState && UNFINISHED.has(row.lastJobState))) void load();
  }, ctx.signal);

  return h(
    'div',
    null,
    pageHead('Schedules', aside),
    h(
      'p',
      { class: 'muted lead' },
      'Each slot fires one job, whichever worker claims it. Times are in your local time zone.',
    ),
    flash.el,
    body,
  );
}
