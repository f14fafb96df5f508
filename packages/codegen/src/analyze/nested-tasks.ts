import { ts } from 'ts-morph';
import { unwrapExpression } from './scope.js';

/**
 * `defineTask` calls in top-level code other than `const x = defineTask(…)` and
 * `export default defineTask(…)` (which the task file analysis reads): in an array
 * (`export const tasks = [defineTask(…)]`), an object or a call. Codegen would skip them
 * without a word. Calls inside functions are factories, a known limit, and left alone.
 */
export function nestedTaskCalls(
  source: ts.SourceFile,
  isDefineTaskCall: (node: ts.Expression) => node is ts.CallExpression,
): ts.CallExpression[] {
  const found: ts.CallExpression[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) || ts.isClassLike(node)) return;
    if (ts.isCallExpression(node) && isDefineTaskCall(node)) {
      found.push(node);
      return;
    }
    ts.forEachChild(node, visit);
  };
  /** A call the analysis reads: only its arguments may hide more. */
  const visitRead = (expression: ts.Expression): void => {
    const call = unwrapExpression(expression);
    if (ts.isCallExpression(call)) call.arguments.forEach(visit);
  };
  for (const statement of source.statements) {
    if (ts.isExportAssignment(statement) && isDefineTaskCall(statement.expression)) {
      visitRead(statement.expression);
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        const { initializer } = declaration;
        if (initializer && isDefineTaskCall(initializer) && ts.isIdentifier(declaration.name)) {
          visitRead(initializer);
        } else {
          visit(declaration);
        }
      }
    } else {
      visit(statement);
    }
  }
  return found;
}
