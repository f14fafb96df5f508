import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatMarkdown } from './markdown.js';
import type { RunMeta } from './meta.js';
import { formatCase, formatHeader, scaleOutSummary } from './report.js';
import type { CaseResult } from './runner.js';
import { renderChart } from './svg.js';

/** What `results.json` holds. */
export interface ResultsDocument {
  meta: RunMeta;
  /** True while a run is still going (the file is saved after every case). */
  partial?: boolean;
  cases: CaseResult[];
  scaleOut?: string | null;
}

/** The whole text report: header, one table per case, the scale-out summary and validity. */
export function formatReport(meta: RunMeta, results: readonly CaseResult[]): string {
  const parts = [formatHeader(meta), ''];
  for (const result of results) parts.push(`${formatCase(result)}\n`);
  const scale = scaleOutSummary(results, meta.machine.cores);
  if (scale) parts.push(`${scale}\n`);
  const invalid = results.flatMap((r) =>
    r.systems.flatMap((s) => s.runs.filter((run) => run.invalid)),
  );
  parts.push(
    invalid.length === 0
      ? 'Every run was valid.'
      : `${invalid.length} run(s) were invalid and are left out of the figures (see "!" lines).`,
  );
  return parts.join('\n');
}

export function toDocument(meta: RunMeta, results: readonly CaseResult[]): ResultsDocument {
  return {
    meta,
    cases: [...results],
    scaleOut: scaleOutSummary(results, meta.machine.cores) ?? null,
  };
}

/** Writes results.json, chart.svg, summary.md and report.txt into `dir`. */
export async function writeOutputs(dir: string, document: ResultsDocument): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'results.json'), `${JSON.stringify(document, null, 2)}\n`);
  await writeFile(join(dir, 'chart.svg'), renderChart(document.meta, document.cases));
  await writeFile(join(dir, 'summary.md'), formatMarkdown(document.meta, document.cases));
  await writeFile(join(dir, 'report.txt'), `${formatReport(document.meta, document.cases)}\n`);
}
