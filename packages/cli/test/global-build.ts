// Vitest global setup: the few tests that spawn `conveyor` run the built binary (dist/bin.js
// on the packages' dist/), as a user does: that catches what only a build breaks (bundling,
// what the build writes in, such as the version). dist/ is built here, once before any test
// file runs, when a source is newer than its package's build.
import path from 'node:path';
import { ensureBuilt } from '@conveyor/vitest-config/built';
import { packageDir } from './helpers.js';

/** The CLI and the workspace packages its build loads. */
const BUILT = ['core', 'redis', 'worker', 'codegen', 'dashboard', 'cli'];

export async function setup(): Promise<void> {
  const packagesDir = path.resolve(packageDir, '..');
  await ensureBuilt({
    who: 'cli tests',
    filter: '@conveyor/cli',
    packages: BUILT.map((name) => ({ dir: path.join(packagesDir, name) })),
    // The repository's: the bench's tests build the same packages, and may at the same time.
    lockDir: path.join(packagesDir, '..', '.tmp'),
  });
}
