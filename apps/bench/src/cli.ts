/**
 * `pnpm bench`: Conveyor side by side with BullMQ and Bee-Queue. See `--help`.
 * Run with: node --conditions=@conveyor/source --import tsx src/cli.ts [options]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedis } from '@conveyor/test-redis';
import { BenchUsageError, HELP, parseArgs } from './args.js';
import { allCases, selectCases } from './cases/index.js';
import { collectMeta } from './meta.js';
import { createRedisProbe } from './redis-probe.js';
import { formatCase, formatHeader, scaleOutSummary } from './report.js';
import { runCases } from './runner.js';
import { renderChart } from './svg.js';
import { SYSTEMS } from './systems/index.js';
import { createWorkerPool } from './worker-pool.js';

const DOCS_DIR = fileURLToPath(new URL('../../../docs/benchmarks/', import.meta.url));

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const cases = selectCases(allCases(args.sizes), args.cases);
  const systems = SYSTEMS.filter((s) => args.systems.includes(s.name));
  const out = args.out
    ? resolve(process.env.INIT_CWD ?? process.cwd(), args.out)
    : args.writeDocs
      ? DOCS_DIR
      : undefined;
  const printed: string[] = [];
  const print = (text: string) => {
    printed.push(text);
    (args.json ? process.stderr : process.stdout).write(`${text}\n`);
  };
  const log = (line: string) => process.stderr.write(`${line}\n`);

  const redis = await startRedis();
  const probe = createRedisProbe(redis.url);
  const poolSize = Math.max(
    1,
    ...cases.filter((c) => c.group === 9).map((c) => Number(c.id.slice(6))),
  );
  const pool = createWorkerPool(poolSize);
  const cleanup = async () => {
    await pool.close();
    probe.close();
    await redis.stop();
  };
  process.once('SIGINT', () => {
    log('[bench] interrupted; stopping the worker processes and redis-server');
    cleanup().finally(() => process.exit(130));
  });
  try {
    const meta = collectMeta(args.sizes, systems, await probe.version());
    print(formatHeader(meta));
    print('');
    const results = await runCases({
      url: redis.url,
      probe,
      pool,
      sizes: args.sizes,
      systems,
      cases,
      log,
      async onCase(soFar) {
        if (!out) return;
        await mkdir(out, { recursive: true });
        const partial = { meta, partial: true, cases: soFar };
        await writeFile(join(out, 'results.json'), `${JSON.stringify(partial, null, 2)}\n`);
      },
    });
    print('');
    for (const result of results) print(`${formatCase(result)}\n`);
    const scale = scaleOutSummary(results, meta.machine.cores);
    if (scale) print(`${scale}\n`);
    const invalid = results.flatMap((r) =>
      r.systems.flatMap((s) => s.runs.filter((run) => run.invalid)),
    );
    print(
      invalid.length === 0
        ? 'Every run was valid.'
        : `${invalid.length} run(s) were invalid and are left out of the figures (see "!" lines).`,
    );
    const document = { meta, cases: results, scaleOut: scale ?? null };
    if (args.json) process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    if (out) {
      await mkdir(out, { recursive: true });
      await writeFile(join(out, 'results.json'), `${JSON.stringify(document, null, 2)}\n`);
      await writeFile(join(out, 'chart.svg'), renderChart(meta, results));
      await writeFile(join(out, 'report.txt'), `${printed.join('\n')}\n`);
      print(`Wrote results.json, chart.svg and report.txt into ${out}`);
    }
    return 0;
  } finally {
    await cleanup();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof BenchUsageError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
