import type { Metric } from './case-types.js';
import type { RunMeta } from './meta.js';
import { buildText, formatNumber, ratioText } from './report.js';
import type { CaseResult } from './runner.js';

/**
 * One Markdown table of every case's headline figure (median, min–max) and Conveyor's
 * ratio to each peer, for the docs; a case's other figures marked `ratio` get a row each.
 */
export function formatMarkdown(meta: RunMeta, results: readonly CaseResult[]): string {
  const peers = meta.systems.filter((s) => s.name !== 'conveyor');
  const header = [
    'Case',
    'Figure',
    ...meta.systems.map((s) => `${s.label} ${s.version}`),
    ...peers.map((p) => `Conveyor/${p.label}`),
  ];
  const row = (
    result: CaseResult,
    title: string,
    metric: Metric | undefined,
    byPeer: CaseResult['ratios'],
  ) => {
    const cells = meta.systems.map((system) => {
      const found = result.systems.find((s) => s.system === system.name);
      if (!found) return '–'; // a case this system does not run
      const summary = metric ? found.summary[metric.key] : undefined;
      if (!summary) return `no valid run (${found?.runs.length ?? 0} invalid)`;
      const range =
        summary.count > 1 ? ` (${formatNumber(summary.min)}–${formatNumber(summary.max)})` : '';
      return `**${formatNumber(summary.median)}**${range}`;
    });
    const ratios = peers.map((peer) => {
      const ratio = byPeer[peer.name as keyof CaseResult['ratios']];
      return ratio === undefined
        ? '–'
        : ratioText(result, peer.label, ratio, metric).replace(`Conveyor/${peer.label} `, '');
    });
    const figure = metric
      ? `${metric.label === metric.unit ? metric.unit : `${metric.label} (${metric.unit})`}, ${metric.higherIsBetter ? 'higher' : 'lower'} is better`
      : '';
    return [title, figure, ...cells, ...ratios];
  };
  const rows = results.flatMap((result) => [
    row(result, `${result.group}. ${result.title}`, result.metrics[0], result.ratios),
    ...result.metrics.flatMap((metric) => {
      const byPeer = result.metricRatios?.[metric.key];
      return byPeer ? [row(result, `${result.group}. (same)`, metric, byPeer)] : [];
    }),
  ]);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [
    line(header),
    line(header.map(() => '---')),
    ...rows.map(line),
    '',
    `Medians of the valid runs (min–max in brackets), ${meta.preset} set, ${meta.date.slice(0, 10)}. Machine: ${meta.machine.cores} cores (${meta.machine.cpuModel}), Node ${meta.node}, Redis ${meta.redis}.`,
    '',
    `Ran: ${buildText(meta)}.`,
    '',
  ].join('\n');
}
