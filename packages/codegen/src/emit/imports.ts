import path from 'node:path';
import { exportIdentifier, isIdentifierName } from '../analyze/export-name.js';
import { compareText } from '../diagnostics.js';

/** A single-quoted TS string literal. */
export function quote(text: string): string {
  return `'${JSON.stringify(text).slice(1, -1).replaceAll('\\"', '"').replaceAll("'", "\\'")}'`;
}

/**
 * Words a module cannot declare or import a binding under (reserved words, strict mode's and
 * a module's own): a task exported as `export { remove as delete }` keeps that export name,
 * under another local one.
 */
const RESERVED_WORDS = new Set(
  (
    'arguments await break case catch class const continue debugger default delete do else enum ' +
    'eval export extends false finally for function if implements import in instanceof interface ' +
    'let new null package private protected public return static super switch this throw true ' +
    'try typeof var void while with yield'
  ).split(' '),
);

/** ` (exported as 'send-email')` for a string export name: where a stub's name comes from. */
export function exportedAs(exportName: string): string {
  return exportIdentifier(exportName) === exportName ? '' : ` (exported as ${quote(exportName)})`;
}

/** True when `name` can be declared in a module (`const name = …`). */
export function isDeclarableName(name: string): boolean {
  return !RESERVED_WORDS.has(name);
}

/** What a TS source extension becomes in an import under each `importExtension`. */
const SOURCE_EXTENSIONS: Readonly<Record<string, { js: string; bare: boolean }>> = {
  '.ts': { js: '.js', bare: true },
  '.tsx': { js: '.js', bare: true },
  // TypeScript resolves .mts and .cts only by their .mjs/.cjs name, never extensionless.
  '.mts': { js: '.mjs', bare: false },
  '.cts': { js: '.cjs', bare: false },
};

/** Import specifier from a generated file to a source file, as the config asks. */
export function relativeSpecifier(
  fromFile: string,
  toFile: string,
  extension: '.js' | '.ts' | '',
): string {
  let relative = path.relative(path.dirname(fromFile), toFile).split(path.sep).join('/');
  if (!relative.startsWith('.')) relative = `./${relative}`;
  const source = /\.[mc]?tsx?$/.exec(relative)?.[0];
  const rule = source === undefined ? undefined : SOURCE_EXTENSIONS[source];
  if (source === undefined || rule === undefined || extension === '.ts') return relative;
  const stem = relative.slice(0, -source.length);
  return extension === '' && rule.bare ? stem : `${stem}${rule.js}`;
}

/** A generated module's imports and local names (see {@link createImportSet}). */
export type ImportSet = ReturnType<typeof createImportSet>;

/**
 * Collects the generated module's imports and hands out local names, so that two task
 * files using the same name for different things cannot collide.
 */
export function createImportSet(reserved: Iterable<string>) {
  const taken = new Set(reserved);
  /** specifier → imported name → { local, typeOnly } */
  const modules = new Map<string, Map<string, { local: string; typeOnly: boolean }>>();

  return {
    /** Returns the local name the generated file uses for `imported` from `specifier`. */
    add(specifier: string, imported: string, preferred: string, typeOnly: boolean): string {
      let names = modules.get(specifier);
      if (!names) {
        names = new Map();
        modules.set(specifier, names);
      }
      const existing = names.get(imported);
      if (existing) {
        existing.typeOnly &&= typeOnly;
        return existing.local;
      }
      const local = this.local(preferred);
      names.set(imported, { local, typeOnly });
      return local;
    },
    /** Takes a fresh local name: `preferred`, or `preferred_2`… when taken or reserved. */
    local(preferred: string): string {
      let local = preferred;
      for (let n = 2; taken.has(local) || !isDeclarableName(local); n++)
        local = `${preferred}_${n}`;
      taken.add(local);
      return local;
    },
    /** Import statements, sorted by specifier and name. */
    render(): string[] {
      const lines: string[] = [];
      for (const specifier of [...modules.keys()].sort(compareText)) {
        const names = modules.get(specifier) ?? new Map();
        const named: string[] = [];
        for (const [imported, { local, typeOnly }] of [...names].sort(([a], [b]) =>
          compareText(a, b),
        )) {
          const quoted = quote(specifier);
          if (imported === '*') {
            lines.push(`import ${typeOnly ? 'type ' : ''}* as ${local} from ${quoted};`);
          } else if (imported === 'default') {
            lines.push(`import ${typeOnly ? 'type ' : ''}${local} from ${quoted};`);
          } else {
            // A string export name (`'send-email'`) is imported quoted, under an identifier.
            const name = isIdentifierName(imported) ? imported : quote(imported);
            const alias = imported === local ? local : `${name} as ${local}`;
            named.push(`${typeOnly ? 'type ' : ''}${alias}`);
          }
        }
        if (named.length > 0) {
          lines.push(`import { ${named.join(', ')} } from ${quote(specifier)};`);
        }
      }
      return lines;
    },
  };
}
