/**
 * Which Conveyor a process runs: the built packages (`dist/`, what users install) or the
 * TypeScript sources through tsx (`pnpm bench:dev`). Read from where Node actually resolves
 * each package, not from how the command was typed.
 */
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export type BuildMode = 'dist' | 'source' | 'mixed';

export interface BuildInfo {
  mode: BuildMode;
  /** The running script, relative to the repository root (`apps/bench/dist/cli.js`). */
  entry: string;
  /** Each Conveyor package's resolved entry, relative to the repository root. */
  modules: Record<string, string>;
}

const PACKAGES = ['@conveyor/core', '@conveyor/redis', '@conveyor/worker'] as const;
const root = fileURLToPath(new URL('../../../', import.meta.url));

export function buildInfo(): BuildInfo {
  const modules: Record<string, string> = {};
  for (const name of PACKAGES) {
    modules[name] = relative(root, fileURLToPath(import.meta.resolve(name)));
  }
  const paths = Object.values(modules);
  const mode: BuildMode = paths.every((path) => path.includes('/dist/'))
    ? 'dist'
    : paths.every((path) => path.includes('/src/'))
      ? 'source'
      : 'mixed';
  return { mode, entry: relative(root, process.argv[1] ?? ''), modules };
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
  return `${what}. Harness: ${paths(harness)}. Worker processes: ${paths(workers)}`;
}
