import path from 'node:path';
import type { ts } from 'ts-morph';
import type { DiagnosticCode } from '../diagnostics.js';
import {
  type ImportTarget,
  importTarget,
  isBareSpecifier,
  type ModuleResolver,
  resolvesTo,
} from './schema-module.js';
import { freeReferences, positionOf, type TopLevelBinding } from './scope.js';

/** An import the generated client repeats so that a copied schema compiles. */
export interface SchemaImport {
  /** Bare specifier (`zod`) or absolute path of a `*.schema.ts` module. */
  readonly from: string;
  readonly isFile: boolean;
  /**
   * For a schema module imported through a tsconfig `paths` alias or a package
   * (`@acme/schemas`), that specifier: the client keeps it where it resolves to `from` too.
   */
  readonly specifier?: string;
  /** `default`, `*` or the exported name. */
  readonly imported: string;
  /** The name the task file uses for it. */
  readonly local: string;
  readonly typeOnly: boolean;
}

/** A file whose schemas are followed: its path, top-level bindings and how its imports resolve. */
export interface SchemaScope {
  /** Absolute path. */
  readonly file: string;
  readonly bindings: ReadonlyMap<string, TopLevelBinding>;
  readonly resolver: ModuleResolver;
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

/**
 * Follows every name a schema expression uses. Same-file consts and types are copied;
 * zod and `*.schema.ts` imports are repeated; anything else is a problem, because the
 * generated client must not import (or inline) task implementation code.
 */
export function schemaClosure(root: ts.Node, scope: SchemaScope, label: string): SchemaClosure {
  const { file, bindings, resolver } = scope;
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
        const { specifier } = binding;
        const target = importTarget(specifier, file, resolver);
        if (target.kind === 'library') addImport(specifier, false, name, binding);
        else if (target.kind === 'schema-module') {
          addImport(
            target.file,
            true,
            name,
            binding,
            isBareSpecifier(specifier) ? specifier : undefined,
          );
        } else {
          const line = positionOf(binding.node).line;
          const uses = (from: string) =>
            `${label} uses ${JSON.stringify(name)}, imported from ${from}${JSON.stringify(specifier)} (line ${line})`;
          problems.push({ ...at, ...importProblem(target, specifier, uses, fix, scope) });
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
    specifier?: string,
  ): void => {
    const key = `${from}\0${binding.imported}\0${local}`;
    const previous = imports.get(key);
    imports.set(key, {
      from,
      isFile,
      ...(specifier === undefined ? {} : { specifier }),
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
 * Why a schema cannot use an import that is neither zod nor a `*.schema.ts` module (the
 * generated client imports those too, by relative path, tsconfig `paths` alias or package).
 */
function importProblem(
  target: Exclude<ImportTarget, { kind: 'library' | 'schema-module' }>,
  specifier: string,
  uses: (from: '' | 'package ') => string,
  fix: string,
  { file, resolver }: SchemaScope,
): Omit<SchemaProblem, 'line' | 'column'> {
  if (target.kind === 'unresolved' && !isBareSpecifier(specifier)) {
    return {
      code: 'SCHEMA_IMPORT_NOT_FOLLOWED',
      message: `${uses('')}, which does not resolve to a file, so codegen cannot check that it imports nothing but zod.`,
      fix: `Correct the path, so that it names the *.schema.ts file from ${path.basename(file)}.`,
    };
  }
  if (target.kind === 'unresolved') {
    return {
      code: 'SCHEMA_IMPORT_NOT_FOLLOWED',
      message: `${uses('')}, which does not resolve to a file. Codegen resolves imports as TypeScript does with the project's tsconfig (its \`paths\`, and packages in node_modules), so it cannot check that this one imports nothing but zod.`,
      fix: `Make ${JSON.stringify(specifier)} resolve from ${path.basename(file)} (a \`paths\` entry in the tsconfig codegen reads, set by the config's \`tsconfig\`, or the package installed in node_modules), or import the *.schema.ts file by a relative path.`,
    };
  }
  if (target.kind === 'declaration') {
    return {
      code: 'SCHEMA_IMPORT_NOT_FOLLOWED',
      message: `${uses('')}${resolvesTo(specifier, target, resolver)}, a declaration file (a built package). Codegen needs the module's source, to check that it is a *.schema.ts module that imports nothing but zod, and to fingerprint it.`,
      fix: `Let TypeScript resolve ${JSON.stringify(specifier)} to the package's *.schema.ts source: point its package.json "exports" there (for a workspace package, under a condition listed in the tsconfig's "customConditions"), or import the source file by a relative path.`,
    };
  }
  if (!isBareSpecifier(specifier) || target.file.split(path.sep).includes('node_modules')) {
    return {
      code: 'IMPLEMENTATION_IMPORT',
      message: isBareSpecifier(specifier)
        ? `${uses('package ')}. Copied schemas may import only zod and *.schema.ts modules.`
        : `${uses('')}. That is not a *.schema.ts module, and the generated client must not import task implementation modules.`,
      fix,
    };
  }
  // A `paths` alias or a workspace package: its module may hold only schemas, misnamed.
  const module = resolver.relative(target.file);
  return {
    code: 'IMPLEMENTATION_IMPORT',
    message: `${uses('')}${resolvesTo(specifier, target, resolver)}. That is not a *.schema.ts module, and the generated client must not import task implementation modules.`,
    fix: `If ${JSON.stringify(module)} holds only schemas, name it like ${suggestSchemaFile(target.file)} (and point the package's "exports" or the \`paths\` entry at it). Otherwise: ${fix}`,
  };
}
