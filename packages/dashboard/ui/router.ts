import { config } from './config.js';
import { type Child, h } from './dom.js';

export type Route =
  | { name: 'overview' }
  | { name: 'queue'; queue: string }
  | { name: 'job'; id: string }
  | { name: 'workflow'; id: string }
  | { name: 'workflows' }
  | { name: 'dead' }
  | { name: 'workers' }
  | { name: 'schedules' }
  | { name: 'audit' }
  | { name: 'not-found'; path: string };

type Query = Record<string, string | undefined>;

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** The route for a pathname (which still has the base path in front). */
export function parseRoute(pathname: string): Route {
  const { base } = config;
  if (base && pathname !== base && !pathname.startsWith(`${base}/`)) {
    return { name: 'not-found', path: pathname };
  }
  const path = pathname.slice(base.length).replace(/\/+$/, '') || '/';
  if (path === '/') return { name: 'overview' };
  if (path === '/dead') return { name: 'dead' };
  if (path === '/workers') return { name: 'workers' };
  if (path === '/schedules') return { name: 'schedules' };
  if (path === '/audit') return { name: 'audit' };
  if (path === '/workflows') return { name: 'workflows' };
  const match = /^\/(queues|jobs|workflows)\/([^/]+)$/.exec(path);
  const value = match?.[2] === undefined ? undefined : decode(match[2]);
  if (match && value) {
    if (match[1] === 'workflows') return { name: 'workflow', id: value };
    return match[1] === 'queues' ? { name: 'queue', queue: value } : { name: 'job', id: value };
  }
  return { name: 'not-found', path };
}

function withQuery(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== '') params.set(key, value);
  }
  const search = params.toString();
  return `${config.base}${path}${search ? `?${search}` : ''}`;
}

/**
 * Every URL the UI links to. Built from ids and names with encodeURIComponent, under the
 * base path: never from a URL found in job data.
 */
export const paths = {
  overview: (): string => withQuery('/'),
  queue: (name: string, query?: Query): string =>
    withQuery(`/queues/${encodeURIComponent(name)}`, query),
  job: (id: string): string => withQuery(`/jobs/${encodeURIComponent(id)}`),
  workflow: (id: string, query?: Query): string =>
    withQuery(`/workflows/${encodeURIComponent(id)}`, query),
  workflows: (query?: Query): string => withQuery('/workflows', query),
  dead: (query?: Query): string => withQuery('/dead', query),
  workers: (): string => withQuery('/workers'),
  schedules: (): string => withQuery('/schedules'),
  audit: (query?: Query): string => withQuery('/audit', query),
};

/**
 * A link the router follows without reloading the page.
 *
 * @example
 * link(paths.job(job.id), job.id, 'mono')
 */
export function link(href: string, children: Child, className?: string): HTMLAnchorElement {
  return h('a', { class: className, attrs: { href } }, children);
}

type Listener = () => void;
let onChange: Listener = () => {};

/** Goes to `url` (under the base) and renders its page. */
export function navigate(url: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  onChange();
  if (!options.replace) window.scrollTo(0, 0);
}

function followLink(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = (event.target as Element | null)?.closest?.('a');
  if (!anchor || anchor.target || anchor.hasAttribute('download')) return;
  const url = new URL(anchor.href, location.href);
  if (url.origin !== location.origin) return;
  if (parseRoute(url.pathname).name === 'not-found') return;
  event.preventDefault();
  navigate(url.pathname + url.search);
}

/** Renders the current URL now, and again on every in-app navigation and Back/Forward. */
export function startRouter(render: Listener): void {
  onChange = render;
  document.addEventListener('click', followLink);
  window.addEventListener('popstate', render);
  render();
}
