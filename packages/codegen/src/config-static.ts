import { ts } from 'ts-morph';
import { parseProblems } from './analyze/task-file.js';
import { assertConfigKeys, RUNTIME_CONFIG_KEYS } from './config.js';
import { CodegenError } from './diagnostics.js';

/**
 * Reads the default export of a TS config as a literal, without running it. Top-level keys
 * holding code for other tools (`transport`, which the CLI runs) are left out, whatever
 * they hold.
 */
export function readStaticConfig(file: string, text: string): unknown {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  // A config that does not parse would read as one missing what the parser gave up on.
  const [problem] = parseProblems(source);
  if (problem) {
    const { line, character } = source.getLineAndCharacterOfPosition(problem.start ?? 0);
    throw new CodegenError(
      'CONFIG_INVALID',
      `${file}:${line + 1}:${character + 1}: ${ts.flattenDiagnosticMessageText(problem.messageText, ' ')} (a syntax error): fix it there.`,
    );
  }
  const assignment = source.statements.find(ts.isExportAssignment);
  if (!assignment) {
    throw new CodegenError(
      'CONFIG_INVALID',
      `${file} has no default export. Write \`export default defineConfig({ tasks, client, registry })\`.`,
    );
  }
  let node = unwrap(assignment.expression);
  if (ts.isCallExpression(node) && node.arguments.length === 1 && node.arguments[0]) {
    node = unwrap(node.arguments[0]);
  }
  // A misspelt key first: `trasnport: () => …` would otherwise read as a value that is not a
  // literal, and the error would send the user after the value instead of the key's name.
  if (ts.isObjectLiteralExpression(node)) assertConfigKeys(topLevelKeys(node), file);
  return literalValue(node, source, RUNTIME_CONFIG_KEYS);
}

/**
 * The object's written keys, each `undefined` when its value is (`watch: undefined` sets
 * nothing, as in a config that runs), else `true`. Spreads and computed names are left to
 * {@link literalValue}, which refuses them.
 */
function topLevelKeys(node: ts.ObjectLiteralExpression): Record<string, unknown> {
  const keys: Record<string, unknown> = {};
  for (const property of node.properties) {
    if (!property.name || ts.isComputedPropertyName(property.name)) continue;
    const value = ts.isPropertyAssignment(property) ? unwrap(property.initializer) : undefined;
    const isUndefined =
      value !== undefined &&
      ((ts.isIdentifier(value) && value.text === 'undefined') || ts.isVoidExpression(value));
    keys[property.name.text] = isUndefined ? undefined : true;
  }
  return keys;
}

const NONE: ReadonlySet<string> = new Set();

function unwrap(node: ts.Expression): ts.Expression {
  let current = node;
  while (
    ts.isParenthesizedExpression(current) ||
    ts.isAsExpression(current) ||
    ts.isSatisfiesExpression(current)
  ) {
    current = current.expression;
  }
  return current;
}

/** The literal `node` holds; an object's keys in `skip` are left out (top level only). */
function literalValue(
  node: ts.Expression,
  source: ts.SourceFile,
  skip: ReadonlySet<string> = NONE,
): unknown {
  const expr = unwrap(node);
  if (ts.isStringLiteral(expr) || ts.isNoSubstitutionTemplateLiteral(expr)) return expr.text;
  if (ts.isNumericLiteral(expr)) return Number(expr.text);
  if (expr.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (expr.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (ts.isArrayLiteralExpression(expr)) {
    return expr.elements.map((element) => literalValue(element, source));
  }
  if (ts.isObjectLiteralExpression(expr)) {
    const result: Record<string, unknown> = {};
    for (const property of expr.properties) {
      const name =
        property.name && !ts.isComputedPropertyName(property.name) ? property.name.text : undefined;
      if (name !== undefined && skip.has(name)) continue;
      if (ts.isPropertyAssignment(property) && !ts.isComputedPropertyName(property.name)) {
        result[property.name.text] = literalValue(property.initializer, source);
      } else {
        throw notStatic(property, source);
      }
    }
    return result;
  }
  throw notStatic(expr, source);
}

function notStatic(node: ts.Node, source: ts.SourceFile): CodegenError {
  const { line, character } = source.getLineAndCharacterOfPosition(node.getStart(source));
  return new CodegenError(
    'CONFIG_NOT_STATIC',
    `${source.fileName}:${line + 1}:${character + 1}: ${JSON.stringify(node.getText(source))} is not a literal. conveyor.config.ts is read without running it: write strings and arrays of strings inline, or use conveyor.config.js.`,
  );
}
