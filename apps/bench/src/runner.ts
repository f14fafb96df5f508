import type { BenchCase, Metric } from './case-types.js';
import type { Sizes } from './plan.js';
import type { RedisProbe } from './redis-probe.js';
import { type Summary, summarize } from './stats.js';
import type { SystemAdapter, SystemName } from './systems/types.js';
import type { WorkerPool } from './worker-pool.js';

export interface RunRecord {
  run: number;
  /** Absent for invalid runs: their figures are never reported. */
  values?: Record<string, number>;
  invalid?: string;
  notes?: string[];
}

export interface SystemResult {
  system: SystemName;
  label: string;
  runs: RunRecord[];
  /** Per metric, over the valid runs only. */
  summary: Record<string, Summary>;
  valid: number;
}

export interface CaseResult {
  id: string;
  group: number;
  title: string;
  description: string;
  metrics: Metric[];
  systems: SystemResult[];
  /** Conveyor's headline median divided by each peer's (absent when either has no valid run). */
  ratios: Partial<Record<SystemName, number>>;
  /** The same, by metric key, for the other metrics marked `ratio`. */
  metricRatios?: Record<string, Partial<Record<SystemName, number>>>;
}

export interface RunnerOptions {
  url: string;
  probe: RedisProbe;
  pool: WorkerPool;
  sizes: Sizes;
  systems: readonly SystemAdapter[];
  cases: readonly BenchCase[];
  /** Progress lines (stderr by default). */
  log: (line: string) => void;
  /** Called after each case with the results so far (the CLI saves them, so a crash loses little). */
  onCase?: (results: readonly CaseResult[]) => Promise<void>;
}

function formatValue(value: number): string {
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toPrecision(3);
}

/** Runs every case: for each run, every system in turn (A B C A B C …), flushing Redis first. */
export async function runCases(options: RunnerOptions): Promise<CaseResult[]> {
  const { probe, sizes, cases, log } = options;
  const results: CaseResult[] = [];
  const startedAt = Date.now();
  for (const [index, benchCase] of cases.entries()) {
    const runs = benchCase.runs?.(sizes) ?? (benchCase.heavy ? sizes.heavyRuns : sizes.runs);
    const only = benchCase.systems;
    const systems = only ? options.systems.filter((s) => only.includes(s.name)) : options.systems;
    if (systems.length === 0) {
      log(
        `[${index + 1}/${cases.length}] ${benchCase.id}: skipped (only ${only?.join(', ')} run it)`,
      );
      continue;
    }
    const records = new Map<SystemName, RunRecord[]>(systems.map((s) => [s.name, []]));
    log(`[${index + 1}/${cases.length}] ${benchCase.id}: ${benchCase.describe(sizes)}`);
    const state = new Map<string, unknown>();
    if (benchCase.reuseQueue) await probe.flush();
    try {
      for (let run = 1; run <= runs; run += 1) {
        for (const system of systems) {
          if (!benchCase.reuseQueue) await probe.flush();
          const queue = benchCase.reuseQueue
            ? `bench-${benchCase.id}-${system.name}`
            : `bench-${benchCase.id}-${run}`;
          const record: RunRecord = { run };
          try {
            const outcome = await benchCase.run(system, { ...options, queue, state });
            if (outcome.invalid) record.invalid = outcome.invalid;
            else record.values = outcome.values;
            if (outcome.notes) record.notes = outcome.notes;
          } catch (error) {
            record.invalid = `error: ${error instanceof Error ? error.message : String(error)}`;
          }
          records.get(system.name)?.push(record);
          const headline = benchCase.metrics[0];
          const shown =
            record.invalid !== undefined
              ? `INVALID (${record.invalid})`
              : headline && record.values
                ? `${formatValue(record.values[headline.key] ?? Number.NaN)} ${headline.unit}`
                : '';
          const elapsed = Math.round((Date.now() - startedAt) / 1_000);
          log(`  run ${run}/${runs} ${system.label.padEnd(9)} ${shown}  (${elapsed} s)`);
        }
      }
    } finally {
      await benchCase.finish?.(state);
    }
    await probe.flush();
    results.push(summarizeCase(benchCase, sizes, systems, records));
    await options.onCase?.(results);
  }
  return results;
}

function summarizeCase(
  benchCase: BenchCase,
  sizes: Sizes,
  systems: readonly SystemAdapter[],
  records: Map<SystemName, RunRecord[]>,
): CaseResult {
  const systemResults = systems.map((system): SystemResult => {
    const runs = records.get(system.name) ?? [];
    const valid = runs.filter((r) => r.values !== undefined);
    const summary: Record<string, Summary> = {};
    for (const metric of benchCase.metrics) {
      const values = valid
        .map((r) => r.values?.[metric.key])
        .filter((v): v is number => v !== undefined && Number.isFinite(v));
      const summarized = summarize(values);
      if (summarized) summary[metric.key] = summarized;
    }
    return { system: system.name, label: system.label, runs, summary, valid: valid.length };
  });
  const [headline, ...others] = benchCase.metrics;
  const result: CaseResult = {
    id: benchCase.id,
    group: benchCase.group,
    title: benchCase.title,
    description: benchCase.describe(sizes),
    metrics: [...benchCase.metrics],
    systems: systemResults,
    ratios: ratiosOf(systemResults, headline?.key ?? ''),
  };
  const marked = others.filter((metric) => metric.ratio);
  if (marked.length > 0) {
    result.metricRatios = Object.fromEntries(
      marked.map((metric) => [metric.key, ratiosOf(systemResults, metric.key)]),
    );
  }
  return result;
}

/** Conveyor's median of one metric divided by each peer's. */
function ratiosOf(systems: readonly SystemResult[], key: string): CaseResult['ratios'] {
  const conveyor = systems.find((s) => s.system === 'conveyor')?.summary[key];
  const ratios: CaseResult['ratios'] = {};
  for (const peer of systems) {
    const peerSummary = peer.summary[key];
    if (peer.system === 'conveyor' || !conveyor || !peerSummary || peerSummary.median === 0)
      continue;
    ratios[peer.system] = conveyor.median / peerSummary.median;
  }
  return ratios;
}
