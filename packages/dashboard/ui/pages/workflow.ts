import { ApiError, describeError, getJson, isAbort, postJson } from '../api.js';
import { confirmAction } from '../components/dialog.js';
import { errorBox, loading, type Notices, notices } from '../components/notice.js';
import { pausedNote } from '../components/retry.js';
import { dataText, jsonBlock, timeFull } from '../components/value.js';
import { canWrite } from '../config.js';
import { type Child, h, replace } from '../dom.js';
import { formatCount, formatNumber } from '../format.js';
import { link, paths } from '../router.js';
import type {
  ChildView,
  StageView,
  StepState,
  StepView,
  WorkflowResponse,
  WorkflowStatus,
  WorkflowView,
} from '../workflow-types.js';
import { every, type PageContext, pageHead, setTitle } from './page.js';

/** States in which a step without a job will never get one. */
const NEVER_RAN = new Set(['cancelled', 'skipped', 'failed']);

// `/workflows/<id>`: the stages left to right, each step a box coloured by its state with a
// link to its job, a map's children as a progress bar with counts, the compensations below,
// and Cancel / Retry. Every string from the record goes in as text (dataText).

/** How often a running workflow is re-read, besides the live events. */
const REFRESH_MS = 2_000;

const STEP_STATES: readonly StepState[] = [
  'completed',
  'running',
  'ready',
  'pending',
  'failed',
  'skipped',
  'cancelled',
];
const STATUSES: readonly WorkflowStatus[] = [
  'running',
  'completed',
  'failed',
  'compensated',
  'cancelled',
];

/** A state label; its class comes from the fixed lists above, never from the data. */
function badge(state: string): HTMLElement {
  const known =
    STEP_STATES.includes(state as StepState) || STATUSES.includes(state as WorkflowStatus)
      ? state
      : 'unknown';
  return h('span', { class: `badge wf-badge wf-${known}`, attrs: { dir: 'auto' } }, state);
}

function stateClass(state: StepState): string {
  return STEP_STATES.includes(state) ? `wf-${state}` : 'wf-unknown';
}

function attemptsText(unit: StepView | ChildView): string | null {
  if (unit.attempts) return `attempt ${unit.attempts.attempts} of ${unit.attempts.maxAttempts}`;
  return unit.jobId === undefined ? null : 'job gone';
}

function errorLine(error: { message: string; code?: string }): HTMLElement {
  return h(
    'p',
    { class: 'wf-error' },
    error.code ? [h('code', { class: 'error-code' }, dataText(error.code, 48)), ' '] : null,
    dataText(error.message, 240),
  );
}

function policy(step: StepView): string | null {
  const { onFailure } = step;
  if (onFailure === 'fail') return null;
  return onFailure === 'continue' ? 'on failure: continue' : `on failure: ${onFailure.compensate}`;
}

/** A map's children: a bar split by state, the counts, and the listed children. */
function childrenView(step: StepView, workflowId: string, all: boolean): Child {
  const children = step.children;
  if (!children) return null;
  if (children.total === 0) return h('p', { class: 'wf-meta muted' }, 'Items not computed yet.');
  const done = children.counts.completed + children.counts.skipped;
  const bar = h(
    'div',
    {
      class: 'wf-bar',
      attrs: {
        role: 'progressbar',
        'aria-label': `${step.name} children done`,
        'aria-valuemin': 0,
        'aria-valuemax': children.total,
        'aria-valuenow': done,
      },
    },
    STEP_STATES.filter((state) => children.counts[state] > 0).map((state) => {
      const part = h('span', {
        class: `wf-bar-part ${stateClass(state)}`,
        attrs: { title: `${formatNumber(children.counts[state])} ${state}` },
      });
      // Through the CSSOM: the CSP (style-src 'self') refuses style attributes, not this.
      part.style.width = `${((children.counts[state] / children.total) * 100).toFixed(3)}%`;
      return part;
    }),
  );
  const counts = h(
    'p',
    { class: 'wf-counts' },
    h('strong', null, `${formatNumber(done)} of ${formatNumber(children.total)}`),
    ' done',
    STEP_STATES.filter((state) => state !== 'completed' && children.counts[state] > 0).map(
      (state) => [
        ' · ',
        h(
          'span',
          { class: `wf-count ${stateClass(state)}` },
          `${formatNumber(children.counts[state])} ${state}`,
        ),
      ],
    ),
  );
  const list = h(
    'ol',
    { class: 'wf-children' },
    children.shown.map((child) =>
      h(
        'li',
        {
          class: `wf-child ${stateClass(child.state)}`,
          attrs: { 'data-child': child.child, 'data-state': child.state },
        },
        child.jobId === undefined
          ? h('span', { class: 'mono' }, `#${child.child}`)
          : link(paths.job(child.jobId), `#${child.child}`, 'mono'),
        ' ',
        badge(child.state),
        attemptsText(child) ? h('span', { class: 'muted' }, ` ${attemptsText(child)}`) : null,
        child.error ? errorLine(child.error) : null,
      ),
    ),
  );
  const more =
    children.hidden > 0
      ? h(
          'p',
          { class: 'wf-meta' },
          `${formatNumber(children.hidden)} more not listed. `,
          link(paths.workflow(workflowId, { all: '1' }), 'List every child'),
        )
      : all && children.total > 10
        ? h('p', { class: 'wf-meta' }, link(paths.workflow(workflowId), 'List fewer'))
        : null;
  return [bar, counts, list, more];
}

function stepBox(step: StepView, workflowId: string, all: boolean): HTMLElement {
  const attempts = attemptsText(step);
  const rule = policy(step);
  return h(
    'article',
    {
      class: `wf-step ${stateClass(step.state)}`,
      attrs: { 'data-step': step.name, 'data-state': step.state },
    },
    h(
      'header',
      { class: 'wf-step-head' },
      h('h3', { class: 'wf-step-name' }, dataText(step.name, 64)),
      badge(step.state),
    ),
    h('p', { class: 'wf-task mono' }, dataText(step.task, 120)),
    h(
      'p',
      { class: 'wf-meta' },
      step.jobId === undefined
        ? h('span', { class: 'muted' }, NEVER_RAN.has(step.state) ? 'never ran' : 'no job yet')
        : link(paths.job(step.jobId), step.children ? 'items job' : 'job', 'wf-job-link'),
      attempts ? h('span', { class: 'muted' }, ` · ${attempts}`) : null,
      step.retries > 0 ? h('span', { class: 'muted' }, ` · retry ${step.retries}`) : null,
      rule ? h('span', { class: 'muted' }, ` · ${rule}`) : null,
    ),
    step.error ? errorLine(step.error) : null,
    childrenView(step, workflowId, all),
  );
}

const KIND_LABEL: Record<StageView['kind'], string> = {
  step: 'step',
  parallel: 'parallel',
  map: 'map (fan-out)',
};

function stageColumn(stage: StageView, workflowId: string, all: boolean): HTMLElement {
  return h(
    'section',
    {
      class: `wf-stage${stage.current ? ' wf-current' : ''}`,
      attrs: { 'aria-label': `Stage ${stage.index + 1}`, 'data-kind': stage.kind },
    },
    h(
      'h2',
      { class: 'wf-stage-head' },
      `${stage.index + 1} · ${KIND_LABEL[stage.kind] ?? stage.kind}`,
      stage.current ? h('span', { class: 'wf-now' }, 'now') : null,
    ),
    stage.steps.map((step) => stepBox(step, workflowId, all)),
  );
}

function summary(view: WorkflowView): HTMLElement {
  const row = (label: string, value: Child) => [h('dt', null, label), h('dd', null, value)];
  const failure = view.failure;
  return h(
    'dl',
    { class: 'props' },
    row('Name', dataText(view.name, 120, 'mono')),
    row('Status', badge(view.status)),
    row('Created', timeFull(view.createdAt)),
    row('Updated', timeFull(view.updatedAt)),
    view.finishedAt !== undefined ? row('Finished', timeFull(view.finishedAt)) : null,
    view.deadline !== undefined ? row('Deadline', timeFull(view.deadline)) : null,
    failure
      ? row('Failure', [
          'step ',
          dataText(failure.step, 64, 'mono'),
          failure.child === undefined ? null : ` #${failure.child}`,
          ': ',
          failure.error.code
            ? [h('code', { class: 'error-code' }, dataText(failure.error.code, 48)), ' ']
            : null,
          dataText(failure.error.message, 400),
        ])
      : null,
    row('Plan fingerprint', dataText(view.fingerprint, 32, 'mono')),
    view.inputSchema !== undefined
      ? row('Input schema fingerprint', dataText(view.inputSchema, 32, 'mono'))
      : null,
  );
}

function actions(view: WorkflowView, flash: Notices, reload: () => void): HTMLElement | null {
  if (!canWrite()) return null;
  const act = async (action: 'cancel' | 'retry') => {
    const cancel = action === 'cancel';
    const ok = await confirmAction({
      title: cancel ? 'Cancel this workflow?' : 'Retry this workflow?',
      body: cancel
        ? 'No step starts after this: waiting step jobs are cancelled, running ones are told to stop.'
        : 'It runs again from its failed step; completed steps keep their results.',
      confirm: cancel ? 'Cancel workflow' : 'Retry workflow',
      ...(cancel ? { dismiss: 'Keep running' } : {}),
      danger: cancel,
    });
    if (!ok) return;
    try {
      const result = await postJson<{
        cancelledJobs?: string[];
        enqueuedJobs?: string[];
        paused?: string[];
      }>(`/workflows/${encodeURIComponent(view.id)}/${action}`);
      const enqueued = result.enqueuedJobs?.length ?? 0;
      flash.show(
        'ok',
        cancel
          ? `Cancelled: ${formatCount(result.cancelledJobs?.length ?? 0, 'step job')} cancelled.`
          : `Retrying from the failed step: ${formatCount(enqueued, 'job')} enqueued.${pausedNote(result.paused, enqueued === 1 ? 'it' : 'them')}`,
      );
    } catch (error) {
      flash.show('error', `${cancel ? 'Cancel' : 'Retry'} failed: ${describeError(error)}`);
    }
    reload();
  };
  const button = (action: 'cancel' | 'retry', enabled: boolean, why: string, label: string) =>
    h(
      'button',
      {
        class: action === 'cancel' ? 'button danger' : 'button primary',
        attrs: { type: 'button', disabled: !enabled, title: enabled ? undefined : why },
        on: { click: () => void act(action) },
      },
      label,
    );
  return h(
    'div',
    { class: 'actions' },
    button('retry', view.status === 'failed', 'Only a failed workflow can be retried.', 'Retry'),
    button(
      'cancel',
      view.status === 'running',
      'Only a running workflow can be cancelled.',
      'Cancel',
    ),
  );
}

/** `/workflows/<id>`: the workflow's stages and steps, live while it runs. */
export function workflowPage(ctx: PageContext, id: string): HTMLElement {
  setTitle(id, 'Workflow');
  const all = ctx.params.get('all') === '1';
  const flash = notices();
  const head = h('div', null, pageHead(['Workflow ', dataText(id, 80, 'mono')]));
  const body = h('div', null, loading());
  let shown = '';
  let status: WorkflowStatus | undefined;

  const load = async (): Promise<void> => {
    try {
      const { workflow: view } = await getJson<WorkflowResponse>(
        `/workflows/${encodeURIComponent(id)}`,
        all ? { all: '1' } : undefined,
        ctx.signal,
      );
      const text = JSON.stringify(view);
      if (text === shown) return;
      shown = text;
      status = view.status;
      replace(
        head,
        pageHead(
          ['Workflow ', dataText(view.id, 80, 'mono')],
          badge(view.status),
          actions(view, flash, () => void load()),
        ),
      );
      replace(
        body,
        summary(view),
        h(
          'section',
          { class: 'section' },
          h('h2', null, 'Steps'),
          h(
            'div',
            { class: 'wf-stages' },
            view.stages.map((stage) => stageColumn(stage, view.id, all)),
          ),
        ),
        view.compensations.length > 0
          ? h(
              'section',
              { class: 'section' },
              h('h2', null, 'Compensations'),
              h(
                'p',
                { class: 'muted wf-note' },
                'Run only when a step that names one fails; the workflow then ends.',
              ),
              h(
                'div',
                { class: 'wf-compensations' },
                view.compensations.map((step) => stepBox(step, view.id, all)),
              ),
            )
          : null,
        h('section', { class: 'section' }, h('h2', null, 'Input'), jsonBlock(view.input)),
      );
    } catch (error) {
      if (isAbort(error)) return;
      shown = '';
      status = undefined;
      replace(
        body,
        error instanceof ApiError && error.status === 404
          ? errorBox(
              'No such workflow: it never started, or it finished and its record expired (the result TTL).',
            )
          : errorBox(`The workflow could not be loaded: ${describeError(error)}`),
      );
    }
  };
  void load();
  // While it runs, follow it: on queue count changes, on workflow actions, and every 2 s.
  const whileRunning = () => {
    if (status === 'running') void load();
  };
  ctx.live.onCounts(whileRunning, ctx.signal);
  ctx.live.onAudit((entry) => {
    if (entry.action.startsWith('workflow.')) void load();
  }, ctx.signal);
  every(REFRESH_MS, ctx.signal, whileRunning);

  return h(
    'div',
    null,
    // Reached from the Workflows list, and back to it: not the Overview, which lists none.
    h('p', { class: 'crumbs' }, link(paths.workflows(), 'Workflows'), ' › Workflow'),
    head,
    flash.el,
    body,
  );
}
