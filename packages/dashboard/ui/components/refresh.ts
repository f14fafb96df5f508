// A list that follows the live stream: a Refresh button, an Auto-refresh switch, and when it
// was last read. A change the stream reports re-reads the page on screen (its cursor stays:
// one page is read, however deep the list), at most once per `minGapMs`.

import { type Child, h, replace } from '../dom.js';
import { formatTime } from '../format.js';
import { keepExpanded } from './value.js';

/** Whether lists re-read themselves on live changes; kept across pages, per tab. */
let autoRefresh = true;

export interface RefreshControl {
  /** The toolbar: status text, the switch and the button. */
  el: HTMLElement;
  /** Reads now (coalesced with a read in flight). */
  refresh(): void;
  /** Something changed: read again if Auto-refresh is on, else say the list is behind. */
  changed(): void;
}

export interface RefreshOptions {
  /** Reads and renders the list; resolves false when the read failed (or was aborted). */
  load: () => Promise<boolean>;
  signal: AbortSignal;
  /** Least time between two reads a change starts (a button press reads at once). */
  minGapMs?: number;
  /** What the list is, for the button's accessible name: `Refresh ${what}`. */
  what: string;
}

/**
 * The refresh toolbar of a list page. The page calls `refresh()` for its first read, and
 * `changed()` on every live event that may change what it shows.
 *
 * @example
 * const control = refreshControl({ load, signal: ctx.signal, what: 'jobs' });
 * control.refresh();
 * ctx.live.onCounts(() => control.changed(), ctx.signal);
 */
export function refreshControl(options: RefreshOptions): RefreshControl {
  const minGap = options.minGapMs ?? 2000;
  let inFlight = false;
  let again = false;
  let lastRead = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let behind = false;
  const status = h('span', { class: 'refresh-status muted', attrs: { 'aria-live': 'off' } });
  const setStatus = (...text: Child[]): void => replace(status, text);

  const run = async (): Promise<void> => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (options.signal.aborted) return;
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    button.disabled = true;
    const ok = await options.load();
    inFlight = false;
    button.disabled = false;
    lastRead = Date.now();
    if (ok) {
      behind = false;
      el.removeAttribute('data-behind');
      setStatus(`Updated ${formatTime(lastRead).slice(11)}`);
    }
    if (again) {
      again = false;
      later();
    }
  };

  /** Reads once `minGap` has passed since the last read; a hidden tab waits to be shown. */
  const later = (): void => {
    if (timer !== undefined || options.signal.aborted) return;
    if (document.hidden) {
      again = true;
      return;
    }
    timer = setTimeout(() => void run(), Math.max(0, lastRead + minGap - Date.now()));
  };

  const button = h(
    'button',
    {
      class: 'button',
      attrs: { type: 'button', 'aria-label': `Refresh ${options.what}` },
      on: { click: () => void run() },
    },
    'Refresh',
  );
  const toggle = h('input', {
    attrs: { type: 'checkbox', id: 'auto-refresh', checked: autoRefresh },
    on: {
      change: () => {
        autoRefresh = toggle.checked;
        if (autoRefresh && behind) later();
      },
    },
  });
  const el = h(
    'div',
    { class: 'refresh' },
    status,
    h('label', { class: 'refresh-auto', attrs: { for: 'auto-refresh' } }, toggle, 'Auto-refresh'),
    button,
  );

  const onVisible = (): void => {
    if (!document.hidden && again && !inFlight) {
      again = false;
      later();
    }
  };
  document.addEventListener('visibilitychange', onVisible);
  options.signal.addEventListener(
    'abort',
    () => {
      if (timer !== undefined) clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    },
    { once: true },
  );

  return {
    el,
    refresh: () => void run(),
    changed() {
      if (autoRefresh) {
        if (inFlight) again = true;
        else later();
        return;
      }
      behind = true;
      el.setAttribute('data-behind', '');
      setStatus('Changed since ', `${formatTime(lastRead).slice(11)}`, ': press Refresh');
    },
  };
}

/**
 * Replaces `parent`'s children and gives focus back to the same link or control (by its
 * `href` or `data-key`, and which of the links with it) when it was inside, so a refresh
 * under the keyboard loses nothing; a value shown in full with "show all" stays shown.
 */
export function replaceKeepingFocus(parent: HTMLElement, ...children: Child[]): void {
  const active = document.activeElement;
  let selector: string | undefined;
  let index = 0;
  if (active instanceof HTMLElement && parent.contains(active)) {
    const key = active.getAttribute('data-key');
    const href = active.getAttribute('href');
    if (key !== null) selector = `[data-key="${CSS.escape(key)}"]`;
    else if (href !== null) selector = `[href="${CSS.escape(href)}"]`;
    if (selector) index = [...parent.querySelectorAll(selector)].indexOf(active);
  }
  const expand = keepExpanded(parent);
  replace(parent, children);
  expand();
  if (!selector) return;
  const same = parent.querySelectorAll<HTMLElement>(selector);
  (same[index] ?? same[0])?.focus({ preventScroll: true });
}

/**
 * True while the user has text selected inside `el`: a redraw would drop the selection (an
 * operator copying a worker id or a host name from a table that redraws every few seconds).
 */
export function selectionWithin(el: Node): boolean {
  const selection = document.getSelection();
  if (!selection || selection.isCollapsed || selection.rangeCount === 0) return false;
  return el.contains(selection.getRangeAt(0).commonAncestorContainer);
}
