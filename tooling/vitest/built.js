// For the tests that spawn what users run (a package's built `dist/`): builds it first when a
// source is newer than its build, so a stale dist/ is never what gets tested. Called from a
// Vitest global setup, once per run and before any test file: a build started by one file
// while another file's child was loading dist/ (tsup empties it first) failed that child.
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

/** How long a build may take on a loaded machine (tsup with declarations, several packages). */
const BUILD_TIMEOUT_MS = 180_000;

/** @param {string} dir */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(file) : statSync(file).mtimeMs);
  }
  return newest;
}

/** @param {{ dir: string, built?: string }} pkg */
function isStale({ dir, built = 'dist/index.js' }) {
  let builtAt;
  try {
    builtAt = statSync(path.join(dir, built)).mtimeMs;
  } catch {
    return true;
  }
  return (
    newestMtime(path.join(dir, 'src')) > builtAt ||
    statSync(path.join(dir, 'package.json')).mtimeMs > builtAt
  );
}

/**
 * Runs `turbo run build --filter=<filter>` when any of `packages` has a source (or package.json)
 * newer than its built file. A lock directory under `lockDir` keeps two runs started at once
 * (two `vitest` processes) from building over each other.
 *
 * @param {{
 *   who: string,
 *   filter: string,
 *   packages: { dir: string, built?: string }[],
 *   lockDir: string,
 * }} options `who` names the tests for the messages; `built` is relative to `dir`
 *   (default `dist/index.js`).
 * @returns {Promise<void>}
 */
export async function ensureBuilt({ who, filter, packages, lockDir }) {
  if (!packages.some(isStale)) return;
  const lock = path.join(lockDir, 'build.lock');
  mkdirSync(lockDir, { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another run is building; a lock older than a build can take is left over.
      const since = statSync(lock, { throwIfNoEntry: false })?.mtimeMs;
      if (since !== undefined && Date.now() - since > BUILD_TIMEOUT_MS) {
        rmSync(lock, { recursive: true, force: true });
      }
      await sleep(200);
    }
  }
  try {
    const stale = packages.filter(isStale).map(({ dir }) => path.basename(dir));
    if (stale.length === 0) return;
    console.warn(`[${who}] building dist/ first (newer sources in ${stale.join(', ')})`);
    // Through turbo, whose cache answers at once when only mtimes changed.
    await promisify(execFile)(
      'pnpm',
      ['exec', 'turbo', 'run', 'build', `--filter=${filter}`, '--output-logs=errors-only'],
      { cwd: packages[0]?.dir, maxBuffer: 64 * 1024 * 1024, timeout: BUILD_TIMEOUT_MS },
    ).catch((/** @type {{ stdout?: string, stderr?: string }} */ error) => {
      throw new Error(
        `${who}: building ${filter} failed (stale: ${stale.join(', ')}):\n${error.stderr ?? ''}\n${error.stdout ?? ''}`,
      );
    });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
