// A small line chart in plain SVG: one line per series over the same minutes.

import { h, svg } from '../dom.js';
import { formatClock } from '../format.js';
import { dataText } from './value.js';

export interface ChartSeries {
  label: string;
  /** One value per minute from `fromMinute`; null where there is nothing to show (a gap). */
  values: readonly (number | null)[];
  /** Its palette slot (series-colours.ts gives a queue's); else its place in the list. */
  colour?: number;
}

/** The CSS class of a series' colour. */
function colourClass(s: ChartSeries, k: number): string {
  return `s${(s.colour ?? k) % PALETTE_SIZE}`;
}

export interface ChartOptions {
  title: string;
  /** What a value is, for the axis: `jobs/min`, `ms`. */
  unit: string;
  fromMinute: number;
  series: readonly ChartSeries[];
  format: (value: number) => string;
  /** Shown instead of the plot: metrics unavailable, or nothing recorded. */
  message?: string | undefined;
}

/** Colours are CSS classes s0…s7 (so dark mode can change them); more series repeat them. */
export const PALETTE_SIZE = 8;

const W = 480;
const H = 170;
const LEFT = 46;
const RIGHT = 10;
const TOP = 10;
const BOTTOM = 22;

function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const exp = 10 ** Math.floor(Math.log10(max));
  const f = max / exp;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * exp;
}

function linePath(
  values: readonly (number | null)[],
  x: (i: number) => number,
  y: (v: number) => number,
): string {
  let d = '';
  let pen = false;
  values.forEach((value, i) => {
    if (value === null) {
      pen = false;
      return;
    }
    d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)} ${y(value).toFixed(1)}`;
    pen = true;
  });
  return d;
}

function plot(options: ChartOptions): SVGSVGElement {
  const count = Math.max(2, ...options.series.map((s) => s.values.length));
  const plotW = W - LEFT - RIGHT;
  const plotH = H - TOP - BOTTOM;
  const step = plotW / (count - 1);
  const x = (i: number): number => LEFT + i * step;
  let peak = 0;
  for (const s of options.series) for (const v of s.values) if (v !== null && v > peak) peak = v;
  const top = niceMax(peak);
  const y = (v: number): number => TOP + plotH * (1 - v / top);

  const grid = [0, top / 2, top].map((tick) =>
    svg(
      'g',
      { class: 'tick' },
      svg('line', { x1: LEFT, x2: W - RIGHT, y1: y(tick), y2: y(tick), class: 'grid' }),
      svg('text', { x: LEFT - 6, y: y(tick) + 4, 'text-anchor': 'end' }, options.format(tick)),
    ),
  );
  const xTicks = [];
  for (let i = 0; i < count; i++) {
    const minute = options.fromMinute + i;
    if (minute % 15 !== 0) continue;
    xTicks.push(
      svg('line', { x1: x(i), x2: x(i), y1: TOP + plotH, y2: TOP + plotH + 4, class: 'axis' }),
      svg('text', { x: x(i), y: H - 6, 'text-anchor': 'middle' }, formatClock(minute * 60_000)),
    );
  }
  const lines = options.series.map((s, k) => {
    const dots = s.values.flatMap((v, i) =>
      v !== null && (s.values[i - 1] ?? null) === null && (s.values[i + 1] ?? null) === null
        ? [svg('circle', { cx: x(i), cy: y(v), r: 2, class: `dot ${colourClass(s, k)}` })]
        : [],
    );
    return svg(
      'g',
      null,
      svg('path', { d: linePath(s.values, x, y), class: `line ${colourClass(s, k)}` }),
      dots,
    );
  });
  // One hover target per minute, with the values in a native tooltip.
  const hovers = [];
  for (let i = 0; i < count; i++) {
    const rows = options.series
      .map((s) => [s.label, s.values[i] ?? null] as const)
      .filter(([, v]) => v !== null)
      .map(([label, v]) => `\n${label}: ${options.format(v as number)}`);
    hovers.push(
      svg(
        'rect',
        { x: x(i) - step / 2, y: TOP, width: step, height: plotH, class: 'hover' },
        svg(
          'title',
          null,
          `${formatClock((options.fromMinute + i) * 60_000)}${rows.join('') || '\n–'}`,
        ),
      ),
    );
  }
  return svg(
    'svg',
    {
      viewBox: `0 0 ${W} ${H}`,
      class: 'chart-svg',
      role: 'img',
      'aria-label': `${options.title}, ${options.unit}, last ${count} minutes`,
    },
    grid,
    svg('line', { x1: LEFT, x2: W - RIGHT, y1: TOP + plotH, y2: TOP + plotH, class: 'axis' }),
    xTicks,
    lines,
    hovers,
  );
}

/**
 * A chart card: title, plot (or why there is none) and legend.
 *
 * @example
 * lineChart({ title: 'Throughput', unit: 'jobs/min', fromMinute, series, format: formatNumber })
 */
export function lineChart(options: ChartOptions): HTMLElement {
  const body =
    options.message !== undefined
      ? h('p', { class: 'chart-message muted' }, options.message)
      : plot(options);
  const legend =
    options.message !== undefined || options.series.length === 0
      ? null
      : h(
          'ul',
          { class: 'legend' },
          options.series.map((s, k) =>
            h(
              'li',
              null,
              h('span', { class: `swatch ${colourClass(s, k)}`, attrs: { 'aria-hidden': 'true' } }),
              dataText(s.label, 48),
            ),
          ),
        );
  return h(
    'figure',
    { class: 'chart card' },
    h(
      'figcaption',
      null,
      h('span', { class: 'chart-title' }, options.title),
      h('span', { class: 'muted' }, options.unit),
    ),
    body,
    legend,
  );
}
