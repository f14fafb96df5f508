/**
 * Builds the fault-injection suite into dist/, so that `pnpm chaos` faults what users run: the
 * built packages (@conveyor/test-redis/bundle-harness says how). Three entries: `dist/cli.js`
 * (the harness), `dist/worker-process.js` (each worker process it forks) and
 * `dist/sandbox-tasks.js` (the module the sandboxed poison task's children load).
 */
import { fileURLToPath } from 'node:url';
import { bundleHarness } from '@conveyor/test-redis/bundle-harness';

await bundleHarness(fileURLToPath(new URL('..', import.meta.url)), [
  'src/cli.ts',
  'src/worker-process.ts',
  'src/sandbox-tasks.ts',
]);
