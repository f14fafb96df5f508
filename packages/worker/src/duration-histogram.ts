import type { Metric, Registry } from 'prom-client';

export interface DurationHistogram {
  /** Counts one run of `seconds`: a few array operations, no label hashing. */
  observe(task: string, outcome: string, seconds: number): void;
}

interface Series {
  labels: { task: string; outcome: string };
  /** Runs per bucket (not cumulative), in the order of `buckets`. */
  counts: number[];
  sum: number;
  count: number;
}

interface ValuePair {
  labels: Record<string, string | number>;
  sharedLabels?: Record<string, string>;
  value: number;
  metricName: string;
}

/**
 * A Prometheus histogram labelled by task and outcome, counted in plain arrays and
 * turned into prom-client's values only when scraped. prom-client's `Histogram.observe`
 * validates and hashes its labels on every call, once per job. The text it renders is
 * prom-client's own: the registry formats these values exactly as a `Histogram`'s.
 */
export function registerDurationHistogram(
  registry: Registry,
  config: { name: string; help: string; buckets: readonly number[] },
): DurationHistogram {
  const { name, help, buckets } = config;
  const byTask = new Map<string, Map<string, Series>>();
  /** In order of first observation, as prom-client lists them. */
  const all: Series[] = [];
  const bucket = `${name}_bucket`;

  function values(): ValuePair[] {
    const out: ValuePair[] = [];
    for (const series of all) {
      const shared = series.labels;
      let cumulative = 0;
      buckets.forEach((le, index) => {
        cumulative += series.counts[index] ?? 0;
        out.push({ labels: { le }, sharedLabels: shared, value: cumulative, metricName: bucket });
      });
      out.push(
        { labels: { le: '+Inf' }, sharedLabels: shared, value: series.count, metricName: bucket },
        { labels: {}, sharedLabels: shared, value: series.sum, metricName: `${name}_sum` },
        { labels: {}, sharedLabels: shared, value: series.count, metricName: `${name}_count` },
      );
    }
    return out;
  }

  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    async getForPromString() {
      return { name, help, type: 'histogram', aggregator: 'sum', values: values() };
    },
    async get() {
      const splayed = values().map(({ labels, sharedLabels, value, metricName }) => ({
        labels: { ...labels, ...sharedLabels },
        value,
        metricName,
      }));
      return { name, help, type: 'histogram', aggregator: 'sum', values: splayed };
    },
    reset() {
      byTask.clear();
      all.length = 0;
    },
  };
  // prom-client types registerMetric for its own classes; the registry only calls
  // getForPromString/get (and reads name, type), which this object provides.
  registry.registerMetric(metric as unknown as Metric);

  return {
    observe(task, outcome, seconds) {
      if (!Number.isFinite(seconds)) throw new TypeError(`Value is not a valid number: ${seconds}`);
      let outcomes = byTask.get(task);
      if (!outcomes) {
        outcomes = new Map();
        byTask.set(task, outcomes);
      }
      let series = outcomes.get(outcome);
      if (!series) {
        series = { labels: { task, outcome }, counts: buckets.map(() => 0), sum: 0, count: 0 };
        outcomes.set(outcome, series);
        all.push(series);
      }
      series.sum += seconds;
      series.count += 1;
      for (let index = 0; index < buckets.length; index++) {
        if (seconds <= (buckets[index] as number)) {
          (series.counts[index] as number) += 1;
          break;
        }
      }
    },
  };
}
