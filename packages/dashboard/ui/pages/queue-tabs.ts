// The queue page's state tabs (Waiting, Delayed, …) with each state's count. Drawn once per
// page and kept: a live counts event updates the counts in place, so a row scrolled sideways on
// a phone stays where it was, and its edge hints (scroll-hint.ts) stay true.

import { type Counts, isEnded, LIST_STATES, type ListState } from '../api-types.js';
import { scrollHint } from '../components/scroll-hint.js';
import { h } from '../dom.js';
import { formatNumber } from '../format.js';
import { link, paths } from '../router.js';
import { STATE_TITLES } from './queue-parts.js';

export interface QueueTabs {
  /** The tabs in their frame. */
  el: HTMLElement;
  /** Shows each state's count on its tab, or none while they are unknown. */
  showCounts(counts: Counts | undefined): void;
}

/**
 * The tabs of `queue`: each links to its state's list (keeping the `task` filter), `current`'s
 * marked `aria-current="page"` (Finished for one final state of it; none during a search, which
 * lists any state).
 */
export function queueTabs(
  queue: string,
  current: ListState | undefined,
  task: string | undefined,
  signal: AbortSignal,
): QueueTabs {
  // The finished jobs of one final state are the Finished tab's.
  const shown = current && isEnded(current) ? 'finished' : current;
  const tabs = LIST_STATES.map((state) => {
    const a = link(paths.queue(queue, { state, task }), STATE_TITLES[state], 'tab');
    if (state === shown) a.setAttribute('aria-current', 'page');
    return [state, a] as const;
  });
  const nav = h(
    'nav',
    { class: 'tabs', attrs: { 'aria-label': 'Job states' } },
    tabs.map(([, a]) => a),
  );
  const showCounts = (counts: Counts | undefined): void => {
    for (const [state, a] of tabs) {
      let badge = a.querySelector<HTMLElement>('.tab-count');
      if (!counts) {
        badge?.remove();
        continue;
      }
      if (!badge) {
        badge = h('span', { class: 'tab-count', attrs: { 'data-count': state } });
        a.append(badge);
      }
      const text = formatNumber(counts[state]);
      if (badge.textContent !== text) badge.textContent = text;
    }
  };
  return { el: scrollHint(nav, signal), showCounts };
}
