import { config } from '../config.js';
import { type Child, h } from '../dom.js';
import type { Live } from '../live.js';

/** What a page gets: the URL's query, the live stream, and a signal that aborts when it is left. */
export interface PageContext {
  params: URLSearchParams;
  live: Live;
  signal: AbortSignal;
}

/** The page's heading row: a title and, on the right, whatever else (actions, meta). */
export function pageHead(title: Child, ...aside: Child[]): HTMLElement {
  return h(
    'header',
    { class: 'page-head' },
    h('h1', null, title),
    h('div', { class: 'page-aside' }, aside),
  );
}

/** Runs `tick` every `ms` until the page is left. */
export function every(ms: number, signal: AbortSignal, tick: () => void): void {
  const timer = setInterval(tick, ms);
  signal.addEventListener('abort', () => clearInterval(timer), { once: true });
}

/** A labelled form control: the label is real (<label for>), so clicks and screen readers work. */
export function field(id: string, label: string, control: HTMLElement): HTMLElement {
  control.id = id;
  return h('div', { class: 'field' }, h('label', { attrs: { for: id } }, label), control);
}

/** A search box of a filter form: no autocomplete or spellcheck on ids and names. */
export function searchInput(
  name: string,
  value: string | undefined,
  placeholder: string,
): HTMLInputElement {
  return h('input', {
    attrs: {
      type: 'search',
      name,
      value: value ?? '',
      placeholder,
      autocomplete: 'off',
      spellcheck: 'false',
    },
  });
}

/** The document title: `<page> · <dashboard title>`. */
export function setTitle(...parts: string[]): void {
  document.title = [...parts, config.title].join(' · ');
}
