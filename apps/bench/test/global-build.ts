// Vitest global setup: the smoke test runs the built harness (dist/cli.js on the packages'
// dist/), what `pnpm bench` runs. It is built here, once before any test file runs, when a
// source of the harness or of a package it loads is newer than its build.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from '@conveyor/vitest-config/built';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const packagesDir = path.resolve(packageDir, '../../packages');
const testRedisDir = path.resolve(packageDir, '../../tooling/test-redis');

export async function setup(): Promise<void> {
  await ensureBuilt({
    who: 'bench tests',
    filter: '@conveyor/bench',
    packages: [
      { dir: packageDir, built: 'dist/cli.js' },
      // Bundled into dist/cli.js, with no build of its own.
      {
        dir: testRedisDir,
        built: path.relative(testRedisDir, path.join(packageDir, 'dist/cli.js')),
      },
      ...['core', 'redis', 'worker', 'dashboard'].map((name) => ({
        dir: path.join(packagesDir, name),
      })),
    ],
    // The repository's: the CLI's tests build the same packages, and may at the same time.
    lockDir: path.join(packagesDir, '..', '.tmp'),
  });
}
