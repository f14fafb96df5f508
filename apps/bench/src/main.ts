/**
 * `pnpm bench` as a function: parses the arguments, runs the cases (or prints help, or
 * re-renders a saved run), and returns the exit code. `src/cli.ts` runs it as a command.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedis } from '@conveyor/test-redis';
import { type BenchArgs, BenchUsageError, HELP, parseArgs } from './args.js';
import { buildInfo } from './build-info.js';
import { allCases, selectCases } from './cases/index.js';
import { collectMeta } from './meta.js';
import { formatReport, type ResultsDocument, toDocument, writeOutputs } from './output.js';
import { createRedisProbe } from './redis-probe.js';
import { formatHeader } from './report.js';
import { runCases } from './runner.js';
import { SYSTEMS } from './systems/index.js';
import { createWorkerPool } from './worker-pool.js';

const DOCS_DIR = fileURLToPath(new URL('../../../docs/benchmarks/', import.meta.url));

/** Paths on the command line are relative to where `pnpm bench` was typed. */
function fromCaller(path: string): string {
  return resolve(process.env.INIT_CWD ?? process.cwd(), path);
}

async function rerender(args: BenchArgs, file: string): Promise<number> {
  const document = JSON.parse(await readFile(fromCaller(file), 'utf8')) as ResultsDocument;
  if (!document.meta || !Array.isArray(document.cases)) {
    throw new BenchUsageError(`--from "${file}" is not a results.json written by pnpm bench`);
  }
  process.stdout.write(`${formatReport(document.meta, document.cases)}\n`);
  const out = args.out ? fromCaller(args.out) : dirname(fromCaller(file));
  // The derived parts (scale-out summary) are recomputed with the current code.
  await writeOutputs(out, toDocument(document.meta, document.cases));
  process.stdout.write(`Wrote results.json, chart.svg, summary.md and report.txt into ${out}\n`);
  return 0;
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (args.from) return rerender(args, args.from);
  const cases = selectCases(allCases(args.sizes), args.cases);
  const systems = SYSTEMS.filter((s) => args.systems.includes(s.name));
  const out = args.out ? fromCaller(args.out) : args.writeDocs ? DOCS_DIR : undefined;
  // With --json, stdout carries only the JSON; everything for people goes to stderr.
  const human = args.json ? process.stderr : process.stdout;
  const log = (line: string) => process.stderr.write(`${line}\n`);

  const redis = await startRedis();
  const probe = createRedisProbe(redis.url);
  const pool = createWorkerPool(Math.max(1, ...cases.map((c) => c.processes?.(args.sizes) ?? 1)));
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
    const meta = collectMeta(args.sizes, systems, await probe.version(), {
      harness: buildInfo(),
      workers: await pool.build(),
    });
    human.write(`${formatHeader(meta)}\n\n`);
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
        const partial: ResultsDocument = { meta, partial: true, cases: [...soFar] };
        await writeFile(join(out, 'results.json'), `${JSON.stringify(partial, null, 2)}\n`);
      },
    });
    const report = formatReport(meta, results);
    human.write(`\n${report.slice(formatHeader(meta).length).trimStart()}\n`);
    const document = toDocument(meta, results);
    if (args.json) process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    if (out) {
      await writeOutputs(out, document);
      human.write(`Wrote results.json, chart.svg, summary.md and report.txt into ${out}\n`);
    }
    return 0;
  } finally {
    await cleanup();
  }
}

/**
 * Runs the bench with these arguments and returns the exit code: 0 when done, 2 for a usage
 * error (its message on stderr), 1 for anything else (the stack on stderr).
 *
 * @example
 * process.exit(await runBench(['--quick']));
 */
export async function runBench(argv: readonly string[]): Promise<number> {
  try {
    return await main(argv);
  } catch (error) {
    if (error instanceof BenchUsageError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}
