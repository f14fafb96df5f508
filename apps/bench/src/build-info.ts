/**
 * Which Conveyor a process runs: the built packages (`dist/`, what users install) or the
 * TypeScript sources through tsx (`pnpm bench:dev`). Read from where Node actually resolves
 * each package, not from how the command was typed.
 */
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export type BuildMode = 'dist' | 'source' | 'mixed';

export interface BuildInfo {
  mode: BuildMode;
  /** The running script, relative to the repository root (`apps/bench/dist/cli.js`). */
  entry: string;
  /** Each Conveyor package's resolved entry, relative to the repository root. */
  modules: Record<string, string>;
  /** Packages run from a `dist/` older than a file of their `src/` (built before a change). */
  stale: string[];
}

/** The newest modification time of any file under `dir`, in ms. */
function newestIn(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Whether a built entry (`packages/x/dist/index.js`) is older than its package's sources. */
function isStale(entry: string): boolean {
  const dist = dirname(entry);
  if (!dist.endsWith('/dist')) return false;
  try {
    return newestIn(join(dirname(dist), 'src')) > statSync(entry).mtimeMs;
  } catch {
    return false;
  }
}

const PACKAGES = ['@conveyor/core', '@conveyor/redis', '@conveyor/worker'] as const;
const root = fileURLToPath(new URL('../../../', import.meta.url));

export function buildInfo(): BuildInfo {
  const modules: Record<string, string> = {};
  const stale: string[] = [];
  for (const name of PACKAGES) {
    const entry = fileURLToPath(import.meta.resolve(name));
    modules[name] = relative(root, entry);
    if (isStale(entry)) stale.push(name);
  }
  const paths = Object.values(modules);
  const mode: BuildMode = paths.every((path) => path.includes('/dist/'))
    ? 'dist'
    : paths.every((path) => path.includes('/src/'))
      ? 'source'
      : 'mixed';
  return { mode, entry: relative(root, process.argv[1] ?? ''), modules, stale };
}

/** One line for the report: what ran, and where the packages came from. */
export function describeBuild(harness: BuildInfo, workers: BuildInfo): string {
  const what =
    harness.mode === 'dist' && workers.mode === 'dist'
      ? 'the built packages (dist/, as installed by users; `pnpm bench` builds them first)'
      : harness.mode === 'source' && workers.mode === 'source'
        ? 'the TypeScript sources through tsx (`pnpm bench:dev`, a developer run: not what users run)'
        : 'a MIX of built packages and sources (see the paths)';
  const paths = (info: BuildInfo) =>
    `${info.entry}; ${Object.entries(info.modules)
      .map(([name, path]) => `${name.replace('@conveyor/', '')} → ${path}`)
      .join(', ')}`;
  const stale = [...new Set([...harness.stale, ...(workers.stale ?? [])])];
  const warning =
    stale.length === 0
      ? ''
      : `. STALE: ${stale.join(', ')} changed after its dist/ was built (pnpm bench:run does not build; pnpm bench does)`;
  return `${what}. Harness: ${paths(harness)}. Worker processes: ${paths(workers)}${warning}`;
}
