import { existsSync } from 'node:fs';
import path from 'node:path';
import { ts } from 'ts-morph';
import type { DiagnosticCode } from '../diagnostics.js';
import { freeReferences, positionOf, type TopLevelBinding } from './scope.js';

/** An import the generated client repeats so that a copied schema compiles. */
export interface SchemaImport {
  /** Bare specifier (`zod`) or absolute path of a `*.schema.ts` module. */
  readonly from: string;
  readonly isFile: boolean;
  /** `default`, `*` or the exported name. */
  readonly imported: string;
  /** The name the task file uses for it. */
  readonly local: string;
  readonly typeOnly: boolean;
}

/** A problem found while following a schema's references; the task file adds its path. */
export interface SchemaProblem {
  readonly code: DiagnosticCode;
  readonly line: number;
  readonly column: number;
  readonly message: string;
  readonly fix: string;
}

/** What it takes to copy a schema expression into the generated client. */
export interface SchemaClosure {
  /** Same-file `const`, `type` and `interface` declarations it uses, in source order. */
  readonly declarations: readonly ts.Node[];
  readonly imports: readonly SchemaImport[];
  readonly problems: readonly SchemaProblem[];
}

/** TypeScript's utility types a copied schema type or a declared result may name. */
export const TYPE_UTILITIES = [
  'Awaited',
  'ReadonlyArray',
  'Record',
  'Partial',
  'Required',
  'Readonly',
  'Pick',
  'Omit',
  'NonNullable',
] as const;

/** Globals a schema may use; anything else undeclared is refused. */
const SAFE_GLOBALS = new Set([
  'undefined',
  'NaN',
  'Infinity',
  'Number',
  'String',
  'Boolean',
  'BigInt',
  'Symbol',
  'Date',
  'Math',
  'JSON',
  'RegExp',
  'Array',
  'Object',
  'Map',
  'Set',
  'URL',
  'Intl',
  'Error',
  'Promise',
  // Type-level globals, for copied types and `run` return annotations.
  ...TYPE_UTILITIES,
  'Exclude',
  'Extract',
  'parseInt',
  'parseFloat',
  'isNaN',
  'isFinite',
]);

/** Modules a copied schema may import: the schema library itself. */
export function isSchemaLibrary(specifier: string): boolean {
  return specifier === 'zod' || specifier.startsWith('zod/');
}

/** True for `*.schema.ts` (and .mts/.cts/.js/.mjs/.cjs) file names. */
export function isSchemaModuleFile(file: string): boolean {
  return /\.schema\.([mc]?ts|[mc]?js)$/.test(file);
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

/**
 * Follows every name a schema expression uses. Same-file consts and types are copied;
 * zod and `*.schema.ts` imports are repeated; anything else is a problem, because the
 * generated client must not import (or inline) task implementation code.
 */
export function schemaClosure(
  root: ts.Node,
  file: string,
  bindings: ReadonlyMap<string, TopLevelBinding>,
  label: string,
): SchemaClosure {
  const declarations = new Set<ts.Node>();
  const imports = new Map<string, SchemaImport>();
  const problems: SchemaProblem[] = [];
  const seen = new Set<ts.Node>();
  const fix = `Move the schema, and whatever it uses, to a module named like ${suggestSchemaFile(file)} that imports only zod, export it from there and import it into the task file.`;

  const follow = (node: ts.Node): void => {
    for (const id of freeReferences(node)) {
      const name = id.text;
      const binding = bindings.get(name);
      const at = positionOf(id);
      if (!binding) {
        if (!SAFE_GLOBALS.has(name)) {
          problems.push({
            code: 'SCHEMA_NOT_STATIC',
            ...at,
            message: `${label} uses ${JSON.stringify(name)}, which is not declared in this file, so codegen cannot copy it.`,
            fix,
          });
        }
        continue;
      }
      if (binding.kind === 'import') {
        const importLine = positionOf(binding.node).line;
        if (isSchemaLibrary(binding.specifier)) {
          addImport(binding.specifier, false, name, binding);
        } else if (binding.specifier.startsWith('.')) {
          const target = resolveRelative(file, binding.specifier);
          if (target && isSchemaModuleFile(target)) {
            addImport(target, true, name, binding);
          } else {
            problems.push({
              code: 'IMPLEMENTATION_IMPORT',
              ...at,
              message: `${label} uses ${JSON.stringify(name)}, imported from ${JSON.stringify(binding.specifier)} (line ${importLine}). That is not a *.schema.ts module, and the generated client must not import task implementation modules.`,
              fix,
            });
          }
        } else if (isSchemaModuleFile(binding.specifier.replace(/(\.schema)$/, '$1.ts'))) {
          // `@/schemas/order.schema.js`: a schema module behind a tsconfig `paths` alias.
          problems.push({
            code: 'IMPLEMENTATION_IMPORT',
            ...at,
            message: `${label} uses ${JSON.stringify(name)}, imported from ${JSON.stringify(binding.specifier)} (line ${importLine}), a path alias or a package. Codegen follows schema modules by relative import only, so it cannot tell that this one imports nothing but zod.`,
            fix: `Import it with a relative path to the *.schema.ts file (like '../schemas/order.schema.js'); the generated client then imports that module as well.`,
          });
        } else {
          problems.push({
            code: 'IMPLEMENTATION_IMPORT',
            ...at,
            message: `${label} uses ${JSON.stringify(name)}, imported from package ${JSON.stringify(binding.specifier)} (line ${importLine}). Copied schemas may import only zod and *.schema.ts modules.`,
            fix,
          });
        }
        continue;
      }
      if (binding.kind === 'other') {
        problems.push({
          code: 'SCHEMA_NOT_STATIC',
          ...at,
          message: `${label} uses ${JSON.stringify(name)}, ${binding.what} declared at line ${positionOf(binding.node).line}. Only const schema declarations and types are copied into the generated client.`,
          fix,
        });
        continue;
      }
      if (seen.has(binding.node)) continue;
      seen.add(binding.node);
      declarations.add(binding.node);
      follow(binding.node);
    }
  };

  const addImport = (
    from: string,
    isFile: boolean,
    local: string,
    binding: Extract<TopLevelBinding, { kind: 'import' }>,
  ): void => {
    const key = `${from}\0${binding.imported}\0${local}`;
    const previous = imports.get(key);
    imports.set(key, {
      from,
      isFile,
      imported: binding.imported,
      local,
      typeOnly: (previous?.typeOnly ?? true) && binding.typeOnly,
    });
  };

  follow(root);
  return {
    declarations: [...declarations].sort((a, b) => a.pos - b.pos),
    imports: [...imports.values()],
    problems,
  };
}

/** `orders.ts` → `orders.schema.ts`; `orders.cts` → `orders.schema.cts` (same module kind). */
function suggestSchemaFile(file: string): string {
  const flavour = /\.([mc]?)[jt]sx?$/.exec(file)?.[1] ?? '';
  return `${path.basename(file).replace(/\.([mc]?[jt]sx?)$/, '')}.schema.${flavour}ts`;
}

/**
 * Checks that a `*.schema.ts` module is what its name promises: it may import zod, other
 * schema modules and types only. Returns problems located in that module.
 */
export function schemaModuleProblems(source: ts.SourceFile, file: string): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  for (const statement of source.statements) {
    const specifier =
      (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) &&
      statement.moduleSpecifier &&
      ts.isStringLiteral(statement.moduleSpecifier)
        ? statement.moduleSpecifier.text
        : undefined;
    if (specifier === undefined || isSchemaLibrary(specifier)) continue;
    if (ts.isImportDeclaration(statement) && statement.importClause?.isTypeOnly) continue;
    const target = specifier.startsWith('.') ? resolveRelative(file, specifier) : undefined;
    if (target && isSchemaModuleFile(target)) continue;
    problems.push({
      code: 'IMPLEMENTATION_IMPORT',
      ...positionOf(statement),
      message: `schema module ${path.basename(file)} imports ${JSON.stringify(specifier)}. A *.schema.ts module is imported by the generated client, so it may import only zod and other *.schema.ts modules.`,
      fix: `Keep only schemas in ${path.basename(file)}; move ${JSON.stringify(specifier)} imports to the task file.`,
    });
  }
  return problems;
}
