import type { Json } from '../api-types.js';
import { dataText } from '../components/value.js';
import { type Child, h } from '../dom.js';
import { formatNumber } from '../format.js';
import { link, paths } from '../router.js';
import type {
  ChildView,
  StageView,
  StepState,
  StepView,
  WorkflowStatus,
} from '../workflow-types.js';

// The boxes of `/workflows/<id>`: a step coloured by its state with a link to its job, its
// attempts, error and result, and a map's children as a progress bar with counts and the
// listed children. Every string from the record goes in as text (dataText).

/** States in which a step without a job will never get one. */
const NEVER_RAN = new Set(['cancelled', 'skipped', 'failed']);

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
export function badge(state: string): HTMLElement {
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

/** Characters of a result shown before "show all": a step's box, a child's row. */
const STEP_RESULT_CHARS = 120;
const CHILD_RESULT_CHARS = 60;

/**
 * A completed step's stored result, as JSON text cut to `max` characters with a "show all",
 * on a line of its own; a child's (`inline`) goes on its row. Nothing for one without (not
 * completed, or no result stored).
 */
function resultLine(result: Json | undefined, max: number, inline = false): HTMLElement | null {
  if (result === undefined) return null;
  return h(
    inline ? 'span' : 'p',
    { class: 'wf-result' },
    h('span', { class: 'muted' }, inline ? ' · result ' : 'result '),
    dataText(JSON.stringify(result), max, 'mono'),
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
        resultLine(child.result, CHILD_RESULT_CHARS, true),
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

export function stepBox(step: StepView, workflowId: string, all: boolean): HTMLElement {
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
    resultLine(step.result, STEP_RESULT_CHARS),
    childrenView(step, workflowId, all),
  );
}

const KIND_LABEL: Record<StageView['kind'], string> = {
  step: 'step',
  parallel: 'parallel',
  map: 'map (fan-out)',
};

export function stageColumn(stage: StageView, workflowId: string, all: boolean): HTMLElement {
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
