import { FULL, QUICK, type Sizes, TINY } from './plan.js';
import type { SystemName } from './systems/types.js';

/** A bad command line. `code` is stable; the message quotes the value and says what to do. */
export class BenchUsageError extends Error {
  readonly code = 'BENCH_USAGE';
  constructor(message: string) {
    super(`[bench] ${message} (see pnpm bench --help)`);
    this.name = 'BenchUsageError';
  }
}

export interface BenchArgs {
  help: boolean;
  sizes: Sizes;
  cases: string[];
  systems: SystemName[];
  json: boolean;
  /** Where results.json and chart.svg go; undefined writes nothing. */
  out: string | undefined;
  /** Writes to the default docs/benchmarks/ (the full set does unless --no-write). */
  writeDocs: boolean;
  /** Re-renders a saved results.json instead of running anything. */
  from: string | undefined;
}

export const HELP = `Usage: pnpm bench [options]

Runs Conveyor, BullMQ and Bee-Queue side by side on a private redis-server that the
harness starts (never the shared one), and prints a table per case.

Options:
  --quick            Reduced sizes, 2 runs (1 for the heavy cases); under 60 s.
  --tiny             Minimal sizes, 1 run; for the smoke test.
  --cases LIST       Comma-separated case ids, id prefixes or issue numbers, e.g.
                     --cases process-c50,latency or --cases scale or --cases 1,2.
                     Cases: enqueue-single enqueue-bulk process-c1 process-c50 latency
                     memory depth-shallow depth-deep delayed retry scale-1 scale-2 scale-4
                     dashboard (Conveyor only: the dashboard's reads over 1,000,000 jobs)
                     schedules (Conveyor and BullMQ: 10,000 schedules due at one instant,
                     time until all have run and Redis CPU per fire)
                     flow (Conveyor and BullMQ: one parent with 10,000 children, time
                     from the start to the parent's completion)
                     cluster-1 cluster-3 (--cases cluster: one queue on a private local
                     3-master Redis Cluster, in one slot (Conveyor and BullMQ) and in 3
                     partitions (Conveyor); Redis CPU per job of each master)
  --systems LIST     Subset of conveyor,bullmq,bee-queue (default: all three).
  --runs N           Runs per system for every case (overrides the preset).
  --json             Print the results as JSON on stdout (tables and progress go to stderr).
  --out DIR          Write results.json and chart.svg into DIR.
  --no-write         The full set writes docs/benchmarks/ by default; this skips it.
  --from FILE        Run nothing: print the tables of a saved results.json and write its
                     chart.svg, summary.md and report.txt again (into --out or beside FILE).
  --help             Show this help.

Without --quick or --tiny the full set runs (1,000,000-job depth case, 100,000 delayed
jobs) and writes results.json, chart.svg, summary.md and report.txt into docs/benchmarks/.
The recorded full runs took 9 to 16 minutes on idle 2-core VMs (16 since the scale-out cases
warm every timed run), and 40 on a busy one.
Results are saved after every case, so an interrupted run keeps what it measured.
`;

const SYSTEM_NAMES: readonly SystemName[] = ['conveyor', 'bullmq', 'bee-queue'];

function list(value: string | undefined, flag: string): string[] {
  if (value === undefined || value.startsWith('--')) {
    throw new BenchUsageError(`${flag} needs a value, e.g. ${flag} a,b`);
  }
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

export function parseArgs(argv: readonly string[]): BenchArgs {
  let preset: Sizes = FULL;
  let runs: number | undefined;
  const args: BenchArgs = {
    help: false,
    sizes: FULL,
    cases: [],
    systems: [...SYSTEM_NAMES],
    json: false,
    out: undefined,
    writeDocs: true,
    from: undefined,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    switch (flag) {
      case '--':
        break;
      case '--help':
      case '-h':
        args.help = true;
        break;
      case '--quick':
        preset = QUICK;
        break;
      case '--tiny':
        preset = TINY;
        break;
      case '--json':
        args.json = true;
        break;
      case '--no-write':
        args.writeDocs = false;
        break;
      case '--cases':
        args.cases = list(argv[++i], flag);
        break;
      case '--systems': {
        const names = list(argv[++i], flag);
        for (const name of names) {
          if (!SYSTEM_NAMES.includes(name as SystemName)) {
            throw new BenchUsageError(`unknown system "${name}"; use ${SYSTEM_NAMES.join(', ')}`);
          }
        }
        args.systems = SYSTEM_NAMES.filter((name) => names.includes(name));
        break;
      }
      case '--runs': {
        const value = argv[++i];
        runs = Number(value);
        if (!Number.isInteger(runs) || runs < 1 || runs > 50) {
          throw new BenchUsageError(`--runs "${value}" is not an integer from 1 to 50`);
        }
        break;
      }
      case '--out': {
        const value = argv[++i];
        if (value === undefined || value.startsWith('--')) {
          throw new BenchUsageError('--out needs a directory, e.g. --out /tmp/bench');
        }
        args.out = value;
        break;
      }
      case '--from': {
        const value = argv[++i];
        if (value === undefined || value.startsWith('--')) {
          throw new BenchUsageError(
            '--from needs a results.json file, e.g. --from docs/benchmarks/results.json',
          );
        }
        args.from = value;
        break;
      }
      default:
        throw new BenchUsageError(`unknown option "${flag}"`);
    }
  }
  args.sizes = runs === undefined ? preset : { ...preset, runs, heavyRuns: runs };
  // Only a full run goes into the docs by default.
  if (preset !== FULL) args.writeDocs = false;
  return args;
}
