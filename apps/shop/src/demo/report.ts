/** The demo's last step: the daily low-stock report, run now, as the mailbox received it. */
import { nextSlots } from '@conveyor/core';
import type { Product } from '../db/schema.js';
import type { LowStockReportRun } from '../stack/flow.js';
import { lowStockReport } from '../tasks/send-low-stock-report.js';

/** Writes the report run; returns what is wrong with it (empty when the report is right). */
export function printLowStockReport(
  run: LowStockReportRun,
  stock: readonly Product[],
  now: number,
  write: (line: string) => void,
): string[] {
  const { id, cron, tz, input } = lowStockReport;
  write(`\nThe daily low-stock report (schedule ${id}, cron "${cron}" in ${tz}):`);
  const [next] = nextSlots(lowStockReport, now, 1);
  if (next !== undefined) {
    const at = new Date(next);
    const local = at.toLocaleString('en-GB', { timeZone: tz, timeZoneName: 'short' });
    write(`  next run ${at.toISOString()} (${local}); running it now instead:`);
  }
  write(`  client.schedules.runNow('${id}') → job ${run.jobId}, ${run.record.state}`);
  const problems: string[] = [];
  if (run.record.state !== 'completed') {
    problems.push(
      `the report job ${run.jobId} is ${run.record.state}: ${run.record.error?.message}`,
    );
  }
  if (!run.mail) {
    problems.push(`no low-stock report reached ${input.to}`);
    return problems;
  }
  write(`  the mailbox received, to ${run.mail.to.join(', ')}: "${run.mail.subject}"`);
  for (const line of run.mail.text.trimEnd().split('\n')) write(`    ${line}`.trimEnd());

  const expected = stock.filter((product) => product.stock <= input.threshold);
  const listed = stock.filter((product) =>
    new RegExp(`^ +${product.sku} +${product.stock} +`, 'm').test(run.mail?.text ?? ''),
  );
  if (listed.map((p) => p.sku).join() !== expected.map((p) => p.sku).join()) {
    problems.push(
      `the report lists ${listed.map((p) => p.sku).join(', ') || 'nothing'}; at or below ${input.threshold}: ${expected.map((p) => p.sku).join(', ') || 'nothing'}`,
    );
  }
  return problems;
}
