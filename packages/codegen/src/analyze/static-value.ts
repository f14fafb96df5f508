import { ts } from 'ts-morph';
import { quote } from '../emit/imports.js';
import { type TopLevelBinding, unwrapExpression } from './scope.js';

/** A JSON-like value read from source without running it. */
export type StaticValue =
  | string
  | number
  | boolean
  | null
  | readonly StaticValue[]
  | { readonly [key: string]: StaticValue };

/** Thrown with the node that is not a literal. */
export class NotStatic extends Error {
  constructor(readonly node: ts.Node) {
    super('not a static value');
  }
}

/**
 * Reads a literal (strings, numbers, booleans, null, arrays, objects), following
 * same-file `const` names, e.g. `queue: EMAIL_QUEUE`.
 */
export function staticValue(
  node: ts.Expression,
  bindings: ReadonlyMap<string, TopLevelBinding>,
  depth = 0,
): StaticValue {
  const expr = unwrapExpression(node);
  if (depth > 16) throw new NotStatic(expr);
  if (ts.isStringLiteral(expr) || ts.isNoSubstitutionTemplateLiteral(expr)) return expr.text;
  if (ts.isNumericLiteral(expr)) return Number(expr.text.replaceAll('_', ''));
  if (expr.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (expr.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (expr.kind === ts.SyntaxKind.NullKeyword) return null;
  if (
    ts.isPrefixUnaryExpression(expr) &&
    expr.operator === ts.SyntaxKind.MinusToken &&
    ts.isNumericLiteral(expr.operand)
  ) {
    return -Number(expr.operand.text.replaceAll('_', ''));
  }
  if (ts.isArrayLiteralExpression(expr)) {
    return expr.elements.map((element) => staticValue(element, bindings, depth + 1));
  }
  if (ts.isObjectLiteralExpression(expr)) {
    const result: Record<string, StaticValue> = {};
    for (const property of expr.properties) {
      if (ts.isPropertyAssignment(property) && !ts.isComputedPropertyName(property.name)) {
        result[property.name.text] = staticValue(property.initializer, bindings, depth + 1);
      } else if (ts.isShorthandPropertyAssignment(property)) {
        result[property.name.text] = staticValue(property.name, bindings, depth + 1);
      } else {
        throw new NotStatic(property);
      }
    }
    return result;
  }
  if (ts.isIdentifier(expr)) {
    const binding = bindings.get(expr.text);
    if (binding?.kind === 'const' && binding.node.initializer) {
      return staticValue(binding.node.initializer, bindings, depth + 1);
    }
  }
  throw new NotStatic(expr);
}

/** Writes a static value as a TS expression, keys in source order. */
export function printStaticValue(value: StaticValue): string {
  if (typeof value === 'string') return quote(value);
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(printStaticValue).join(', ')}]`;
  const entries = Object.entries(value as Record<string, StaticValue>).map(
    ([key, item]) =>
      `${/^[A-Za-z_$][\w$]*$/.test(key) ? key : quote(key)}: ${printStaticValue(item)}`,
  );
  return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
}
