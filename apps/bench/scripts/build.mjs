/**
 * Builds the harness into dist/: `dist/cli.js` (what `pnpm bench` runs) and
 * `dist/worker-host.js` (what its worker processes run), from the built packages
 * (@conveyor/test-redis/bundle-harness says how).
 */
import { fileURLToPath } from 'node:url';
import { bundleHarness } from '@conveyor/test-redis/bundle-harness';

await bundleHarness(fileURLToPath(new URL('..', import.meta.url)), [
  'src/cli.ts',
  'src/worker-host.ts',
]);
