/**
 * Builds a harness that runs Conveyor's built packages (the bench's, the fault-injection
 * suite's) into its `dist/`, one ESM file per entry point. Conveyor's packages stay imports,
 * so Node resolves them to their built `dist/` as it does for a user; only this helper
 * (`@conveyor/test-redis`), which has no build of its own, is bundled in.
 *
 * The esbuild is the one tsx brings: both harnesses depend on tsx already (for their
 * `:dev` scripts that run the sources), so the build adds no dependency.
 */
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const helper = fileURLToPath(new URL('./src/index.ts', import.meta.url));

/**
 * @param {string} packageDir the harness package's directory (its `dist/` is replaced)
 * @param {string[]} entryPoints source files, relative to packageDir
 */
export async function bundleHarness(packageDir, entryPoints) {
  // tsx resolved from the harness, whose dependency it is; esbuild from tsx.
  const tsx = createRequire(join(packageDir, 'package.json')).resolve('tsx');
  const esbuild = createRequire(tsx)('esbuild');
  await rm(join(packageDir, 'dist'), { recursive: true, force: true });
  await esbuild.build({
    absWorkingDir: packageDir,
    entryPoints,
    outdir: 'dist',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    // Every installed package stays external (resolved at run time, from dist/), but this one.
    packages: 'external',
    plugins: [
      {
        name: 'bundle-test-redis',
        setup(build) {
          build.onResolve({ filter: /^@conveyor\/test-redis$/ }, () => ({ path: helper }));
        },
      },
    ],
    logLevel: 'warning',
  });
}
