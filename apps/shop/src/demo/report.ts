/** The demo's last step: the daily low-stock report, run now, as the mailbox received it. */
import type { Product } from '../db/schema.js';
import { shopTime } from '../mail/low-stock-report.js';
import type { LowStockReportRun } from '../stack/flow.js';
import { lowStockReport } from '../tasks/send-low-stock-report.js';

/** Writes the report run; returns what is wrong with it (empty when the report is right). */
export function printLowStockReport(
  run: LowStockReportRun,
  stock: readonly Product[],
  write: (line: string) => void,
): string[] {
  const { id, cron, tz, input } = lowStockReport;
  write(`\nThe daily low-stock report (schedule ${id}, cron "${cron}" in ${tz}):`);
  const problems: string[] = [];
  if (run.schedule) {
    const next = run.schedule.next.map(shopTime).join(', ');
    write(`  stored by the workers; next runs ${next} (${tz}). Run now instead:`);
  } else {
    problems.push(`no worker stored the schedule ${id}`);
  }
  write(`  client.schedules.runNow('${id}') → job ${run.jobId}, ${run.record.state}`);
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

  // The stock the summary read from PostgreSQL: the report must list exactly its low rows.
  const text = run.mail.text;
  const skus = (products: readonly Product[]) =>
    products.map((product) => product.sku).join(', ') || 'nothing';
  const expected = skus(stock.filter((product) => product.stock <= input.threshold));
  const listed = skus(
    stock.filter((product) => new RegExp(`^ +${product.sku} +${product.stock} `, 'm').test(text)),
  );
  if (listed !== expected) {
    problems.push(
      `the report lists ${listed}; the products at or below ${input.threshold} are ${expected}`,
    );
  }
  return problems;
}
