import { describeError, getJson, isAbort } from '../api.js';
import type { EndedWorkflowSummary, WorkflowsResponse } from '../api-types.js';
import { errorBox, loading, notices } from '../components/notice.js';
import { replaceKeepingFocus } from '../components/refresh.js';
import { canWrite } from '../config.js';
import { h, replace } from '../dom.js';
import { link } from '../router.js';
import { every, type PageContext, pageHead, setTitle } from './page.js';
import {
  countLine,
  endedTable,
  isListStatus,
  LEADS,
  laterEmpty,
  listPath,
  readStatus,
  runningTable,
  statusTabs,
  statusTitle,
} from './workflows-lists.js';
import { retryColumn } from './workflows-retry.js';

/**
 * `/workflows`: the running workflows in the order they began to run, or under its tabs
 * (`?status=failed`, `compensated`, `cancelled`, `completed`) those that ended so, the most
 * recently ended first; paged by cursor. Each links to its `/workflows/<id>` page; a failed
 * one has Retry beside it when the dashboard may write. Re-read every 10 s and on a workflow
 * action's audit entry: a read costs about a page of records (docs/dashboard.md). A status the page
 * does not know is still asked for, so the server's 400 says what it takes.
 */
export function workflowsPage(ctx: PageContext): HTMLElement {
  const status = readStatus(ctx.params);
  const known = isListStatus(status) ? status : undefined;
  setTitle(...(known && known !== 'running' ? [statusTitle(known)] : []), 'Workflows');
  const cursor = ctx.params.get('cursor') || undefined;
  const flash = notices();
  const aside = h('div');
  const body = h('div', null, loading());
  const load = async (): Promise<void> => {
    try {
      const page = await getJson<WorkflowsResponse>(
        '/workflows',
        { status: status === 'running' ? undefined : status, cursor },
        ctx.signal,
      );
      const shown = known ?? 'running';
      // A page after the first counts that page, not all there are (and says so).
      const later = cursor !== undefined;
      const count = countLine(shown, page.workflows.length, page.next !== undefined, later);
      replace(aside, h('p', { class: 'summary' }, count));
      const empty = later ? laterEmpty(shown) : undefined;
      replaceKeepingFocus(
        body,
        shown === 'running'
          ? runningTable(page.workflows, empty)
          : endedTable(
              shown,
              page.workflows as EndedWorkflowSummary[],
              shown === 'failed' && canWrite() ? retryColumn(flash, () => void load()) : undefined,
              empty,
            ),
        h(
          'nav',
          { class: 'pager', attrs: { 'aria-label': 'Pages' } },
          cursor ? link(listPath(shown), '« First page', 'button') : null,
          page.next ? link(listPath(shown, page.next), 'Next page »', 'button') : null,
        ),
      );
    } catch (error) {
      if (!isAbort(error))
        replace(body, errorBox(`Workflows could not be loaded: ${describeError(error)}`));
    }
  };
  void load();
  every(10_000, ctx.signal, () => void load());
  // A workflow retried or cancelled (here or in another tab) moves between the lists.
  ctx.live.onAudit((entry) => {
    if (entry.action.startsWith('workflow.')) void load();
  }, ctx.signal);
  return h(
    'div',
    null,
    pageHead('Workflows', aside),
    statusTabs(status, ctx.signal),
    known
      ? h(
          'p',
          { class: 'muted lead' },
          LEADS[known],
          known === 'failed' && canWrite()
            ? ' Retry runs one again from the step that failed; it then moves to Running.'
            : null,
        )
      : null,
    flash.el,
    body,
  );
}
