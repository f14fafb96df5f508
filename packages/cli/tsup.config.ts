import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

export default defineConfig({
  // `bin` is what bin/conveyor.js runs; `index` is the programmatic API (runCli).
  entry: { index: 'src/index.ts', bin: 'src/bin.ts' },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts' } },
  clean: true,
  sourcemap: true,
  target: 'node20',
  // The version is written into the build, so that runCli bundled into an app (where no
  // package.json sits beside it) still knows it; src/version.ts reads it from source.
  define: { __CONVEYOR_CLI_VERSION__: JSON.stringify(version) },
});
