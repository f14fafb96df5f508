// A producer and a worker bundled with esbuild, every dependency inlined (as for serverless
// and container deploys), in ESM and in CommonJS, run from a temporary directory with no
// node_modules above it against a private Redis: the jobs complete, and a sandbox fails
// with SANDBOX_UNAVAILABLE at createWorker instead of a child that cannot start.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compatDir, fixturesDir } from './packages.js';

const bundleFixtures = path.join(fixturesDir, 'bundle');
const JOBS = 20;

/**
 * What an ESM bundle needs whatever it holds: ioredis, pino and prom-client are CommonJS,
 * and their require() of Node's own modules has no `require` in ESM without this banner
 * (esbuild then throws "Dynamic require of "events" is not supported").
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

let redis: RedisServer;
let outDir: string;

beforeAll(async () => {
  outDir = mkdtempSync(path.join(tmpdir(), 'conveyor-bundle-'));
  redis = await startRedis();
});

afterAll(async () => {
  await redis?.stop();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

/**
 * Imports a bundle leaves to Node: only Node's own modules may remain, and `supports-color`,
 * which `debug` (under ioredis) requires inside a try block, as optional.
 */
function leftImports(metafile: Metafile | undefined): string[] {
  const allowed = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
  allowed.add('supports-color');
  return Object.values(metafile?.outputs ?? {})
    .flatMap((output) => output.imports)
    .map((imported) => imported.path)
    .filter((imported) => !allowed.has(imported));
}

describe('bundled with esbuild', () => {
  it('a producer and a worker run from a temporary directory, ESM and CommonJS', async () => {
    for (const format of ['esm', 'cjs'] as const) {
      const { metafile } = await build({
        absWorkingDir: compatDir,
        entryPoints: [
          path.join(bundleFixtures, 'producer.ts'),
          path.join(bundleFixtures, 'worker.ts'),
        ],
        bundle: true,
        platform: 'node',
        format,
        target: 'node20',
        outdir: outDir,
        outExtension: { '.js': format === 'esm' ? '.mjs' : '.cjs' },
        banner: format === 'esm' ? { js: ESM_REQUIRE_BANNER } : {},
        metafile: true,
        logLevel: 'silent',
      });
      expect(leftImports(metafile), `${format} bundle imports`).toEqual([]);
    }
    copyFileSync(path.join(bundleFixtures, 'run.mjs'), path.join(outDir, 'run.mjs'));

    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['run.mjs', redis.url, String(JOBS)],
      { cwd: outDir, env: { ...process.env, NODE_OPTIONS: '' }, timeout: 120_000 },
    );
    const report = JSON.parse(stdout) as Record<
      string,
      { sums?: number[]; sandbox?: string; error?: string }
    >;
    const sums = Array.from({ length: JOBS }, (_, i) => i + 1);
    const expected = { sums, sandbox: 'SANDBOX_UNAVAILABLE' };
    // Both formats in one comparison: a failure shows what each did (an error's stack).
    expect(report).toEqual({ esm: expected, cjs: expected });
    // Two bundles and two runs of 120 s at most each: 60 s (the default) ran out once in CI
    // beside the other suites on 2 cores.
  }, 300_000);
});
