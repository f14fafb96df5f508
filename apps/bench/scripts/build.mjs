/**
 * Builds the harness into dist/: `dist/cli.js` (what `pnpm bench` runs) and
 * `dist/worker-host.js` (what its worker processes run). Conveyor's packages stay imports,
 * so Node resolves them to their built `dist/` as it does for a user; only
 * `@conveyor/test-redis`, a workspace helper with no build of its own, is bundled in.
 *
 * esbuild is the one tsx brings (tsx is already a dependency of the bench, for
 * `pnpm bench:dev`), so the build adds no dependency.
 */
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const esbuild = createRequire(require.resolve('tsx'))('esbuild');
const packageDir = fileURLToPath(new URL('..', import.meta.url));

await rm(new URL('../dist', import.meta.url), { recursive: true, force: true });
await esbuild.build({
  absWorkingDir: packageDir,
  entryPoints: ['src/cli.ts', 'src/worker-host.ts'],
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  // Every installed package stays external (resolved at run time, from dist/), except the helper.
  packages: 'external',
  plugins: [
    {
      name: 'bundle-test-redis',
      setup(build) {
        build.onResolve({ filter: /^@conveyor\/test-redis$/ }, () => ({
          path: fileURLToPath(new URL('../../../tooling/test-redis/src/index.ts', import.meta.url)),
        }));
      },
    },
  ],
  logLevel: 'warning',
});
