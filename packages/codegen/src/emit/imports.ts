import path from 'node:path';
import { compareText } from '../diagnostics.js';

/** A single-quoted TS string literal. */
export function quote(text: string): string {
  return `'${JSON.stringify(text).slice(1, -1).replaceAll('\\"', '"').replaceAll("'", "\\'")}'`;
}

/** Import specifier from a generated file to a source file, as the config asks. */
export function relativeSpecifier(
  fromFile: string,
  toFile: string,
  extension: '.js' | '.ts' | '',
): string {
  let relative = path.relative(path.dirname(fromFile), toFile).split(path.sep).join('/');
  if (!relative.startsWith('.')) relative = `./${relative}`;
  const match = /\.(m?)ts$/.exec(relative);
  if (!match) return relative;
  const stem = relative.slice(0, -match[0].length);
  if (extension === '') return stem;
  if (extension === '.ts') return relative;
  return `${stem}.${match[1]}js`;
}

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
      let local = preferred;
      for (let n = 2; taken.has(local); n++) local = `${preferred}_${n}`;
      taken.add(local);
      names.set(imported, { local, typeOnly });
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
            const alias = imported === local ? local : `${imported} as ${local}`;
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
