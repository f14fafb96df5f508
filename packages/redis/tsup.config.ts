import { cp } from 'node:fs/promises';
import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // The Lua scripts are read at run time from `./scripts/` next to the module that
  // loads them: src/scripts.ts from source, dist/index.js once bundled.
  async onSuccess() {
    await cp('src/scripts', 'dist/scripts', { recursive: true });
  },
});
