// The published packages as the compat checks see them: their directories, their entry
// points (from package.json "exports") and whether their build is there.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const compatDir = fileURLToPath(new URL('..', import.meta.url));
export const fixturesDir = path.join(compatDir, 'fixtures');
const packagesDir = path.resolve(compatDir, '../../packages');

export interface PublishedPackage {
  readonly name: string;
  readonly dir: string;
  /** Import specifiers of its entry points: `@conveyor/core`, `@conveyor/core/testing`, … */
  readonly entries: readonly string[];
}

interface Manifest {
  name: string;
  private?: boolean;
  exports: Record<string, unknown>;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(file) : statSync(file).mtimeMs);
  }
  return newest;
}

/** Every non-private package under packages/, sorted by name. */
export function publishedPackages(): PublishedPackage[] {
  return readdirSync(packagesDir)
    .map((name) => path.join(packagesDir, name))
    .map((dir) => ({ dir, manifest: readManifest(dir) }))
    .filter(({ manifest }) => manifest && !manifest.private)
    .map(({ dir, manifest }) => {
      const { name, exports } = manifest as Manifest;
      const entries = Object.keys(exports)
        .filter((subpath) => subpath !== './package.json')
        .map((subpath) => (subpath === '.' ? name : `${name}/${subpath.slice(2)}`));
      return { name, dir, entries };
    })
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

function readManifest(dir: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

/**
 * Throws when a package has no build; warns when its src/ is newer than it. `pnpm test`
 * (turbo) builds the packages before these tests; a direct `vitest run` tests what is built.
 * Run once, by test/global-setup.ts.
 */
export function assertBuilt(packages: readonly PublishedPackage[]): void {
  for (const { name, dir } of packages) {
    const built = statSync(path.join(dir, 'dist', 'index.js'), { throwIfNoEntry: false });
    if (!built) {
      throw new Error(`${name} has no dist/index.js: run \`pnpm build\` first (pnpm test does).`);
    }
    if (newestMtime(path.join(dir, 'src')) > built.mtimeMs) {
      console.warn(`[compat] ${name}: src/ is newer than dist/; run \`pnpm build\` to test it.`);
    }
  }
}
