import { ts } from 'ts-morph';
import { localExportSpecifiers } from './default-export.js';
import { positionOf, type TopLevelBinding, topLevelBindings, unwrapExpression } from './scope.js';
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
 * `export { a as b } from './x.js'`, `export * (as ns) from './x.js'`, and an import
 * exported again: `export { a as b }`, `export const b = a` (or `= ns.a`), `export default a`,
 * also through a const alias (`const b = a; export { b }`); types left out.
 */
export function reexportSites(
  source: ts.SourceFile,
  bindings: ReadonlyMap<string, TopLevelBinding> = topLevelBindings(source),
): ReexportSite[] {
  const sites: ReexportSite[] = [];
  const again = (expression: ts.Expression, exported: string, at: ts.Node) => {
    const found = importedValue(expression, bindings);
    if (found) sites.push({ ...found, exported, ...positionOf(at) });
  };
  for (const statement of source.statements) {
    if (ts.isExportAssignment(statement)) {
      if (!statement.isExportEquals) again(statement.expression, 'default', statement.expression);
      continue;
    }
    if (ts.isVariableStatement(statement)) {
      const exportsIt = statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
      for (const declaration of statement.declarationList.declarations) {
        const { name, initializer } = declaration;
        if (exportsIt && initializer && ts.isIdentifier(name)) again(initializer, name.text, name);
      }
      continue;
    }
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
      if (element.isTypeOnly) continue;
      again(element.propertyName ?? element.name, element.name.text, element);
    }
  }
  return sites;
}

/**
 * The import `expression` is, when it is one: an imported name (`a`), a namespace's member
 * (`ns.a`), or a const that is one of these (`const b = a`). Type-only imports are not.
 */
function importedValue(
  expression: ts.Expression,
  bindings: ReadonlyMap<string, TopLevelBinding>,
  seen = new Set<string>(),
): { specifier: string; imported: string } | undefined {
  const node = unwrapExpression(expression);
  if (ts.isIdentifier(node)) {
    const binding = bindings.get(node.text);
    if (binding?.kind === 'import') {
      return binding.typeOnly
        ? undefined
        : { specifier: binding.specifier, imported: binding.imported };
    }
    if (binding?.kind !== 'const' || !binding.node.initializer || seen.has(node.text)) return;
    seen.add(node.text);
    return importedValue(binding.node.initializer, bindings, seen);
  }
  if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression)) {
    const binding = bindings.get(node.expression.text);
    if (binding?.kind === 'import' && binding.imported === '*' && !binding.typeOnly) {
      return { specifier: binding.specifier, imported: node.name.text };
    }
  }
  return undefined;
}
