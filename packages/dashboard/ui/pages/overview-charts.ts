// The overview's "last hour" charts: metrics from /api/metrics, shown for a scope the user picks
// (all queues: a line per queue; a queue: a line per task; one task: its own lines).

import { describeError, getJson, isAbort } from '../api.js';
import type { MetricsResponse, MetricsSeries } from '../api-types.js';
import { type ChartSeries, lineChart } from '../components/chart.js';
import { seriesColours } from '../components/series-colours.js';
import { h, replace } from '../dom.js';
import { cutText, formatMs, formatNumber } from '../format.js';
import type { Live } from '../live.js';
import { every, field } from './page.js';

type Scope =
  | { kind: 'all' }
  | { kind: 'queue'; queue: string }
  | { kind: 'task'; queue: string; task: string };

interface Group {
  label: string;
  members: MetricsSeries[];
}

function groups(metrics: MetricsResponse, scope: Scope): Group[] {
  if (scope.kind === 'task') {
    const one = metrics.series.filter((s) => s.queue === scope.queue && s.task === scope.task);
    return [{ label: scope.task, members: one }];
  }
  const byKey = new Map<string, MetricsSeries[]>();
  for (const s of metrics.series) {
    if (scope.kind === 'queue' && s.queue !== scope.queue) continue;
    const key = scope.kind === 'all' ? s.queue : s.task;
    byKey.set(key, [...(byKey.get(key) ?? []), s]);
  }
  return [...byKey]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([label, members]) => ({ label, members }));
}

/** Per minute: the sum (counts) or the highest (latency) over the group's series. */
function combine(
  metrics: MetricsResponse,
  members: readonly MetricsSeries[],
  value: (point: MetricsSeries['points'][number]) => number | null,
  how: 'sum' | 'max',
): (number | null)[] {
  const length = metrics.toMinute - metrics.fromMinute + 1;
  const out: (number | null)[] = Array.from({ length }, () => (how === 'sum' ? 0 : null));
  for (const s of members) {
    for (const point of s.points) {
      const i = point.minute - metrics.fromMinute;
      const v = value(point);
      if (i < 0 || i >= length || v === null) continue;
      const current = out[i] ?? null;
      out[i] = how === 'sum' ? (current ?? 0) + v : current === null ? v : Math.max(current, v);
    }
  }
  return out;
}

function charts(metrics: MetricsResponse, scope: Scope): HTMLElement[] {
  const base = { fromMinute: metrics.fromMinute, message: undefined as string | undefined };
  if (metrics.unavailable) {
    base.message = 'Metrics unavailable: this transport records no per-minute counters.';
  } else if (metrics.series.length === 0) {
    base.message = 'Nothing recorded in the last hour.';
  }
  const list = groups(metrics, scope);
  const single = scope.kind === 'task';
  // A queue's line (a task's, in a queue's charts) keeps its colour when others come and go.
  const colours = seriesColours(
    list.map((g) => (scope.kind === 'all' ? `queue:${g.label}` : `task:${scope.queue}/${g.label}`)),
  );
  const series = (
    pick: (p: MetricsSeries['points'][number]) => number | null,
    how: 'sum' | 'max',
  ): ChartSeries[] =>
    list.map((g, k) => ({
      label: g.label,
      values: combine(metrics, g.members, pick, how),
      colour: colours[k],
    }));
  const members = list.flatMap((g) => g.members);
  const failures: ChartSeries[] = single
    ? [
        { label: 'failed', values: combine(metrics, members, (p) => p.failed, 'sum') },
        { label: 'retried', values: combine(metrics, members, (p) => p.retried, 'sum') },
      ]
    : series((p) => p.failed, 'sum');
  const latency: ChartSeries[] = single
    ? [
        {
          label: 'p50',
          values: combine(metrics, members, (p) => (p.pickupCount ? p.pickupP50Ms : null), 'max'),
        },
        {
          label: 'p95',
          values: combine(metrics, members, (p) => (p.pickupCount ? p.pickupP95Ms : null), 'max'),
        },
      ]
    : series((p) => (p.pickupCount ? p.pickupP95Ms : null), 'max');
  return [
    lineChart({
      ...base,
      title: 'Throughput',
      unit: 'completed / min',
      series: series((p) => p.completed, 'sum'),
      format: formatNumber,
    }),
    lineChart({
      ...base,
      title: 'Failures',
      unit: single ? 'per min' : 'failed / min',
      series: failures,
      format: formatNumber,
    }),
    lineChart({
      ...base,
      title: 'Pickup latency',
      unit: single ? 'p50 and p95' : scope.kind === 'all' ? 'p95 of the slowest task' : 'p95',
      series: latency,
      format: formatMs,
    }),
  ];
}

function scopeValue(scope: Scope): string {
  return JSON.stringify(scope);
}

/** The longest "Show" choice drawn whole; a longer one is cut, whole in its title. */
const OPTION_MAX = 48;

/**
 * The charts section; it reloads the metrics every 30 s while the page is open, and at once
 * when the event stream says the broker answers again after a load failed.
 *
 * @example
 * section.append(metricsSection(ctx.signal, ctx.live))
 */
export function metricsSection(signal: AbortSignal, live: Live): HTMLElement {
  let metrics: MetricsResponse | undefined;
  let failed = false;
  let scope: Scope = { kind: 'all' };
  const select = h(
    'select',
    {
      on: {
        change: () => {
          scope = JSON.parse(select.value) as Scope;
          draw();
        },
      },
    },
    // Until the metrics come (or if they never do): not an empty box.
    h('option', { attrs: { value: scopeValue(scope) } }, 'All queues'),
  );
  const grid = h(
    'div',
    { class: 'charts' },
    h('p', { class: 'muted charts-message' }, 'Loading metrics…'),
  );

  const options = (): void => {
    if (!metrics) return;
    const queues = [...new Set(metrics.series.map((s) => s.queue))].sort();
    const choices: Array<[Scope, string]> = [[{ kind: 'all' }, 'All queues']];
    for (const queue of queues) {
      choices.push([{ kind: 'queue', queue }, `Queue ${queue}`]);
      for (const s of metrics.series.filter((m) => m.queue === queue)) {
        choices.push([{ kind: 'task', queue, task: s.task }, `${queue} › ${s.task}`]);
      }
    }
    const current = scopeValue(scope);
    if (!choices.some(([c]) => scopeValue(c) === current)) scope = { kind: 'all' };
    replace(
      select,
      choices.map(([c, label]) =>
        h(
          'option',
          {
            attrs: {
              value: scopeValue(c),
              selected: scopeValue(c) === scopeValue(scope),
              // A long task name is cut, whole in the tooltip: the box stays phone-sized.
              title: label.length > OPTION_MAX ? label : undefined,
            },
          },
          label.length > OPTION_MAX ? `${cutText(label, OPTION_MAX - 1)}…` : label,
        ),
      ),
    );
  };
  const draw = (): void => {
    if (metrics) replace(grid, charts(metrics, scope));
  };
  const load = async (): Promise<void> => {
    try {
      metrics = await getJson<MetricsResponse>('/metrics', { minutes: 60 }, signal);
      failed = false;
      options();
      draw();
    } catch (error) {
      if (isAbort(error)) return;
      failed = true;
      replace(
        grid,
        h(
          'p',
          { class: 'muted charts-message' },
          `Metrics could not be loaded: ${describeError(error)}`,
        ),
      );
    }
  };
  void load();
  every(30_000, signal, () => void load());
  // The broker is back: the counts above are live again, so the charts should not keep
  // saying they could not be loaded for up to 30 s more.
  live.onStatus((status) => {
    if (status === 'live' && failed) void load();
  }, signal);

  return h(
    'section',
    { class: 'section' },
    h(
      'div',
      { class: 'section-head' },
      h('h2', null, 'Last hour'),
      field('chart-scope', 'Show', select),
    ),
    grid,
  );
}
