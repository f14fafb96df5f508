import type { Metric } from './case-types.js';
import type { RunMeta } from './meta.js';
import type { CaseResult } from './runner.js';
import type { Summary } from './stats.js';

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs >= 1_000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function cell(summary: Summary | undefined): string {
  if (!summary) return '–';
  if (summary.count === 1) return formatNumber(summary.median);
  return `${formatNumber(summary.median)} (${formatNumber(summary.min)}–${formatNumber(summary.max)})`;
}

function table(rows: string[][]): string {
  const widths =
    rows[0]?.map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((value, col) => value.padEnd(widths[col] ?? 0))
        .join('   ')
        .trimEnd(),
    )
    .join('\n');
}

/**
 * "Conveyor/BullMQ 2.05× (better)": Conveyor's median over the peer's, of the headline or
 * of the metric given.
 */
export function ratioText(
  result: CaseResult,
  label: string,
  ratio: number,
  metric: Metric | undefined = result.metrics[0],
): string {
  const higherIsBetter = metric?.higherIsBetter ?? true;
  const better = higherIsBetter ? ratio > 1 : ratio < 1;
  const verdict = ratio === 1 ? 'equal' : better ? 'better' : 'worse';
  return `Conveyor/${label} ${ratio.toFixed(2)}× (${verdict})`;
}

/** What ran; results saved before the bench recorded it ran the sources through tsx. */
export function buildText(meta: RunMeta): string {
  return (
    meta.build?.summary ??
    'the TypeScript sources through tsx (not recorded; every run before the built bench did so)'
  );
}

export function formatHeader(meta: RunMeta): string {
  const lines = [
    `Conveyor benchmarks (${meta.preset} set), ${meta.date}`,
    `Machine: ${meta.machine.cores} cores (${meta.machine.cpuModel}), ${meta.machine.memoryGiB} GiB, ${meta.machine.platform}; Node ${meta.node}; redis-server ${meta.redis} (private, started by the harness, no persistence)`,
    `Versions: ${meta.systems.map((s) => `${s.label} ${s.version}${s.name === 'conveyor' ? ` (commit ${meta.conveyorCommit})` : ''}`).join(', ')}`,
    `Payload: ${meta.payloadBytes} bytes of JSON for every system; handlers do nothing but return (or throw once, in the retry case).`,
    `Ran: ${buildText(meta)}.`,
    `Worker processes: ${meta.workerProcesses}.`,
    'Each figure is the median of the valid runs with min–max; runs are interleaved (A B C A B C …) and Redis is flushed before each.',
    'A run with jobs missing (or extra) at the end is marked invalid and left out of every figure.',
    'Columns marked ↑ are better higher, ↓ better lower. Ratios are Conveyor ÷ peer on the first column; "better" accounts for the direction.',
    '',
    'Settings:',
    ...meta.systems.flatMap((s) => [`  ${s.label}:`, ...s.settings.map((line) => `    - ${line}`)]),
  ];
  return lines.join('\n');
}

export function formatCase(result: CaseResult): string {
  const header = [
    'system',
    'valid',
    ...result.metrics.map((m) => {
      const name = m.label === m.unit ? m.unit : `${m.label} (${m.unit})`;
      return `${name}${m.higherIsBetter ? ' ↑' : ' ↓'}`;
    }),
  ];
  const rows = result.systems.map((s) => [
    s.label,
    `${s.valid}/${s.runs.length}`,
    ...result.metrics.map((m) => cell(s.summary[m.key])),
  ]);
  const lines = [
    `${result.group}. ${result.title} [${result.id}]`,
    `   ${result.description}`,
    table([header, ...rows]),
  ];
  for (const s of result.systems) {
    for (const run of s.runs) {
      if (run.invalid) lines.push(`   ! ${s.label} run ${run.run} INVALID: ${run.invalid}`);
    }
    const notes = new Set(s.runs.flatMap((run) => run.notes ?? []));
    for (const note of notes) lines.push(`   · ${s.label}: ${note}`);
  }
  const ratios = result.systems
    .filter((s) => s.system !== 'conveyor')
    .map((s) => {
      const ratio = result.ratios[s.system];
      return ratio === undefined
        ? `Conveyor/${s.label}: no ratio (no valid runs)`
        : ratioText(result, s.label, ratio);
    });
  if (ratios.length > 0) lines.push(`   ${ratios.join(' · ')}`);
  for (const [key, byPeer] of Object.entries(result.metricRatios ?? {})) {
    const metric = result.metrics.find((m) => m.key === key);
    const parts = result.systems.flatMap((s) => {
      const ratio = byPeer[s.system];
      return s.system === 'conveyor' || ratio === undefined
        ? []
        : [ratioText(result, s.label, ratio, metric)];
    });
    if (parts.length > 0) lines.push(`   ${metric?.label ?? key}: ${parts.join(' · ')}`);
  }
  const targets = targetText(result);
  if (targets) lines.push(`   ${targets}`);
  return lines.join('\n');
}

/** "Targets (Conveyor): overview p95 12.3 ms < 300 ms, met · …", for metrics that have one. */
export function targetText(result: CaseResult): string | undefined {
  const conveyor = result.systems.find((s) => s.system === 'conveyor');
  const parts = result.metrics.flatMap((metric) => {
    if (metric.target === undefined) return [];
    const median = conveyor?.summary[metric.key]?.median;
    const bound = `${metric.higherIsBetter ? '>' : '<'} ${formatNumber(metric.target)} ${metric.unit}`;
    if (median === undefined) return [`${metric.label} ${bound}: no valid run`];
    const met = metric.higherIsBetter ? median > metric.target : median < metric.target;
    return [
      `${metric.label} ${formatNumber(median)} ${metric.unit} ${bound}: ${met ? 'met' : 'MISSED'}`,
    ];
  });
  return parts.length === 0 ? undefined : `Targets (Conveyor): ${parts.join(' · ')}`;
}

/**
 * Where the scale-out curve peaks for each system, and what bounds it there: a Redis process
 * near one full core is Redis-bound; workers and Redis together near the machine's cores is
 * bound by the machine's CPU; neither means the CPU went elsewhere (other processes on a
 * shared machine) or the pipeline waits on round trips.
 */
export function scaleOutSummary(results: readonly CaseResult[], cores: number): string | undefined {
  const steps = results
    .filter((r) => r.group === 9)
    .map((r) => ({ processes: Number(r.id.replace('scale-', '')), result: r }))
    .sort((a, b) => a.processes - b.processes);
  if (steps.length < 2) return undefined;
  const lines = ['9. Scale-out summary (where each curve peaks, and what bounds it there)'];
  for (const { system, label } of steps[0]?.result.systems ?? []) {
    const points = steps.map(({ processes, result }) => {
      const summary = result.systems.find((s) => s.system === system)?.summary ?? {};
      return {
        processes,
        jobs: summary.jobsPerSec?.median,
        redis: summary.redisCpuCores?.median,
        workers: summary.workerCpuCores?.median,
      };
    });
    const curve = points
      .map((p) => `${p.processes}p ${p.jobs === undefined ? '–' : formatNumber(p.jobs)}`)
      .join(', ');
    const measured = points.filter((p) => p.jobs !== undefined);
    const peak = measured.reduce<(typeof points)[number] | undefined>(
      (best, p) => (best?.jobs === undefined || (p.jobs ?? 0) > best.jobs ? p : best),
      undefined,
    );
    const first = measured[0];
    if (!peak?.jobs || !first?.jobs) {
      lines.push(`   ${label}: ${curve} jobs/s; not enough valid runs to say`);
      continue;
    }
    let bound = 'not measured';
    if (peak.redis !== undefined && peak.workers !== undefined) {
      const busy = `workers ${peak.workers.toFixed(2)} + Redis ${peak.redis.toFixed(2)} of ${cores} cores`;
      bound =
        peak.redis >= 0.85
          ? `Redis CPU (redis-server at ${(peak.redis * 100).toFixed(0)} % of its one core)`
          : peak.redis + peak.workers >= cores * 0.85
            ? `the machine's CPU (${busy})`
            : `neither (${busy}): the rest went to other processes or to round-trip waits`;
    }
    const gain = (peak.jobs / first.jobs).toFixed(2);
    lines.push(
      `   ${label}: ${curve} jobs/s; peaks at ${peak.processes} process(es), ${gain}× ${first.processes} process; bound there by ${bound}`,
    );
  }
  return lines.join('\n');
}
