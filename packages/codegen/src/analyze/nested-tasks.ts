import { ts } from 'ts-morph';
import { unwrapExpression } from './scope.js';

/** A `defineTask` call codegen does not read, and why, as a TASK_NOT_EXPORTED diagnostic says it. */
export interface NestedTask {
  readonly call: ts.CallExpression;
  readonly message: string;
  readonly fix: string;
}

const FIX_TOP_LEVEL =
  'Declare each task as `export const sendWelcomeEmail = defineTask({ … })`; an array of them may follow (`export const all = [sendWelcomeEmail]`).';

/**
 * `defineTask` calls anywhere in a task file other than `const x = defineTask(…)` and
 * `export default defineTask(…)` (which the task file analysis reads): in an array
 * (`export const tasks = [defineTask(…)]`), an object or a call, or inside a function or
 * class (a factory such as `makeTask(name)`). Codegen would skip them without a word.
 */
export function nestedTaskCalls(
  source: ts.SourceFile,
  isDefineTaskCall: (node: ts.Expression) => boolean,
): NestedTask[] {
  const found: NestedTask[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && isDefineTaskCall(node)) {
      found.push(describe(node, source));
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

function describe(call: ts.CallExpression, source: ts.SourceFile): NestedTask {
  const container = enclosing(call);
  if (!container) {
    return {
      call,
      message:
        'this task is not declared on its own (it sits in an array, an object or a call), so codegen does not see it: it would be missing from the generated client and the worker registry.',
      fix: FIX_TOP_LEVEL,
    };
  }
  const { kind, name } = container;
  const where = name === undefined ? `a ${kind}` : `${kind} ${JSON.stringify(name)}`;
  const users = name === undefined ? [] : callersOf(name, source);
  const made =
    users.length === 0 ? '' : ` (${users.map((user) => JSON.stringify(user)).join(', ')})`;
  const example = users[0] ?? 'sendWelcomeEmail';
  return {
    call,
    message: `this task is made inside ${where}, which codegen does not run: it reads only \`export const x = defineTask({ … })\` at the top level of a task file, and the tasks made there${made} would be missing from the generated client and the worker registry.`,
    fix: `Declare each task at the top level with a literal name, e.g. \`export const ${example} = defineTask({ name: '…', input, run })\`; share schemas and run functions between tasks as consts instead of a function that calls defineTask.`,
  };
}

/** The innermost function or class around `node`, with the name it is known by if any. */
function enclosing(
  node: ts.Node,
): { kind: 'function' | 'class'; name: string | undefined } | undefined {
  for (let current = node.parent; !ts.isSourceFile(current); current = current.parent) {
    if (!ts.isFunctionLike(current) && !ts.isClassLike(current)) continue;
    const kind = ts.isClassLike(current) ? 'class' : 'function';
    const named = (current as ts.Node & { name?: ts.Node }).name;
    if (named && ts.isIdentifier(named)) return { kind, name: named.text };
    const { parent } = current;
    if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) {
      return { kind, name: parent.name.text };
    }
    return { kind, name: undefined };
  }
  return undefined;
}

/** Top-level consts made by calling `name` (`export const f1 = makeTask('f.one')`). */
function callersOf(name: string, source: ts.SourceFile): string[] {
  const callers: string[] = [];
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      const initializer = declaration.initializer && unwrapExpression(declaration.initializer);
      if (
        initializer &&
        ts.isIdentifier(declaration.name) &&
        (ts.isCallExpression(initializer) || ts.isNewExpression(initializer)) &&
        ts.isIdentifier(initializer.expression) &&
        initializer.expression.text === name
      ) {
        callers.push(declaration.name.text);
      }
    }
  }
  return callers;
}
