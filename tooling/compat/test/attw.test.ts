// arethetypeswrong (the library behind `attw --pack`) on each package's package.json and
// dist/: for every entry point, under node10, node16 (CommonJS and ESM) and bundler
// resolution, the types must be found, match the JavaScript's module format, and resolve
// their own imports.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { checkPackage, Package, type Problem } from '@arethetypeswrong/core';
import { problemKindInfo } from '@arethetypeswrong/core/problems';
import { describe, expect, it } from 'vitest';
import { publishedPackages } from './packages.js';

const packages = publishedPackages();

/**
 * Ignored: `CJSResolvesToESM` ("a require() from CommonJS under node16 gets ESM"). The
 * packages are ESM only on purpose (docs/modules.md): Node 20.19+, the oldest Node we
 * support, loads them with require(), and TypeScript models that under module node20 and
 * nodenext. A second, CommonJS build would give two copies of each package, whose error
 * classes fail `instanceof` across them. Every other problem kind fails the test, also
 * under node10 (`attw --profile esm-only` would ignore node10 too).
 */
const IGNORED: ReadonlySet<Problem['kind']> = new Set(['CJSResolvesToESM']);

/** The files a tarball would hold for the types check: package.json and dist/. */
function packageFiles(dir: string, name: string): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  const add = (relative: string) => {
    files[`/node_modules/${name}/${relative}`] = readFileSync(path.join(dir, relative));
  };
  add('package.json');
  for (const entry of readdirSync(path.join(dir, 'dist'), {
    recursive: true,
    withFileTypes: true,
  })) {
    if (entry.isFile()) add(path.relative(dir, path.join(entry.parentPath, entry.name)));
  }
  return files;
}

describe('arethetypeswrong', () => {
  it.each(packages.map((p) => [p.name, p] as const))('%s has no problem', async (_, pkg) => {
    const manifest = JSON.parse(readFileSync(path.join(pkg.dir, 'package.json'), 'utf8')) as {
      version: string;
    };
    const result = await checkPackage(
      new Package(packageFiles(pkg.dir, pkg.name), pkg.name, manifest.version),
    );
    expect(result.types, `${pkg.name} ships no types`).not.toBe(false);
    if (result.types === false) return;
    const subpaths = pkg.entries.map((entry) => `.${entry.slice(pkg.name.length)}`);
    expect(Object.keys(result.entrypoints)).toEqual(expect.arrayContaining(subpaths));
    const problems = result.problems
      .filter((problem) => !IGNORED.has(problem.kind))
      .map((problem) => `${problemKindInfo[problem.kind].title}: ${JSON.stringify(problem)}`);
    expect(problems).toEqual([]);
  });
});
