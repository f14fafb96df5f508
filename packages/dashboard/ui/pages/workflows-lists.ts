// The lists of /workflows: the running workflows, and those that ended (failed, compensated,
// cancelled, completed), each under its own tab.

import type { EndedWorkflowSummary, WorkflowListStatus, WorkflowSummary } from '../api-types.js';
import { scrollHint } from '../components/scroll-hint.js';
import { type Column, table } from '../components/table.js';
import { dataLabel, dataText, stateBadge, timeAgo, timeFull } from '../components/value.js';
import { h } from '../dom.js';
import { formatNumber } from '../format.js';
import { link, paths } from '../router.js';

export type EndedStatus = Exclude<WorkflowListStatus, 'running'>;

/** The tabs, in order: running first, then the statuses workflows end with as core lists them. */
export const LIST_STATUSES: readonly WorkflowListStatus[] = [
  'running',
  'failed',
  'compensated',
  'cancelled',
  'completed',
];

const TITLES: Readonly<Record<WorkflowListStatus, string>> = {
  running: 'Running',
  failed: 'Failed',
  compensated: 'Compensated',
  cancelled: 'Cancelled',
  completed: 'Completed',
};

/** `?status=` of the page's URL: a list, or what was asked for when it names none. */
export function readStatus(params: URLSearchParams): WorkflowListStatus | string {
  const status = params.get('status');
  return status === null || status === '' ? 'running' : status;
}

export function isListStatus(status: string): status is WorkflowListStatus {
  return (LIST_STATUSES as readonly string[]).includes(status);
}

export function statusTitle(status: WorkflowListStatus): string {
  return TITLES[status];
}

/** A list's URL: the running list has no `status` (the page's URL as it was before tabs). */
export function listPath(status: WorkflowListStatus, cursor?: string): string {
  return paths.workflows({ status: status === 'running' ? undefined : status, cursor });
}

/** Running | Failed | Compensated | Cancelled | Completed, the one on screen marked current. */
export function statusTabs(current: string, signal: AbortSignal): HTMLElement {
  const nav = h(
    'nav',
    { class: 'tabs', attrs: { 'aria-label': 'Workflow statuses' } },
    LIST_STATUSES.map((status) => {
      const a = link(listPath(status), TITLES[status], 'tab');
      a.setAttribute('data-status', status);
      if (status === current) a.setAttribute('aria-current', 'page');
      return a;
    }),
  );
  // On a phone the tabs scroll sideways in their row: the frame says when more lie off
  // screen, and brings the current one into view, as on a queue's page.
  return scrollHint(nav, signal);
}

const RETENTION =
  "Finished workflows are kept for the transport's result TTL (defaultResultTtlMs, 24 h by default), then drop out of these lists.";

/** What the page says above each list. */
export const LEADS: Readonly<Record<WorkflowListStatus, string>> = {
  running:
    'Running workflows, the one started first at the top (a retried one counts from its retry). A run that waits on a step for long shows it under Last change. Finished ones are under the other tabs.',
  failed: `Workflows that failed, the most recently ended first, with the step that failed and its error. Open one to see its steps. ${RETENTION}`,
  compensated: `Workflows whose step failed and whose compensations then ran, the most recently ended first, with the step that failed and its error. ${RETENTION}`,
  cancelled: `Workflows cancelled before they finished, the most recently ended first, with the stage each stopped in. ${RETENTION}`,
  completed: `Workflows that ran every step, the most recently finished first. ${RETENTION}`,
};

const EMPTY: Readonly<Record<WorkflowListStatus, string>> = {
  running: 'No workflow is running.',
  failed: "No failed workflow within the transport's result TTL.",
  compensated: "No compensated workflow within the transport's result TTL.",
  cancelled: "No cancelled workflow within the transport's result TTL.",
  completed: "No completed workflow within the transport's result TTL.",
};

/**
 * What an empty page after the first says: runs that were on it ended, or dropped out, since
 * the page before was read. Not "none": the ones kept are on the pages before.
 */
export function laterEmpty(status: WorkflowListStatus): string {
  return `No more ${status} workflows after the page before.`;
}

/**
 * The page's count: `12 failed`, `50+ failed` when more follow; on a page after the first,
 * `Later page: 12 failed`, so that it does not read as all there are.
 */
export function countLine(
  status: WorkflowListStatus,
  count: number,
  more: boolean,
  later: boolean,
): string {
  const counted = `${formatNumber(count)}${more ? '+' : ''} ${status}`;
  return later ? `Later page: ${count === 0 ? `no more ${status}` : counted}` : counted;
}

function stageCell(workflow: WorkflowSummary): HTMLElement {
  // A completed run is past its last stage (stage = stages): "5 of 4:" with no steps.
  if (workflow.stage >= workflow.stages) {
    return h('span', { class: 'muted' }, `${workflow.stages} of ${workflow.stages}: all done`);
  }
  return h(
    'span',
    null,
    h('span', { class: 'muted' }, `${workflow.stage + 1} of ${workflow.stages}: `),
    workflow.steps.map((step, i) => [
      i ? ', ' : '',
      dataText(step.name, 40),
      ' ',
      stateBadge(step.state),
    ]),
  );
}

type ListedError = NonNullable<EndedWorkflowSummary['failure']>['error'];

/** An error's code and message, as text. */
function errorText(error: ListedError): HTMLElement {
  return h(
    'span',
    { class: 'error-cell' },
    error.code ? [h('code', { class: 'error-code' }, dataText(error.code, 48)), ' '] : null,
    dataText(error.message, 140),
  );
}

/**
 * The failed step (and map child) with its error's code and message, as text; then, on a
 * line of its own, a compensation that failed after it: the undo did not happen.
 */
function failureCell(workflow: EndedWorkflowSummary): HTMLElement {
  const { failure, compensation } = workflow;
  if (!failure && !compensation) return h('span', { class: 'muted' }, '–');
  return h(
    'span',
    { class: 'wf-failure' },
    failure
      ? [
          h(
            'span',
            { class: 'wf-failure-step' },
            dataText(failure.step, 64, 'mono'),
            failure.child === undefined
              ? null
              : h('span', { class: 'muted' }, ` #${failure.child}`),
          ),
          ' ',
          errorText(failure.error),
        ]
      : null,
    compensation
      ? h(
          'span',
          { class: 'wf-compensation-failed' },
          h('strong', null, 'Compensation '),
          dataText(compensation.step, 64, 'mono'),
          h('strong', null, ' failed'),
          ': ',
          errorText(compensation.error),
        )
      : null,
  );
}

const workflowColumn: Column<WorkflowSummary> = {
  title: 'Workflow',
  cell: (w) =>
    h(
      'span',
      null,
      link(paths.workflow(w.id), dataLabel(w.id, 48), 'mono'),
      h('br'),
      dataText(w.name, 80, 'muted small'),
    ),
};

/** The running workflows; their times tick on with the browser's clock, as other pages' do. */
export function runningTable(
  workflows: readonly WorkflowSummary[],
  empty = EMPTY.running,
): HTMLElement {
  return table(
    [
      workflowColumn,
      { title: 'Stage', class: 'wide', cell: stageCell },
      { title: 'Last change', cell: (w) => timeAgo(w.updatedAt) },
      { title: 'Started', cell: (w) => timeAgo(w.createdAt) },
      {
        title: 'Deadline',
        cell: (w) =>
          w.deadline === undefined ? h('span', { class: 'muted' }, 'none') : timeFull(w.deadline),
      },
    ],
    workflows,
    empty,
    'Running workflows',
  );
}

/**
 * The workflows that ended with `status`: a failed or compensated one with the step that
 * failed and its error, a cancelled or completed one with the stage it ended in; `actions`,
 * a last column of buttons (the Failed tab's Retry).
 */
export function endedTable(
  status: EndedStatus,
  workflows: readonly EndedWorkflowSummary[],
  actions?: Column<EndedWorkflowSummary>,
  empty = EMPTY[status],
): HTMLElement {
  const failing = status === 'failed' || status === 'compensated';
  const detail: Column<EndedWorkflowSummary> = failing
    ? { title: 'Failed step', class: 'wide', cell: failureCell }
    : {
        title: status === 'cancelled' ? 'Stopped in' : 'Last stage',
        class: 'wide',
        cell: stageCell,
      };
  const el = table<EndedWorkflowSummary>(
    [
      workflowColumn,
      detail,
      { title: 'Finished', cell: (w) => [phoneLabel('Finished'), timeAgo(w.finishedAt)] },
      { title: 'Started', cell: (w) => [phoneLabel('Started'), timeAgo(w.createdAt)] },
      ...(actions ? [actions] : []),
    ],
    workflows,
    empty,
    `${TITLES[status]} workflows`,
    (w) => ({ 'data-workflow': w.id }),
  );
  el.classList.add('wf-ended');
  return el;
}

/** A time's heading, shown on a phone only, where the table's head is not above it. */
function phoneLabel(text: string): HTMLElement {
  return h('span', { class: 'phone-label muted', attrs: { 'aria-hidden': 'true' } }, `${text} `);
}
