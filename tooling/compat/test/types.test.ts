// TypeScript users under every moduleResolution: one `tsc -b` over the fixture projects in
// fixtures/types, which import every entry point of every package from its dist/ (.d.ts),
// through compat's workspace links, as an installed package is imported.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fixturesDir, publishedPackages } from './packages.js';

const typesDir = path.join(fixturesDir, 'types');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const packages = publishedPackages();

describe('TypeScript consumers', () => {
  it('consumer.ts imports every entry point, and consumer.cts is the same file', () => {
    const source = readFileSync(path.join(typesDir, 'consumer.ts'), 'utf8');
    const imported = [...source.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]);
    expect(imported.sort()).toEqual(packages.flatMap((p) => p.entries).sort());
    expect(readFileSync(path.join(typesDir, 'consumer.cts'), 'utf8')).toBe(source);
  });

  it('compiles under node10 (module commonjs), node16, node20, nodenext and bundler', async () => {
    const projects = readdirSync(typesDir)
      .filter((file) => /^tsconfig\..+\.json$/.test(file))
      .sort();
    expect(projects).toEqual([
      'tsconfig.bundler.json',
      'tsconfig.node10.json',
      'tsconfig.node16.json',
      'tsconfig.node20.json',
      'tsconfig.nodenext.json',
    ]);
    // --force: check every project on every run (a build info file from an earlier run
    // would skip a project whose own files did not change, though the packages did).
    const result = await promisify(execFile)(
      process.execPath,
      [tsc, '-b', '--force', '--pretty', 'false', ...projects],
      { cwd: typesDir },
    ).then(
      () => '',
      (error: { stdout?: string; message: string }) => error.stdout || error.message,
    );
    expect(result, 'tsc -b reported errors').toBe('');
    // Five full type checks in one process: about 20 s idle, several times that on a
    // loaded two-core machine. A limit, not a measurement.
  }, 240_000);
});
