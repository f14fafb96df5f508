/**
 * Builds the fault-injection suite into dist/, so that `pnpm chaos` faults what users run: the
 * built packages. Three entries: `dist/cli.js` (the harness), `dist/worker-process.js` (each
 * worker process it forks) and `dist/sandbox-tasks.js` (the module the sandboxed poison task's
 * children load). Conveyor's packages stay imports, resolved by Node to their `dist/`; only
 * `@conveyor/test-redis`, a workspace helper without a build, is bundled in.
 *
 * The esbuild is tsx's (a dependency already, for `pnpm chaos:dev` and the tests).
 */
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const fromTsx = createRequire(createRequire(import.meta.url).resolve('tsx'));
const { build } = fromTsx('esbuild');
const here = (path) => fileURLToPath(new URL(path, import.meta.url));

await rm(here('../dist'), { recursive: true, force: true });
await build({
  absWorkingDir: here('..'),
  entryPoints: ['src/cli.ts', 'src/worker-process.ts', 'src/sandbox-tasks.ts'],
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  packages: 'external',
  plugins: [
    {
      name: 'inline-test-redis',
      setup(esbuild) {
        const helper = here('../../test-redis/src/index.ts');
        esbuild.onResolve({ filter: /^@conveyor\/test-redis$/ }, () => ({ path: helper }));
      },
    },
  ],
  logLevel: 'warning',
});
