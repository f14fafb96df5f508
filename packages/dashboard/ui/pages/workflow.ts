import { ApiError, describeError, getJson, isAbort, postJson } from '../api.js';
import { confirmAction } from '../components/dialog.js';
import { errorBox, loading, type Notices, notices } from '../components/notice.js';
import { pausedNote } from '../components/retry.js';
import { dataText, jsonBlock, timeFull } from '../components/value.js';
import { canWrite } from '../config.js';
import { type Child, h, replace } from '../dom.js';
import { formatCount } from '../format.js';
import { link, paths } from '../router.js';
import type { WorkflowResponse, WorkflowStatus, WorkflowView } from '../workflow-types.js';
import { every, type PageContext, pageHead, setTitle } from './page.js';
import { badge, stageColumn, stepBox } from './workflow-steps.js';

// `/workflows/<id>`: the stages left to right, each step a box coloured by its state with a
// link to its job, a map's children as a progress bar with counts, the compensations below,
// and Cancel / Retry. Every string from the record goes in as text (dataText).

/** How often a running workflow is re-read, besides the live events. */
const REFRESH_MS = 2_000;

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
