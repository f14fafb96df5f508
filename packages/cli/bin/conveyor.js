#!/usr/bin/env node
// The `conveyor` command. The published package runs its build (dist/bin.js). Inside the
// Conveyor workspace (recognised by tsconfig.json, which is never published) it runs the
// TypeScript sources, resolving workspace packages to their src/ through the
// `@conveyor/source` condition: no build needed, and never a stale one.
import { existsSync } from 'node:fs';
import { register } from 'node:module';

const inWorkspace = existsSync(new URL('../tsconfig.json', import.meta.url));
if (!inWorkspace) {
  await import(new URL('../dist/bin.js', import.meta.url).href);
} else {
  register('./source-condition.js', import.meta.url);
  const { register: registerTsx } = await import('tsx/esm/api');
  registerTsx();
  await import(new URL('../src/bin.ts', import.meta.url).href);
}
