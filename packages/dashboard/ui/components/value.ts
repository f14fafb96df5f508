// How job data is shown: always as text, isolated for bidi, and cut short where it could be huge.

import { type Child, h } from '../dom.js';
import { cutText, formatAgo, formatChars, formatTime } from '../format.js';

/**
 * Bidi controls (embeddings, overrides, isolates, marks). Inside an isolated element they
 * could still reorder the value itself; in JSON they are shown escaped, so a reader sees them.
 */
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escapeBidi(text: string): string {
  return text.replace(
    BIDI_CONTROLS,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Each "show all" button's value and how to press it, for a redraw to press it again. */
const showAllButtons = new WeakMap<Element, { full: string; expand: () => void }>();
/** The whole values shown by a pressed "show all", by the element that shows them. */
const expandedValues = new WeakMap<Element, string>();

/** A button that swaps `short` for the whole text once pressed. */
function showAll(target: HTMLElement, full: string, label: string): HTMLButtonElement {
  const expand = (): void => {
    target.textContent = full;
    target.setAttribute('data-expanded', '');
    expandedValues.set(target, full);
    button.remove();
  };
  const button = h(
    'button',
    { class: 'link-button show-all', attrs: { type: 'button' }, on: { click: expand } },
    label,
  );
  showAllButtons.set(button, { full, expand });
  return button;
}

/**
 * The values shown in full under `root` by a pressed "show all"; the function returned
 * presses the same values' buttons under `root` again, after a redraw drew them cut.
 */
export function keepExpanded(root: ParentNode): () => void {
  const shown = new Set<string>();
  for (const el of root.querySelectorAll('[data-expanded]')) {
    const full = expandedValues.get(el);
    if (full !== undefined) shown.add(full);
  }
  return () => {
    if (shown.size === 0) return;
    for (const button of root.querySelectorAll('.show-all')) {
      const entry = showAllButtons.get(button);
      if (entry && shown.has(entry.full)) entry.expand();
    }
  };
}

/**
 * A piece of job data as text: in its own bidi-isolated element (so it cannot flip the row
 * around it), its bidi controls shown escaped (`\u202e`: an override would still reverse the
 * value itself, so an error message could read other than it is), cut to `max` characters
 * with a "show all" toggle.
 *
 * @example
 * dataText(job.error?.message ?? '', 120)
 */
export function dataText(raw: string, max = 160, className = ''): HTMLElement {
  const { text, value, cut } = dataSpan(raw, max, className);
  if (!cut) return text;
  return h(
    'span',
    { class: 'truncated' },
    text,
    ' ',
    showAll(text, value, `show all (${formatChars(value.length)})`),
  );
}

/**
 * A piece of job data as a link's text: like {@link dataText}, but cut with an ellipsis and
 * the whole value in its tooltip, without a "show all" button. A button inside a link is
 * not valid HTML, and pressing it followed the link instead of showing the value; the page
 * the link opens shows the whole value anyway.
 *
 * @example
 * link(paths.job(job.id), dataLabel(job.id, 64), 'mono')
 */
export function dataLabel(raw: string, max = 160, className = ''): HTMLElement {
  const { text, value, cut } = dataSpan(raw, max, className);
  if (cut) text.setAttribute('title', value);
  return text;
}

/**
 * The longest word a table does not split (tables.css): enough for an action or a queue name,
 * little enough that a row of them still fits at 1280 px.
 */
const SHORT_DATA = 16;

/** The data span of {@link dataText} and {@link dataLabel}: bidi escaped, cut at `max`. */
function dataSpan(
  raw: string,
  max: number,
  className: string,
): { text: HTMLElement; value: string; cut: boolean } {
  const value = escapeBidi(raw);
  // A value of short words (an action, a queue, a cron timing) breaks only between words in
  // a table; one with a long word may wrap anywhere.
  const short = value.split(/\s+/).every((word) => word.length <= SHORT_DATA) ? ' short' : '';
  const text = h('span', { class: `data${short} ${className}`.trim(), attrs: { dir: 'auto' } });
  const cut = value.length > max;
  text.textContent = cut ? `${cutText(value, max)}…` : value;
  return { text, value, cut };
}

/** Pretty JSON in a <pre>, as text; bidi controls escaped; long documents cut with a toggle. */
export function jsonBlock(value: unknown, max = 20_000): HTMLElement {
  const full = value === undefined ? 'undefined' : escapeBidi(JSON.stringify(value, null, 2));
  const pre = h('pre', { class: 'json', attrs: { tabindex: 0 } });
  if (full.length <= max) {
    pre.textContent = full;
    return pre;
  }
  pre.textContent = `${cutText(full, max)}\n…`;
  return h(
    'div',
    { class: 'json-wrap' },
    pre,
    showAll(pre, full, `Show all (${formatChars(full.length)})`),
  );
}

/** Plain text in a <pre> (stacks), escaped and cut like JSON. */
export function textBlock(value: string, max = 20_000): HTMLElement {
  const full = escapeBidi(value);
  const pre = h('pre', { class: 'json', attrs: { tabindex: 0 } });
  if (full.length <= max) {
    pre.textContent = full;
    return pre;
  }
  pre.textContent = `${cutText(full, max)}\n…`;
  return h(
    'div',
    { class: 'json-wrap' },
    pre,
    showAll(pre, full, `Show all (${formatChars(full.length)})`),
  );
}

const KNOWN_STATES = new Set([
  'waiting',
  'delayed',
  'active',
  'completed',
  'failed',
  'dead',
  'cancelled',
  'expired',
  'finished',
  'live',
  'stale',
  'idle',
  'running',
  'stopping',
  'stopped',
  'paused',
  'disabled',
  'orphaned',
  'superseded',
]);

/** A coloured state label; the class comes from a fixed list, never from the data. */
export function stateBadge(state: string): HTMLElement {
  const known = KNOWN_STATES.has(state) ? state : 'unknown';
  return h('span', { class: `badge state-${known}`, attrs: { dir: 'auto' } }, state);
}

/**
 * Relative-time text that `tickTimes` keeps current: marked with the time it is relative to,
 * when it is relative to this browser's clock (a `now` given by the server is not ticked).
 */
function ago(el: HTMLElement, ms: number, now: number | undefined, paren = false): HTMLElement {
  if (now === undefined) {
    el.setAttribute('data-ago', String(ms));
    if (paren) el.setAttribute('data-ago-paren', '');
  }
  return el;
}

/** The text a `data-ago` element shows at `now`. */
function agoText(el: Element, now: number): string {
  const text = formatAgo(Number(el.getAttribute('data-ago')), now);
  return el.hasAttribute('data-ago-paren') ? ` (${text})` : text;
}

/**
 * Brings every relative time under `root` up to date (`12 s ago` → `15 s ago`), touching
 * only text that changed: pages that skip a redraw when their data is the same keep their
 * times moving, and no focus, selection or expanded block is lost.
 */
export function tickTimes(root: ParentNode, now = Date.now()): void {
  for (const el of root.querySelectorAll('[data-ago]')) {
    const text = agoText(el, now);
    if (el.textContent !== text) el.textContent = text;
  }
}

/** A span whose text is `12 s ago`, kept current by `tickTimes`. */
export function agoSpan(ms: number, className: string): HTMLElement {
  return ago(h('span', { class: className }, formatAgo(ms)), ms, undefined);
}

/** A time as `12 s ago`, with the exact time on hover and in `datetime`. */
export function timeAgo(ms: number | undefined, now?: number): Child {
  if (ms === undefined || !Number.isFinite(ms)) return h('span', { class: 'muted' }, '–');
  return ago(
    h(
      'time',
      { attrs: { datetime: new Date(ms).toISOString(), title: formatTime(ms) } },
      formatAgo(ms, now ?? Date.now()),
    ),
    ms,
    now,
  );
}

/** A time as `2025-01-31 14:05:09 (12 s ago)`, for detail pages. */
export function timeFull(ms: number | undefined, now?: number): Child {
  if (ms === undefined || !Number.isFinite(ms)) return h('span', { class: 'muted' }, '–');
  return h(
    'time',
    { attrs: { datetime: new Date(ms).toISOString() } },
    formatTime(ms),
    ago(h('span', { class: 'muted' }, ` (${formatAgo(ms, now ?? Date.now())})`), ms, now, true),
  );
}
