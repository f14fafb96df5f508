// The few tests that spawn `conveyor` run the built binary (dist/bin.js on the packages'
// dist/), as a user does: that catches what only a build breaks (bundling, what the build
// writes in, such as the version). The build is made here when a source file
// is newer than its package's build, so a stale dist is never what gets tested.
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { packageDir } from './helpers.js';

const packagesDir = path.resolve(packageDir, '..');
/** The CLI and the workspace packages its build loads. */
const BUILT = ['core', 'redis', 'worker', 'codegen', 'dashboard', 'cli'];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(file) : statSync(file).mtimeMs);
  }
  return newest;
}

function isStale(name: string): boolean {
  const dir = path.join(packagesDir, name);
  let built: number;
  try {
    built = statSync(path.join(dir, 'dist', 'index.js')).mtimeMs;
  } catch {
    return true;
  }
  return (
    newestMtime(path.join(dir, 'src')) > built ||
    statSync(path.join(dir, 'package.json')).mtimeMs > built
  );
}

/**
 * Builds the CLI and its workspace dependencies if any source is newer than its build. The
 * global setup (global-build.ts) calls it once per run; the lock directory keeps two runs
 * started at once (two `vitest` processes) from building over each other.
 */
export async function ensureBuilt(): Promise<void> {
  if (BUILT.every((name) => !isStale(name))) return;
  const lock = path.join(packageDir, '.tmp', 'build.lock');
  mkdirSync(path.dirname(lock), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another test file is building; a lock older than a build can take is left over.
      const since = statSync(lock, { throwIfNoEntry: false })?.mtimeMs;
      if (since !== undefined && Date.now() - since > BUILD_TIMEOUT_MS) {
        rmSync(lock, { recursive: true, force: true });
      }
      await sleep(200);
    }
  }
  try {
    await build();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

async function build(): Promise<void> {
  const stale = BUILT.filter(isStale);
  if (stale.length === 0) return;
  console.warn(
    `[cli tests] building dist/ for the spawn tests (newer sources in ${stale.join(', ')})`,
  );
  // Through turbo, whose cache answers at once when only mtimes changed.
  await promisify(execFile)(
    'pnpm',
    ['exec', 'turbo', 'run', 'build', '--filter=@conveyor/cli', '--output-logs=errors-only'],
    {
      cwd: packagesDir,
      maxBuffer: 64 * 1024 * 1024,
    },
  ).catch((error: { stdout?: string; stderr?: string }) => {
    throw new Error(
      `Building the CLI for the spawn tests failed (stale: ${stale.join(', ')}):\n${error.stderr ?? ''}\n${error.stdout ?? ''}`,
    );
  });
}

/** How long `ensureBuilt` may take on a loaded machine (tsup with declarations, five packages). */
const BUILD_TIMEOUT_MS = 180_000;
