import { type Child, h, replace } from '../dom.js';

export type NoticeKind = 'ok' | 'error' | 'info';

/** A message area announced to screen readers; `show` replaces what it says. */
export interface Notices {
  el: HTMLElement;
  show(kind: NoticeKind, message: Child): void;
  clear(): void;
  /**
   * Moves keyboard focus to the message shown: after an action whose button left the page
   * (a retried row leaves its list), focus would otherwise fall to the page's body.
   */
  focus(): void;
}

export function notices(): Notices {
  const el = h('div', { class: 'notices', attrs: { role: 'status', 'aria-live': 'polite' } });
  return {
    el,
    show(kind, message) {
      replace(el, h('div', { class: `notice notice-${kind}` }, message));
    },
    clear() {
      el.replaceChildren();
    },
    focus() {
      const notice = el.firstElementChild as HTMLElement | null;
      if (!notice) return;
      notice.tabIndex = -1;
      notice.focus();
    },
  };
}

/** A failed load, shown where the content would be. */
export function errorBox(message: string): HTMLElement {
  return h('div', { class: 'notice notice-error', attrs: { role: 'alert' } }, message);
}

export function loading(): HTMLElement {
  return h('p', { class: 'loading muted' }, 'Loading…');
}
