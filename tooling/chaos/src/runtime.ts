/**
 * Which suite this process is: the built one (`dist/*.js` on the packages' `dist/`, what
 * `pnpm chaos` runs, as users run Conveyor) or the TypeScript sources through tsx (`pnpm
 * chaos:dev`, the tests). The processes it forks run the same way.
 */
import { fileURLToPath } from 'node:url';

const fromSource = import.meta.url.endsWith('.ts');

/** What the report says it ran. */
export const RUNS = fromSource
  ? 'the TypeScript sources through tsx (pnpm chaos:dev)'
  : 'the built packages (dist/)';

/** The path of the suite's module `name` (no extension) in this build. */
export function suiteModule(name: string): string {
  return fileURLToPath(new URL(`./${name}.${fromSource ? 'ts' : 'js'}`, import.meta.url));
}

/** Node flags for a forked process: tsx and the source condition for the sources, none for dist/. */
export const FORK_EXEC_ARGV: readonly string[] = fromSource
  ? ['--conditions=@conveyor/source', '--import', 'tsx']
  : [];
