// The dashboard's browser app: one shell document for every page, routed on the URL path.

import { scrollHint } from './components/scroll-hint.js';
import { dataLabel, tickTimes } from './components/value.js';
import { config } from './config.js';
import { h, replace } from './dom.js';
import { type LiveStatus, startLive } from './live.js';
import { auditPage } from './pages/audit.js';
import { deadPage } from './pages/dead.js';
import { jobPage } from './pages/job.js';
import { notFoundPage } from './pages/not-found.js';
import { overviewPage } from './pages/overview.js';
import type { PageContext } from './pages/page.js';
import { queuePage } from './pages/queue.js';
import { schedulesPage } from './pages/schedules.js';
import { workersPage } from './pages/workers.js';
import { workflowPage } from './pages/workflow.js';
import { workflowsPage } from './pages/workflows.js';
import { link, parseRoute, paths, type Route, startRouter } from './router.js';

type RouteName = Route['name'];

/**
 * The main bar: each item's page, and the pages within its section (a queue's and a job's
 * are reached from the Overview, a workflow's from the Workflows list).
 */
const NAV: ReadonlyArray<
  [label: string, href: () => string, page: RouteName, within: readonly RouteName[]]
> = [
  ['Overview', paths.overview, 'overview', ['queue', 'job']],
  ['Workflows', () => paths.workflows(), 'workflows', ['workflow']],
  ['Dead', () => paths.dead(), 'dead', []],
  ['Workers', paths.workers, 'workers', []],
  ['Schedules', paths.schedules, 'schedules', []],
  ['Audit', () => paths.audit(), 'audit', []],
];

/**
 * An item's `aria-current`: `page` on its own page only, `true` (the same look) on a page
 * within its section. Overview marked "page" on a job's page told a screen reader that this
 * was the Overview.
 */
function navCurrent(route: Route, page: RouteName, within: readonly RouteName[]) {
  if (route.name === page) return 'page';
  return within.includes(route.name) ? 'true' : null;
}

const STATUS_TEXT: Record<LiveStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  unavailable: 'Broker unreachable: counts are not current',
};

function mount(root: HTMLElement): void {
  const live = startLive();
  const status = h(
    'span',
    { class: 'live-status', attrs: { 'data-status': 'connecting' } },
    STATUS_TEXT.connecting,
  );
  const navLinks = NAV.map(([label, href]) => link(href(), label, 'nav-link'));
  const nav = h('nav', { class: 'nav', attrs: { 'aria-label': 'Main' } }, navLinks);
  // On a phone the bar scrolls sideways: its edges say when more links lie off screen.
  const navFrame = scrollHint(nav, new AbortController().signal);
  navFrame.classList.add('nav-frame');
  const main = h('main', { attrs: { id: 'main', tabindex: -1 } });
  const access = config.readOnly ? 'read-only' : config.access === 'read' ? 'read access' : null;

  replace(
    root,
    h('a', { class: 'skip-link', attrs: { href: '#main' } }, 'Skip to content'),
    h(
      'header',
      { class: 'topbar' },
      h(
        'div',
        { class: 'topbar-inner' },
        link(
          paths.overview(),
          [
            h('span', { class: 'logo', attrs: { 'aria-hidden': 'true' } }),
            dataLabel(config.title, 40),
          ],
          'brand',
        ),
        navFrame,
        h(
          'div',
          { class: 'topbar-right' },
          access ? h('span', { class: 'badge access' }, access) : null,
          status,
        ),
      ),
    ),
    main,
  );

  let leave = new AbortController();
  // The URL last shown: a new one (an in-app link, Back) moves focus into the page, as a full
  // load would, instead of leaving it on <body> (keyboard users started again from the top).
  let shownUrl: string | undefined;
  const show = (): void => {
    const url = location.pathname + location.search;
    const moved = shownUrl !== undefined && url !== shownUrl;
    shownUrl = url;
    leave.abort();
    leave = new AbortController();
    const route = parseRoute(location.pathname);
    NAV.forEach(([, , page, within], i) => {
      const a = navLinks[i];
      if (!a) return;
      const current = navCurrent(route, page, within);
      if (current) {
        a.setAttribute('aria-current', current);
        // A phone-width bar scrolls sideways: bring the current page's item into it.
        if (nav.scrollWidth > nav.clientWidth) {
          nav.scrollLeft = a.offsetLeft - (nav.clientWidth - a.offsetWidth) / 2;
        }
      } else a.removeAttribute('aria-current');
    });
    const ctx: PageContext = {
      params: new URLSearchParams(location.search),
      live,
      signal: leave.signal,
    };
    replace(main, render(route, ctx));
    if (moved) main.focus({ preventScroll: true });
  };
  // Relative times (`12 s ago`) move on by themselves, whether or not the page redraws.
  setInterval(() => {
    if (!document.hidden) tickTimes(main);
  }, 1000);

  let was: LiveStatus = 'connecting';
  live.onStatus((value) => {
    status.setAttribute('data-status', value);
    status.textContent = STATUS_TEXT[value];
    // The broker answers again: a page that failed to load while it did not is read again,
    // rather than keep its error under "Live" (pages that loaded refresh themselves).
    if (value === 'live' && was === 'unavailable' && main.querySelector('.notice-error')) show();
    was = value;
  });
  startRouter(show);
}

function render(route: Route, ctx: PageContext): HTMLElement {
  switch (route.name) {
    case 'overview':
      return overviewPage(ctx);
    case 'queue':
      return queuePage(ctx, route.queue);
    case 'job':
      return jobPage(ctx, route.id);
    case 'dead':
      return deadPage(ctx);
    case 'workers':
      return workersPage(ctx);
    case 'schedules':
      return schedulesPage(ctx);
    case 'workflow':
      return workflowPage(ctx, route.id);
    case 'workflows':
      return workflowsPage(ctx);
    case 'audit':
      return auditPage(ctx);
    default:
      return notFoundPage(route.path);
  }
}

const root = document.getElementById('app');
if (root) mount(root);
