import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'driver/index': 'src/driver/index.ts',
    'testing/index': 'src/testing/index.ts',
    'testing/clock': 'src/testing/clock.ts',
    'worker/index': 'src/worker/index.ts',
  },
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  external: ['vitest'],
});
