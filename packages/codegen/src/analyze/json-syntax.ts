import { ts } from 'ts-morph';
import { type SchemaImport, TYPE_UTILITIES } from './schema-closure.js';
import { isSchemaLibrary } from './schema-module.js';
import { topLevelBindings } from './scope.js';

/**
 * What the AST alone says about the JSON boundary of copied code. The type checker costs
 * milliseconds per zod schema, so schemas built only from zod calls known to be JSON-safe
 * skip it; anything else (z.custom, z.instanceof, z.set, a type annotation…) is not known,
 * and the checker decides.
 */
export interface JsonSyntax {
  /** Every construct is known to keep the value JSON-safe. */
  readonly known: boolean;
  /** Something may let `undefined` in (`.optional()`, `.default()`, …). */
  readonly undefinedish: boolean;
  /** Something makes arrays; with `undefinedish`, an element may be `undefined`. */
  readonly arrays: boolean;
}

export const UNKNOWN_JSON: JsonSyntax = { known: false, undefinedish: false, arrays: false };

/** True when all parts together are known to cross JSON. */
export function isKnownJson(parts: readonly JsonSyntax[]): boolean {
  return (
    parts.every((part) => part.known) &&
    !(parts.some((part) => part.undefinedish) && parts.some((part) => part.arrays))
  );
}

/** zod builders (`z.<name>(…)`) whose input type is JSON-safe when their arguments are. */
const BUILDERS = new Set(
  (
    'object strictObject looseObject string number int int32 uint32 float32 float64 boolean ' +
    'null date array tuple enum nativeEnum literal union discriminatedUnion intersection ' +
    'record partialRecord unknown any never optional nullable nullish readonly json stringbool ' +
    'templateLiteral email url httpUrl uuid uuidv4 uuidv6 uuidv7 guid cuid cuid2 ulid nanoid ' +
    'xid ksuid ipv4 ipv6 cidrv4 cidrv6 mac base64 base64url e164 jwt emoji hostname hex ' +
    'datetime time duration'
  ).split(' '),
);
/** `z.iso.<name>()` and `z.coerce.<name>()` builders (coerced inputs are `unknown`). */
const SUB_BUILDERS = new Set(['iso', 'coerce']);
/** Schema methods (`schema.<name>(…)`) that keep the input JSON-safe when their arguments are. */
const METHODS = new Set(
  (
    'optional nullable nullish default prefault catch readonly array or and pipe brand ' +
    'describe meta refine superRefine check overwrite transform min max length nonempty ' +
    'positive negative nonnegative nonpositive gt gte lt lte multipleOf step finite safe int ' +
    'regex includes startsWith endsWith trim toLowerCase toUpperCase lowercase uppercase ' +
    'normalize extend safeExtend merge pick omit partial required strict strip passthrough ' +
    'catchall keyof unwrap exclude extract email url uuid datetime date time duration ip ' +
    'cidr base64 base64url jwt nanoid cuid cuid2 ulid emoji hostname'
  ).split(' '),
);
const MAY_BE_UNDEFINED = new Set([
  'optional',
  'nullish',
  'default',
  'prefault',
  'catch',
  'partial',
  'undefined',
  'void',
]);
const MAKES_ARRAYS = new Set(['array', 'tuple']);

/** The local names a file binds to zod. */
interface ZodNames {
  /** Locals bound to zod's namespace: `import { z }`, `import * as z`. */
  readonly namespaces: ReadonlySet<string>;
  /** Locals bound to one zod export, to the exported name: `import { object } from 'zod'`. */
  readonly exports: ReadonlyMap<string, string>;
}

function zodNames(imports: readonly Pick<SchemaImport, 'from' | 'imported' | 'local'>[]): ZodNames {
  const namespaces = new Set<string>();
  const exports = new Map<string, string>();
  for (const item of imports) {
    if (!isSchemaLibrary(item.from)) continue;
    if (['z', '*', 'default'].includes(item.imported)) namespaces.add(item.local);
    else exports.set(item.local, item.imported);
  }
  return { namespaces, exports };
}

/**
 * What the AST says about a copied zod schema: its expression and the same-file
 * declarations it uses. Callbacks (refine, transform) are not looked into: they do not
 * shape the input. Type annotations and `as` casts can say anything, so they are unknown.
 */
export function schemaJsonSyntax(
  nodes: readonly ts.Node[],
  imports: readonly Pick<SchemaImport, 'from' | 'imported' | 'local'>[],
): JsonSyntax {
  const zod = zodNames(imports);
  const called = new Set<string>();
  let known = true;
  const visit = (node: ts.Node): void => {
    if (!known || ts.isArrowFunction(node) || ts.isFunctionExpression(node)) return;
    if (ts.isVariableDeclaration(node) && node.type) known = false;
    else if (ts.isBigIntLiteral(node)) known = false;
    else if (ts.isTypeNode(node) && !isAsConst(node)) known = false;
    else if (ts.isCallExpression(node)) {
      const name = calledName(node.expression, zod);
      if (name === undefined) known = false;
      else called.add(name);
    }
    ts.forEachChild(node, visit);
  };
  for (const node of nodes) visit(node);
  return {
    known,
    undefinedish: [...called].some((name) => MAY_BE_UNDEFINED.has(name)),
    arrays: [...called].some((name) => MAKES_ARRAYS.has(name)),
  };
}

/** What the AST says about a `*.schema.ts` module: every top-level const in it. */
export function schemaModuleJsonSyntax(source: ts.SourceFile): JsonSyntax {
  const imports = [];
  for (const [local, binding] of topLevelBindings(source)) {
    if (binding.kind !== 'import') continue;
    // A schema from another module would need that module too: let the checker decide.
    if (!isSchemaLibrary(binding.specifier)) return UNKNOWN_JSON;
    imports.push({ from: binding.specifier, imported: binding.imported, local });
  }
  const initializers = source.statements
    .filter(ts.isVariableStatement)
    .flatMap((statement) => [...statement.declarationList.declarations]);
  return schemaJsonSyntax(initializers, imports);
}

/** `z.object`, `object` (imported), `z.iso.datetime`, or a method name; else undefined. */
function calledName(callee: ts.Expression, zod: ZodNames): string | undefined {
  if (ts.isIdentifier(callee)) {
    const name = zod.exports.get(callee.text);
    return name !== undefined && BUILDERS.has(name) ? name : undefined;
  }
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const name = callee.name.text;
  const target = callee.expression;
  if (ts.isIdentifier(target) && zod.namespaces.has(target.text)) {
    return BUILDERS.has(name) ? name : undefined;
  }
  if (
    ts.isPropertyAccessExpression(target) &&
    ts.isIdentifier(target.expression) &&
    zod.namespaces.has(target.expression.text)
  ) {
    return SUB_BUILDERS.has(target.name.text) ? name : undefined;
  }
  return METHODS.has(name) ? name : undefined;
}

function isAsConst(node: ts.TypeNode): boolean {
  return (
    ts.isTypeReferenceNode(node) &&
    ts.isIdentifier(node.typeName) &&
    node.typeName.text === 'const' &&
    ts.isAsExpression(node.parent)
  );
}

/** Type names a declared result may use besides same-file declarations. */
const TYPE_REFERENCES = new Set<string>(['Date', 'Array', 'Promise', ...TYPE_UTILITIES]);
const TYPE_SYNTAX = new Set([
  ts.SyntaxKind.TypeLiteral,
  ts.SyntaxKind.PropertySignature,
  ts.SyntaxKind.IndexSignature,
  ts.SyntaxKind.Parameter,
  ts.SyntaxKind.Identifier,
  ts.SyntaxKind.StringLiteral,
  ts.SyntaxKind.NumericLiteral,
  ts.SyntaxKind.NoSubstitutionTemplateLiteral,
  ts.SyntaxKind.PrefixUnaryExpression,
  ts.SyntaxKind.QuestionToken,
  ts.SyntaxKind.ReadonlyKeyword,
  ts.SyntaxKind.ExportKeyword,
  ts.SyntaxKind.StringKeyword,
  ts.SyntaxKind.NumberKeyword,
  ts.SyntaxKind.BooleanKeyword,
  ts.SyntaxKind.UndefinedKeyword,
  ts.SyntaxKind.VoidKeyword,
  ts.SyntaxKind.UnknownKeyword,
  ts.SyntaxKind.AnyKeyword,
  ts.SyntaxKind.NeverKeyword,
  ts.SyntaxKind.NullKeyword,
  ts.SyntaxKind.TrueKeyword,
  ts.SyntaxKind.FalseKeyword,
  ts.SyntaxKind.LiteralType,
  ts.SyntaxKind.ArrayType,
  ts.SyntaxKind.TupleType,
  ts.SyntaxKind.NamedTupleMember,
  ts.SyntaxKind.OptionalType,
  ts.SyntaxKind.RestType,
  ts.SyntaxKind.UnionType,
  ts.SyntaxKind.IntersectionType,
  ts.SyntaxKind.ParenthesizedType,
  ts.SyntaxKind.TypeOperator,
  ts.SyntaxKind.TypeReference,
  ts.SyntaxKind.InterfaceDeclaration,
  ts.SyntaxKind.TypeAliasDeclaration,
]);

/**
 * What the AST says about a declared `run` return type and the same-file types it uses:
 * known when it is built only from object types, arrays, unions, JSON primitives, `Date`
 * and a few lib helpers. (`undefined` is fine in a result: core's `Jsonify` types it.)
 */
export function typeJsonSyntax(
  nodes: readonly ts.Node[],
  declared: ReadonlySet<string>,
): JsonSyntax {
  let known = true;
  const visit = (node: ts.Node): void => {
    if (!known) return;
    if (!TYPE_SYNTAX.has(node.kind)) known = false;
    else if (ts.isTypeReferenceNode(node)) {
      const name = ts.isIdentifier(node.typeName) ? node.typeName.text : undefined;
      known = name !== undefined && (declared.has(name) || TYPE_REFERENCES.has(name));
    } else if (ts.isTypeOperatorNode(node)) known = node.operator === ts.SyntaxKind.ReadonlyKeyword;
    else if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) {
      // Generics and `extends` need the checker.
      known = !node.typeParameters && !(ts.isInterfaceDeclaration(node) && node.heritageClauses);
    }
    ts.forEachChild(node, visit);
  };
  for (const node of nodes) visit(node);
  return { known, undefinedish: false, arrays: false };
}
