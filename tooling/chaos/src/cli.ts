/**
 * `pnpm chaos`: runs the fault-injection scenarios and prints their figures.
 * Exit codes: 0 every bound held, 1 a bound was broken, 2 bad usage or a harness failure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChaosUsageError, HELP, parseArgs } from './args.js';
import { type ScenarioResult, scenarioDir } from './harness.js';
import { applyKnownIssues, statusOf } from './known-issues.js';
import { renderTable } from './report.js';
import { RUNS } from './runtime.js';
import { SCENARIOS } from './scenarios/index.js';

const names = SCENARIOS.map((s) => s.name);
let args: ReturnType<typeof parseArgs>;
try {
  args = parseArgs(process.argv.slice(2), names);
} catch (error) {
  if (!(error instanceof ChaosUsageError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}
if (args.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
if (args.list) {
  for (const s of SCENARIOS) process.stdout.write(`${s.name.padEnd(24)} ${s.title}\n`);
  process.exit(0);
}

const selected =
  args.scenarios.length > 0 ? SCENARIOS.filter((s) => args.scenarios.includes(s.name)) : SCENARIOS;
const root = mkdtempSync(join(tmpdir(), 'conveyor-chaos-'));
const startedAt = Date.now();
const elapsed = () => `${((Date.now() - startedAt) / 1000).toFixed(0).padStart(4)} s`;
const results: ScenarioResult[] = [];
let harnessFailed = false;
process.stderr.write(`[chaos] running ${RUNS}\n`);

for (const [i, scenario] of selected.entries()) {
  const progress = (message: string) =>
    process.stderr.write(`[${elapsed()}] ${scenario.name}: ${message}\n`);
  progress(`starting (${i + 1}/${selected.length}${args.quick ? ', quick' : ''})`);
  try {
    const raw = await scenario.run({
      quick: args.quick,
      dir: scenarioDir(root, scenario.name),
      progress,
    });
    const result = applyKnownIssues(raw, args.strict);
    results.push(result);
    const statuses = result.checks.map((c) => [c.name, statusOf(result.name, c, args.strict)]);
    const flagged = statuses.filter(([, status]) => status !== 'ok' && status !== 'report');
    progress(
      flagged.length === 0
        ? 'every bound held'
        : flagged.map(([name, status]) => `${status}: ${name}`).join('; '),
    );
  } catch (error) {
    harnessFailed = true;
    progress(`harness failure: ${(error as Error).stack ?? String(error)}`);
  }
}

const ok = results.every((r) => r.ok);
if (args.json) {
  process.stdout.write(
    `${JSON.stringify({ quick: args.quick, runs: RUNS, ok: ok && !harnessFailed, durationMs: Date.now() - startedAt, results }, null, 2)}\n`,
  );
} else {
  process.stdout.write(`\n${renderTable(results, args.strict)}\n`);
  for (const result of results) {
    for (const note of result.notes) process.stdout.write(`  ${result.name}: ${note}\n`);
  }
}
if (args.keep || !ok || harnessFailed) process.stderr.write(`ledgers and worker logs: ${root}\n`);
else rmSync(root, { recursive: true, force: true });
process.exit(harnessFailed ? 2 : ok ? 0 : 1);
