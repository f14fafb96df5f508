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

/** A case of the batch being run, with what its runs record. */
interface Active {
  benchCase: BenchCase;
  systems: readonly SystemAdapter[];
  runs: number;
  records: Map<SystemName, RunRecord[]>;
  state: Map<string, unknown>;
}

/** Consecutive cases that share an `interleave` key form one batch; every other case its own. */
function batchesOf(cases: readonly BenchCase[]): BenchCase[][] {
  const batches: BenchCase[][] = [];
  for (const benchCase of cases) {
    const last = batches.at(-1);
    const key = benchCase.interleave;
    if (key !== undefined && last?.[0]?.interleave === key) last.push(benchCase);
    else batches.push([benchCase]);
  }
  return batches;
}

/**
 * Runs every case: for each run, every system in turn (A B C A B C …), flushing Redis first.
 * Cases that interleave run round by round together (see `BenchCase.interleave`).
 */
export async function runCases(options: RunnerOptions): Promise<CaseResult[]> {
  const { probe, sizes, cases, log } = options;
  const results: CaseResult[] = [];
  const startedAt = Date.now();
  let index = 0;
  for (const batch of batchesOf(cases)) {
    const active: Active[] = [];
    for (const benchCase of batch) {
      index += 1;
      const only = benchCase.systems;
      const systems = only ? options.systems.filter((s) => only.includes(s.name)) : options.systems;
      if (systems.length === 0) {
        log(
          `[${index}/${cases.length}] ${benchCase.id}: skipped (only ${only?.join(', ')} run it)`,
        );
        continue;
      }
      log(`[${index}/${cases.length}] ${benchCase.id}: ${benchCase.describe(sizes)}`);
      active.push({
        benchCase,
        systems,
        runs: benchCase.runs?.(sizes) ?? (benchCase.heavy ? sizes.heavyRuns : sizes.runs),
        records: new Map(systems.map((s) => [s.name, []])),
        state: new Map(),
      });
    }
    if (active.length === 0) continue;
    if (active.some((each) => each.benchCase.reuseQueue)) await probe.flush();
    try {
      const rounds = Math.max(...active.map((each) => each.runs));
      for (let run = 1; run <= rounds; run += 1) {
        for (const each of active) {
          if (run > each.runs) continue;
          for (const system of each.systems) {
            const record = await runOnce(options, each, system, run);
            each.records.get(system.name)?.push(record);
            const elapsed = Math.round((Date.now() - startedAt) / 1_000);
            const label = active.length > 1 ? `${each.benchCase.id} ` : '';
            log(
              `  ${label}run ${run}/${each.runs} ${system.label.padEnd(9)} ${shown(each.benchCase, record)}  (${elapsed} s)`,
            );
          }
        }
      }
    } finally {
      for (const each of active) await each.benchCase.finish?.(each.state);
    }
    await probe.flush();
    for (const each of active) {
      results.push(summarizeCase(each.benchCase, sizes, each.systems, each.records));
    }
    await options.onCase?.(results);
  }
  return results;
}

/** One run of one case for one system; an error makes it an invalid run. */
async function runOnce(
  options: RunnerOptions,
  { benchCase, state }: Active,
  system: SystemAdapter,
  run: number,
): Promise<RunRecord> {
  if (!benchCase.reuseQueue) await options.probe.flush();
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
  return record;
}

/** The headline figure of a run, or why it does not count, for the progress line. */
function shown(benchCase: BenchCase, record: RunRecord): string {
  const headline = benchCase.metrics[0];
  if (record.invalid !== undefined) return `INVALID (${record.invalid})`;
  if (!headline || !record.values) return '';
  return `${formatValue(record.values[headline.key] ?? Number.NaN)} ${headline.unit}`;
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
