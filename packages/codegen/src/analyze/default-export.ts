import { ts } from 'ts-morph';

/**
 * Local names exported as the default: `export default t` and `export { t as default }`.
 * A task, workflow or schedule const among them is exported, as the default, so it is
 * reported as a default export rather than as not exported at all.
 */
export function defaultExportedNames(source: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  for (const statement of source.statements) {
    if (
      ts.isExportAssignment(statement) &&
      !statement.isExportEquals &&
      ts.isIdentifier(statement.expression)
    ) {
      names.add(statement.expression.text);
    }
    for (const element of localExportSpecifiers(statement)) {
      if (element.name.text === 'default') names.add((element.propertyName ?? element.name).text);
    }
  }
  return names;
}

/**
 * The message and fix for a task or workflow that is the default export, whether written
 * `export default defineTask({ … })` or as a const exported with `export default t`: the
 * generated client names each stub after its export, so it needs a name. `name` is the
 * const's, else an example.
 */
export function defaultExportProblem(
  kind: 'task' | 'workflow',
  name: string,
): { message: string; fix: string } {
  const define = kind === 'task' ? 'defineTask' : 'defineWorkflow';
  return {
    message: `a ${kind} is the default export; the generated client names each stub after its export.`,
    fix: `Export it by name instead: \`export const ${name} = ${define}({ … })\`.`,
  };
}

/** The specifiers of `export { a, b as c }` without a module (local names); none otherwise. */
export function localExportSpecifiers(statement: ts.Statement): readonly ts.ExportSpecifier[] {
  return ts.isExportDeclaration(statement) &&
    !statement.moduleSpecifier &&
    statement.exportClause &&
    ts.isNamedExports(statement.exportClause)
    ? statement.exportClause.elements
    : [];
}
