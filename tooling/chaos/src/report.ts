import { type ScenarioResult, seconds } from './harness.js';
import { statusOf } from './known-issues.js';

/** The results table: one block per scenario, one line per check against its bound. */
export function renderTable(results: readonly ScenarioResult[], strict = false): string {
  const rows: string[][] = [
    ['scenario', 'acked', 'lost', 'dup', 'unexp', 'recovery', 'check', 'value', 'bound', ''],
  ];
  for (const result of results) {
    result.checks.forEach((check, index) => {
      const first = index === 0;
      rows.push([
        first ? result.name : '',
        first ? String(result.acked) : '',
        first ? String(result.lost) : '',
        first ? String(result.duplicated) : '',
        first ? String(result.unexpected) : '',
        first ? seconds(result.recoveryMs) : '',
        check.name,
        check.detail,
        check.bound,
        ((status) => (status === 'report' ? '' : status))(statusOf(result.name, check, strict)),
      ]);
    });
  }
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  const line = (row: string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  const out = [line(rows[0] ?? []), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const row of rows.slice(1)) out.push(line(row));
  const broken = results.filter((r) => !r.ok).map((r) => r.name);
  const known = results.flatMap((r) =>
    r.checks
      .filter((c) => statusOf(r.name, c, strict) === 'KNOWN')
      .map((c) => `${r.name}: ${c.name}`),
  );
  const knownNote =
    known.length === 0 ? '' : ` Known issues (not failing the run): ${known.join('; ')}.`;
  out.push(
    '',
    broken.length === 0
      ? `Every bound held.${knownNote}`
      : `Bounds broken in: ${broken.join(', ')}.${knownNote}`,
  );
  return out.join('\n');
}
