// A row that scrolls sideways (the queue page's state tabs on a phone), framed so that its
// edges say when more of it is off screen, and with its current item brought into view.

import { h } from '../dom.js';

/** Which edges of a scrolling row have more of it past them. */
export type MoreEdge = 'start' | 'end';

/** Past this many pixels from an edge a row counts as scrolled away from it (rounding). */
const SLACK = 1;

/** The edges of `row` past which more of it lies: none when it fits. */
export function moreEdges(row: HTMLElement): MoreEdge[] {
  const max = row.scrollWidth - row.clientWidth;
  if (max <= SLACK) return [];
  // Right to left, scrollLeft runs from 0 down to -max: its size is the distance from the start.
  const scrolled = Math.abs(row.scrollLeft);
  const edges: MoreEdge[] = [];
  if (scrolled > SLACK) edges.push('start');
  if (scrolled < max - SLACK) edges.push('end');
  return edges;
}

/** Scrolls `row` (only) so that its `aria-current` item is in the middle of it, or in view. */
export function revealCurrent(row: HTMLElement): void {
  const current = row.querySelector<HTMLElement>('[aria-current]');
  if (!current || row.scrollWidth <= row.clientWidth) return;
  const item = current.getBoundingClientRect();
  const frame = row.getBoundingClientRect();
  row.scrollLeft += item.left - frame.left - (row.clientWidth - item.width) / 2;
}

/**
 * Frames `row`, which scrolls sideways when it is wider than the screen: the frame's
 * `data-more` lists the edges ("start", "end") past which more of the row lies, and the CSS
 * draws a fade with an arrow at each (`.scroll-hint`). Once laid out, the row's current item
 * is scrolled into view, and kept there as the items' widths settle until the user scrolls.
 * The row and its links stay as they are: the hint is drawn, not read out, and the row
 * scrolls by touch, wheel, scroll bar and keyboard focus as before.
 *
 * @example
 * const frame = scrollHint(h('nav', { class: 'tabs' }, links), ctx.signal);
 */
export function scrollHint(row: HTMLElement, signal: AbortSignal): HTMLElement {
  const frame = h('div', { class: 'scroll-hint', attrs: { 'data-more': '' } }, row);
  // The current item is kept in view while the row's items settle (counts arrive after the
  // first draw and widen them), until the user moves the row or a focus into it.
  let follow = true;
  const stop = (): void => {
    follow = false;
  };
  for (const type of ['pointerdown', 'touchstart', 'wheel', 'keydown', 'focusin'] as const) {
    row.addEventListener(type, stop, { passive: true, signal });
  }
  const update = (): void => {
    // Hidden (an unknown queue's page), it has no width: nothing to scroll yet.
    if (follow && row.clientWidth > 0) revealCurrent(row);
    const more = moreEdges(row).join(' ');
    if (frame.getAttribute('data-more') !== more) frame.setAttribute('data-more', more);
  };
  row.addEventListener('scroll', update, { passive: true, signal });
  // The row's width (the screen's) and its items' (a count that grew) change what overflows.
  const sizes = new ResizeObserver(update);
  sizes.observe(row);
  for (const item of row.children) sizes.observe(item);
  signal.addEventListener('abort', () => sizes.disconnect(), { once: true });
  return frame;
}
