import { existsSync } from 'node:fs';
import path from 'node:path';
import { ts } from 'ts-morph';
import type { SchemaProblem } from './schema-closure.js';
import { positionOf } from './scope.js';

/** Finds the file an import names, as the project's TypeScript does (tsconfig `paths`, packages). */
export interface ModuleResolver {
  /** Absolute path of the file `specifier` names from `fromFile`; undefined when none does. */
  resolve(specifier: string, fromFile: string): string | undefined;
  /** `file` relative to the config's root, `/`-separated, for messages. */
  relative(file: string): string;
}

/** What an import a schema uses turns out to be. */
export type ImportTarget =
  /** zod: the generated client imports it as written. */
  | { readonly kind: 'library' }
  /** A `*.schema.ts` source module: the generated client imports it. */
  | { readonly kind: 'schema-module'; readonly file: string }
  /** A built module (`dist/order.schema.d.ts`): its source cannot be checked or fingerprinted. */
  | { readonly kind: 'declaration'; readonly file: string }
  /** Anything else: implementation code, or a package that is not a schema module. */
  | { readonly kind: 'other'; readonly file: string }
  | { readonly kind: 'unresolved' };

/** Modules a copied schema may import: the schema library itself. */
export function isSchemaLibrary(specifier: string): boolean {
  return specifier === 'zod' || specifier.startsWith('zod/');
}

/** True for `*.schema.ts` (and .mts/.cts/.js/.mjs/.cjs) file names. */
export function isSchemaModuleFile(file: string): boolean {
  return /\.schema\.([mc]?ts|[mc]?js)$/.test(file);
}

/** True for a bare specifier (a package or a tsconfig `paths` alias), not a relative path. */
export function isBareSpecifier(specifier: string): boolean {
  return !specifier.startsWith('.') && !path.isAbsolute(specifier);
}

/** Resolves a relative specifier to a file on disk the way TS does for ESM sources. */
export function resolveRelative(fromFile: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(fromFile), specifier);
  const stem = base.replace(/\.([mc]?js|jsx)$/, '');
  // `./a.mjs` names a.mts and `./a.cjs` a.cts, as TypeScript resolves them.
  const flavour = /\.([mc])js$/.exec(base)?.[1];
  const candidates = [
    base,
    ...(flavour ? [`${stem}.${flavour}ts`] : [`${stem}.ts`, `${stem}.tsx`]),
    `${base}.ts`,
    `${base}.tsx`,
    path.join(base, 'index.ts'),
  ];
  return candidates.find(
    (candidate) => /\.([mc]?[jt]sx?)$/.test(candidate) && existsSync(candidate),
  );
}

/** Where an import of `specifier` from `fromFile` leads, for a schema that uses it. */
export function importTarget(
  specifier: string,
  fromFile: string,
  resolver: ModuleResolver,
): ImportTarget {
  if (isSchemaLibrary(specifier)) return { kind: 'library' };
  const file = resolver.resolve(specifier, fromFile);
  if (file === undefined) return { kind: 'unresolved' };
  if (/\.d\.[mc]?ts$/.test(file)) {
    // A workspace package's or alias's build output, or a schema module's anywhere, stands
    // for source codegen cannot see; other declarations in node_modules are just packages.
    const inPackage = file.split(path.sep).includes('node_modules');
    const schemaModule = /\.schema\.d\.[mc]?ts$/.test(file);
    return !inPackage || schemaModule ? { kind: 'declaration', file } : { kind: 'other', file };
  }
  return isSchemaModuleFile(file) ? { kind: 'schema-module', file } : { kind: 'other', file };
}

/**
 * Checks that a `*.schema.ts` module is what its name promises: it may import zod, other
 * schema modules (by relative path, `paths` alias or package) and types only. Returns
 * problems located in that module.
 */
export function schemaModuleProblems(
  source: ts.SourceFile,
  file: string,
  resolver: ModuleResolver,
): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  for (const statement of source.statements) {
    const specifier =
      (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) &&
      statement.moduleSpecifier &&
      ts.isStringLiteral(statement.moduleSpecifier)
        ? statement.moduleSpecifier.text
        : undefined;
    if (specifier === undefined) continue;
    if (ts.isImportDeclaration(statement) && statement.importClause?.isTypeOnly) continue;
    const target = importTarget(specifier, file, resolver);
    if (target.kind === 'library' || target.kind === 'schema-module') continue;
    problems.push({
      code: 'IMPLEMENTATION_IMPORT',
      ...positionOf(statement),
      message: `schema module ${path.basename(file)} imports ${JSON.stringify(specifier)}${resolvesTo(specifier, target, resolver)}. A *.schema.ts module is imported by the generated client, so it may import only zod and other *.schema.ts modules.`,
      fix: `Keep only schemas in ${path.basename(file)}; move ${JSON.stringify(specifier)} imports to the task file.`,
    });
  }
  return problems;
}

/**
 * `, which resolves to "packages/db/src/index.ts"` for a `paths` alias or a package, or
 * nothing: a relative specifier names its file already.
 */
export function resolvesTo(
  specifier: string,
  target: ImportTarget,
  resolver: ModuleResolver,
): string {
  return 'file' in target && isBareSpecifier(specifier)
    ? `, which resolves to ${JSON.stringify(resolver.relative(target.file))}`
    : '';
}
