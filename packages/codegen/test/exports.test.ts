import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as config from '../src/config-entry.js';
import * as root from '../src/index.js';

const src = fileURLToPath(new URL('../src/', import.meta.url));

/** Every module `file` imports statically (not `import()`), followed through relative imports. */
function staticImports(file: string, seen = new Set<string>()): Set<string> {
  const text = readFileSync(file, 'utf8');
  for (const [, typeOnly, specifier] of text.matchAll(
    /^(?:import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)'/gms,
  )) {
    if (!specifier || typeOnly) continue;
    if (!specifier.startsWith('.')) {
      seen.add(specifier);
      continue;
    }
    const target = path.resolve(path.dirname(file), specifier.replace(/\.js$/, '.ts'));
    if (seen.has(target)) continue;
    seen.add(target);
    staticImports(target, seen);
  }
  return seen;
}

describe('public surface', () => {
  it('the root entry exports these names, and no help text (the CLI owns it)', () => {
    expect(Object.keys(root).sort()).toEqual([
      'CONFIG_FILE_NAMES',
      'CodegenDiagnosticsError',
      'CodegenError',
      'assertConfigKeys',
      'checkGenerated',
      'createGenerator',
      'defineConfig',
      'findConfigFile',
      'formatDiagnostic',
      'generate',
      'importConfig',
      'loadConfig',
      'resolveConfig',
      'staleTaskFiles',
      'watchGenerate',
    ]);
  });

  it('@conveyor/codegen/config exports the config API, the same functions as the root', () => {
    expect(Object.keys(config).sort()).toEqual([
      'CONFIG_FILE_NAMES',
      'CodegenError',
      'assertConfigKeys',
      'defineConfig',
      'findConfigFile',
      'importConfig',
      'loadConfig',
      'resolveConfig',
      'staleTaskFiles',
    ]);
    expect(config.defineConfig).toBe(root.defineConfig);
    expect(config.assertConfigKeys).toBe(root.assertConfigKeys);
  });

  it('@conveyor/codegen/config loads no package (no TypeScript compiler): the CLI runs configs that import it', () => {
    const imported = [...staticImports(path.join(src, 'config-entry.ts'))];
    expect(imported.filter((name) => !name.startsWith('/') && !name.startsWith('node:'))).toEqual(
      [],
    );
    // The sanity check of the walk itself: the root entry does reach ts-morph.
    expect(staticImports(path.join(src, 'index.ts'))).toContain('ts-morph');
  });
});
