import type { RunMeta } from './meta.js';
import { formatNumber } from './report.js';
import type { CaseResult } from './runner.js';

const COLORS: Record<string, string> = {
  conveyor: '#2563eb',
  bullmq: '#dc2626',
  'bee-queue': '#d97706',
};

const WIDTH = 960;
const LABEL_WIDTH = 300;
const BAR_AREA = 500;
const BAR_HEIGHT = 13;
const ROW_GAP = 14;
const TOP = 92;

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A grouped bar chart of every case's headline figure. Bars are scaled within each case
 * to the best system (longest = best, whether higher or lower is better), and labelled with
 * the absolute median, so that cases with different units share one chart.
 */
export function renderChart(meta: RunMeta, all: readonly CaseResult[]): string {
  const systems = meta.systems;
  // A case only one system runs (the dashboard's) compares nothing: it stays in the tables.
  const results = all.filter((result) => result.systems.length > 1 || systems.length === 1);
  const rowHeight = systems.length * BAR_HEIGHT + ROW_GAP;
  const height = TOP + results.length * rowHeight + 40;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="16" y="26" font-size="17" font-weight="bold">Conveyor vs BullMQ vs Bee-Queue: median of each case (longer bar = better)</text>`,
    `<text x="16" y="46" fill="#555">${escapeXml(
      `${meta.machine.cores}-core ${meta.machine.cpuModel}, Node ${meta.node}, Redis ${meta.redis}; ${systems.map((s) => `${s.label} ${s.version}`).join(', ')}; ${meta.preset} set, ${meta.date.slice(0, 10)}`,
    )}</text>`,
  ];
  systems.forEach((system, i) => {
    const x = 16 + i * 150;
    parts.push(
      `<rect x="${x}" y="60" width="12" height="12" fill="${COLORS[system.name] ?? '#888'}"/>`,
      `<text x="${x + 18}" y="70">${escapeXml(system.label)}</text>`,
    );
  });
  results.forEach((result, row) => {
    const metric = result.metrics[0];
    if (!metric) return;
    const y = TOP + row * rowHeight;
    const medians = result.systems.map((s) => s.summary[metric.key]?.median);
    const present = medians.filter((m): m is number => m !== undefined && m > 0);
    const best = metric.higherIsBetter ? Math.max(...present) : Math.min(...present);
    parts.push(
      `<text x="${LABEL_WIDTH - 10}" y="${y + (systems.length * BAR_HEIGHT) / 2 + 4}" text-anchor="end">${escapeXml(
        `${result.group}. ${result.title}`.slice(0, 46),
      )}</text>`,
    );
    result.systems.forEach((s, i) => {
      const median = medians[i];
      const barY = y + i * BAR_HEIGHT;
      if (median === undefined || median <= 0 || present.length === 0) {
        parts.push(`<text x="${LABEL_WIDTH + 4}" y="${barY + 10}" fill="#999">no valid run</text>`);
        return;
      }
      const share = metric.higherIsBetter ? median / best : best / median;
      const width = Math.max(1, share * BAR_AREA);
      parts.push(
        `<rect x="${LABEL_WIDTH}" y="${barY}" width="${width.toFixed(1)}" height="${BAR_HEIGHT - 2}" fill="${COLORS[s.system] ?? '#888'}"/>`,
        `<text x="${(LABEL_WIDTH + width + 6).toFixed(1)}" y="${barY + 10}" font-size="11">${escapeXml(
          `${formatNumber(median)} ${metric.unit}`,
        )}</text>`,
      );
    });
  });
  parts.push(
    `<text x="16" y="${height - 14}" fill="#555" font-size="11">Bars are scaled within each case to its best system. Lower is better for latency, memory and delayed-job time; higher for jobs/s.</text>`,
    '</svg>',
  );
  return `${parts.join('\n')}\n`;
}
