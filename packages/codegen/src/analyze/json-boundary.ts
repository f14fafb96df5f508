import { ts } from 'ts-morph';
import { isFromDefaultLib, propertyKey } from './result-type.js';

/** The first place in a type where a value cannot cross JSON, and what to do about it. */
export interface JsonProblem {
  /** e.g. `input.tags`, `result.lines[]`, `input.meta[string]`. */
  readonly path: string;
  /** e.g. `a Set`, `a RegExp instance`. */
  readonly what: string;
  /** What JSON does to it, e.g. `which JSON turns into {}`. */
  readonly becomes: string;
  readonly fix: string;
}

export interface JsonCheckOptions {
  /** Root of the paths: `input` or `result`. */
  readonly root: string;
  /**
   * Who controls the type: a schema (fixes name zod schemas) or `run`'s return value
   * (fixes say what to return instead).
   */
  readonly source: 'schema' | 'run';
  /**
   * The value is validated by a schema after the trip, so an `undefined` array element
   * (which arrives as `null`) fails there. A plain result is typed with core's `Jsonify`,
   * which says `null`, so there it is no problem.
   */
  readonly validatedAfter: boolean;
}

const MAX_DEPTH = 12;
/** Object types visited at most per check, so a huge type costs little. */
const MAX_TYPES = 2_000;

const NOT_CHECKABLE =
  ts.TypeFlags.Any |
  ts.TypeFlags.Unknown |
  ts.TypeFlags.Never |
  ts.TypeFlags.NonPrimitive |
  ts.TypeFlags.Instantiable;
const JSON_PRIMITIVE =
  ts.TypeFlags.StringLike |
  ts.TypeFlags.NumberLike |
  ts.TypeFlags.BooleanLike |
  ts.TypeFlags.EnumLike |
  ts.TypeFlags.Null;

/**
 * Walks a type and returns the first path whose value cannot cross JSON (the JSON boundary
 * rule of issue #14), or undefined. JSON-safe: string, number, boolean, null, arrays, plain
 * objects, optional properties and `Date` (it crosses as an ISO string). `unknown`, `any`
 * and type parameters pass: they cannot be checked statically (core checks them at run
 * time). Recursive types are walked once; nesting deeper than 12 is not checked.
 */
export function findJsonProblem(
  type: ts.Type,
  checker: ts.TypeChecker,
  options: JsonCheckOptions,
): JsonProblem | undefined {
  const seen = new Set<ts.Type>();
  const fixes = options.source === 'schema' ? SCHEMA_FIXES : RUN_FIXES;
  const problem = (path: string, kind: Kind, name?: string): JsonProblem => ({
    path,
    what: kind === 'instance' ? `a ${name} instance` : WHAT[kind],
    becomes: BECOMES[kind],
    fix: fixes[kind].replaceAll('NAME', name ?? ''),
  });

  const walk = (
    type: ts.Type,
    path: string,
    depth: number,
    inArray: boolean,
  ): JsonProblem | undefined => {
    const flags = type.flags;
    if (flags & (NOT_CHECKABLE | JSON_PRIMITIVE)) return undefined;
    if (flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) {
      return inArray && options.validatedAfter ? problem(path, 'undefined') : undefined;
    }
    if (flags & ts.TypeFlags.BigIntLike) return problem(path, 'bigint');
    if (flags & ts.TypeFlags.ESSymbolLike) return problem(path, 'symbol');
    if (type.isUnionOrIntersection()) {
      for (const member of type.types) {
        const found = walk(member, path, depth, inArray);
        if (found) return found;
      }
      return undefined;
    }
    if (!(flags & ts.TypeFlags.Object) || depth > MAX_DEPTH) return undefined;
    if (seen.has(type) || seen.size >= MAX_TYPES) return undefined;
    seen.add(type);

    if (checker.isArrayType(type)) {
      const [element] = checker.getTypeArguments(type as ts.TypeReference);
      return element && walk(element, `${path}[]`, depth + 1, true);
    }
    if (checker.isTupleType(type)) {
      const elements = checker.getTypeArguments(type as ts.TypeReference);
      for (const [index, element] of elements.entries()) {
        const found = walk(element, `${path}[${index}]`, depth + 1, true);
        if (found) return found;
      }
      return undefined;
    }
    const symbol = type.getSymbol();
    const libName = symbol && isFromDefaultLib(symbol) ? symbol.getName() : undefined;
    if (libName === 'Date') return undefined;
    if (libName && /^(Readonly|Weak)?Set$/.test(libName)) return problem(path, 'set');
    if (libName && /^(Readonly|Weak)?Map$/.test(libName)) return problem(path, 'map');
    if (type.getCallSignatures().length > 0 || type.getConstructSignatures().length > 0) {
      return problem(path, 'function');
    }
    if (symbol && isClassInstance(symbol, checker)) {
      return problem(path, 'instance', symbol.getName());
    }
    for (const info of checker.getIndexInfosOfType(type)) {
      const key = checker.typeToString(info.keyType);
      const found = walk(info.type, `${path}[${key}]`, depth + 1, false);
      if (found) return found;
    }
    for (const property of checker.getPropertiesOfType(type)) {
      const name = property.getName();
      // Symbol-keyed members (`[Symbol.iterator]`) are not data; JSON skips them.
      if (name.startsWith('__@')) continue;
      const declaration = property.valueDeclaration ?? property.declarations?.[0];
      const propertyType = declaration
        ? checker.getTypeOfSymbolAtLocation(property, declaration)
        : checker.getDeclaredTypeOfSymbol(property);
      const key = propertyKey(name);
      const next = key.startsWith('"') ? `${path}[${key}]` : `${path}.${key}`;
      const found = walk(propertyType, next, depth + 1, false);
      if (found) return found;
    }
    return undefined;
  };

  return walk(type, options.root, 0, false);
}

/**
 * An instance of a class (or a built-in like RegExp, URL, Error, Buffer: an interface with a
 * constructor value of the same name). Such values lose their prototype in JSON.
 */
function isClassInstance(symbol: ts.Symbol, checker: ts.TypeChecker): boolean {
  if (symbol.getName() === 'Object') return false;
  if (symbol.flags & ts.SymbolFlags.Class) return true;
  if (!(symbol.flags & ts.SymbolFlags.Interface && symbol.flags & ts.SymbolFlags.Variable)) {
    return false;
  }
  const value = symbol.valueDeclaration;
  return (
    value !== undefined &&
    checker.getTypeOfSymbolAtLocation(symbol, value).getConstructSignatures().length > 0
  );
}

type Kind = 'set' | 'map' | 'bigint' | 'symbol' | 'function' | 'instance' | 'undefined';

const WHAT: Record<Exclude<Kind, 'instance'>, string> = {
  set: 'a Set',
  map: 'a Map',
  bigint: 'a bigint',
  symbol: 'a symbol',
  function: 'a function',
  undefined: 'an array element that may be undefined',
};

const BECOMES: Record<Kind, string> = {
  set: 'which JSON turns into {}',
  map: 'which JSON turns into {}',
  bigint: 'which JSON.stringify cannot write (it throws)',
  symbol: 'which JSON drops',
  function: 'which JSON drops',
  instance: 'which arrives as a plain object without its prototype or methods',
  undefined: 'which arrives as null',
};

const SCHEMA_FIXES: Record<Kind, string> = {
  set: 'Use z.array(…) instead of z.set(…).',
  map: 'Use z.record(z.string(), …) instead of z.map(…), or an array of [key, value] entries: z.array(z.tuple([key, value])).',
  bigint:
    'Use z.string() instead of z.bigint(), or a codec that crosses as a string: z.codec(z.string(), z.bigint(), { decode: (text) => BigInt(text), encode: (value) => value.toString() }).',
  symbol: 'Remove the field, or use a string.',
  function: 'Remove the field: a function cannot cross JSON.',
  instance: 'Describe the fields you need with a plain z.object({ … }) instead of a NAME instance.',
  undefined:
    'Use null for a missing element (z.nullable(…) instead of .optional() inside z.array), or leave the element out.',
};

const RUN_FIXES: Record<Kind, string> = {
  set: 'Return an array instead ([...set]).',
  map: 'Return a plain object instead (Object.fromEntries(map)), or an array of [key, value] entries ([...map]).',
  bigint:
    'Return it as a string (value.toString()); to give readers a bigint back, declare output: z.codec(z.string(), z.bigint(), { decode: (text) => BigInt(text), encode: (value) => value.toString() }).',
  symbol: 'Remove it from the result, or return a string.',
  function: 'Remove it from the result: a function cannot cross JSON.',
  instance: 'Return a plain object with the fields readers need instead of a NAME instance.',
  undefined: 'Return null for a missing element (and accept null in the output schema).',
};
