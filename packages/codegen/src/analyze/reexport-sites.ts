import { ts } from 'ts-morph';
import { localExportSpecifiers } from './default-export.js';
import { positionOf, type TopLevelBinding, topLevelBindings } from './scope.js';
import type { Position } from './task-file.js';

/** A name a file exports from another module, where it is written. */
export interface ReexportSite extends Position {
  readonly specifier: string;
  /** The name in that module: `*` for `export *` and namespaces. */
  readonly imported: string;
  /** The name this file exports it under: `*` for `export * from`. */
  readonly exported: string;
}

/**
 * `export { a as b } from './x.js'`, `export * (as ns) from './x.js'` and
 * `import { a } from './x.js'; export { a as b }`, leaving out types.
 */
export function reexportSites(
  source: ts.SourceFile,
  bindings: ReadonlyMap<string, TopLevelBinding> = topLevelBindings(source),
): ReexportSite[] {
  const sites: ReexportSite[] = [];
  for (const statement of source.statements) {
    if (!ts.isExportDeclaration(statement) || statement.isTypeOnly) continue;
    const { moduleSpecifier, exportClause } = statement;
    if (moduleSpecifier && ts.isStringLiteral(moduleSpecifier)) {
      const specifier = moduleSpecifier.text;
      if (!exportClause || ts.isNamespaceExport(exportClause)) {
        const exported = exportClause ? exportClause.name.text : '*';
        sites.push({ specifier, imported: '*', exported, ...positionOf(statement) });
        continue;
      }
      for (const element of exportClause.elements) {
        if (element.isTypeOnly) continue;
        const imported = (element.propertyName ?? element.name).text;
        sites.push({ specifier, imported, exported: element.name.text, ...positionOf(element) });
      }
      continue;
    }
    for (const element of localExportSpecifiers(statement)) {
      const binding = bindings.get((element.propertyName ?? element.name).text);
      if (element.isTypeOnly || binding?.kind !== 'import' || binding.typeOnly) continue;
      sites.push({
        specifier: binding.specifier,
        imported: binding.imported,
        exported: element.name.text,
        ...positionOf(element),
      });
    }
  }
  return sites;
}
