/** Command-line options of `pnpm chaos`. */
export interface ChaosArgs {
  quick: boolean;
  json: boolean;
  help: boolean;
  list: boolean;
  keep: boolean;
  /** Known issues (src/known-issues.ts) count as broken bounds. */
  strict: boolean;
  /** Scenario names to run; empty means all. */
  scenarios: string[];
}

export class ChaosUsageError extends Error {
  readonly code = 'CHAOS_USAGE';
  override name = 'ChaosUsageError';
}

export const HELP = `pnpm chaos [options]

Fault-injection suite: runs each scenario against private redis-server processes and
real worker processes, counts lost, duplicated and unexpected jobs against an external
ledger, and exits 1 when any bound is broken.

Options:
  --quick                 reduced version of every scenario (CI, under 3 minutes)
  --scenarios a,b,…       run only these scenarios (see --list)
  --list                  print the scenario names and exit
  --json                  print the results as JSON on stdout (progress stays on stderr)
  --strict                known issues (src/known-issues.ts) fail the run too
  --keep                  keep the ledger and worker logs (their directory is printed)
  -h, --help              this help

Examples:
  pnpm chaos --quick
  pnpm -s chaos --scenarios kill-workers,redis-restart-always --json > results.json
`;

/** Parses argv (without node and the script); throws {@link ChaosUsageError} on bad input. */
export function parseArgs(argv: readonly string[], known: readonly string[]): ChaosArgs {
  const args: ChaosArgs = {
    quick: false,
    json: false,
    help: false,
    list: false,
    keep: false,
    strict: false,
    scenarios: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=') ? arg.split('=', 2) : [arg, undefined];
    switch (flag) {
      case '--quick':
        args.quick = true;
        break;
      case '--json':
        args.json = true;
        break;
      case '--strict':
        args.strict = true;
        break;
      case '--keep':
        args.keep = true;
        break;
      case '--list':
        args.list = true;
        break;
      case '-h':
      case '--help':
        args.help = true;
        break;
      case '--scenarios': {
        const value = inline ?? argv[++i];
        if (!value || value.startsWith('--')) {
          throw new ChaosUsageError(
            `--scenarios needs a comma-separated list, e.g. --scenarios ${known[0]}`,
          );
        }
        for (const name of value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)) {
          if (!known.includes(name)) {
            throw new ChaosUsageError(`Unknown scenario "${name}". Known: ${known.join(', ')}.`);
          }
          args.scenarios.push(name);
        }
        break;
      }
      case '--':
        break;
      default:
        throw new ChaosUsageError(
          `Unknown option "${arg}". Run pnpm chaos --help for the options.`,
        );
    }
  }
  return args;
}
