#!/usr/bin/env node
// The `conveyor` command. An installed package runs its build (dist/bin.js). A workspace
// checkout that has not been built runs the TypeScript sources instead, resolving the
// workspace packages to their src/ through the `@conveyor/source` condition, so that
// `pnpm --filter @conveyor/cli conveyor …` works right after `pnpm install`.
import { existsSync } from 'node:fs';
import { register } from 'node:module';

const built = new URL('../dist/bin.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  register('./source-condition.js', import.meta.url);
  const { register: registerTsx } = await import('tsx/esm/api');
  registerTsx();
  await import(new URL('../src/bin.ts', import.meta.url).href);
}
