import { defineConfig } from 'tsup';

export default defineConfig({
  // `bin` is what bin/conveyor.js runs; `index` is the programmatic API (runCli).
  entry: { index: 'src/index.ts', bin: 'src/bin.ts' },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts' } },
  clean: true,
  sourcemap: true,
  target: 'node20',
});
