import { describeError, getJson, isAbort } from '../api.js';
import type { WorkflowSummary, WorkflowsResponse } from '../api-types.js';
import { errorBox, loading } from '../components/notice.js';
import { replaceKeepingFocus } from '../components/refresh.js';
import { table } from '../components/table.js';
import { dataLabel, dataText, stateBadge, timeAgo, timeFull } from '../components/value.js';
import { h, replace } from '../dom.js';
import { formatNumber } from '../format.js';
import { link, paths } from '../router.js';
import { every, type PageContext, pageHead, setTitle } from './page.js';

function stageCell(workflow: WorkflowSummary): HTMLElement {
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

function workflowsTable(workflows: readonly WorkflowSummary[], at: number): HTMLElement {
  return table(
    [
      {
        title: 'Workflow',
        cell: (w) =>
          h(
            'span',
            null,
            link(paths.workflow(w.id), dataLabel(w.id, 48), 'mono'),
            h('br'),
            dataText(w.name, 80, 'muted small'),
          ),
      },
      { title: 'Stage', class: 'wide', cell: stageCell },
      { title: 'Last change', cell: (w) => timeAgo(w.updatedAt, at) },
      { title: 'Started', cell: (w) => timeAgo(w.createdAt, at) },
      {
        title: 'Deadline',
        cell: (w) =>
          w.deadline === undefined
            ? h('span', { class: 'muted' }, 'none')
            : timeFull(w.deadline, at),
      },
    ],
    workflows,
    'No workflow is running.',
    'Running workflows',
  );
}

/**
 * `/workflows`: the running workflows in the order they began to run, paged by cursor; each
 * links to its `/workflows/<id>` page, and its last change shows how long it has waited.
 * Re-read every 10 s: a read costs about a page of records (docs/dashboard.md).
 */
export function workflowsPage(ctx: PageContext): HTMLElement {
  setTitle('Workflows');
  const cursor = ctx.params.get('cursor') ?? undefined;
  const aside = h('div');
  const body = h('div', null, loading());
  const load = async (): Promise<void> => {
    try {
      const page = await getJson<WorkflowsResponse>(
        '/workflows',
        cursor === undefined ? undefined : { cursor },
        ctx.signal,
      );
      replace(
        aside,
        h(
          'p',
          { class: 'summary' },
          `${formatNumber(page.workflows.length)}${page.next ? '+' : ''} running`,
        ),
      );
      replaceKeepingFocus(
        body,
        workflowsTable(page.workflows, page.at),
        h(
          'nav',
          { class: 'pager', attrs: { 'aria-label': 'Pages' } },
          cursor ? link(paths.workflows(), '« First page', 'button') : null,
          page.next ? link(paths.workflows({ cursor: page.next }), 'Next page »', 'button') : null,
        ),
      );
    } catch (error) {
      if (!isAbort(error))
        replace(body, errorBox(`Workflows could not be loaded: ${describeError(error)}`));
    }
  };
  void load();
  every(10_000, ctx.signal, () => void load());
  return h(
    'div',
    null,
    pageHead('Workflows', aside),
    h(
      'p',
      { class: 'muted lead' },
      'Running workflows, the one started first at the top (a retried one counts from its retry). A run that waits on a step for long shows it under Last change. Finished ones are on their own pages, linked from their step jobs.',
    ),
    body,
  );
}
