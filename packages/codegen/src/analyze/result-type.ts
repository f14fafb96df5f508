import { ts } from 'ts-morph';

/** Why a result type cannot be written into the generated client. */
export class NotPortableType extends Error {}

const MAX_DEPTH = 12;

/**
 * Writes a type out structurally, so the generated client needs no import of the module
 * that declared it. Lib types (Date, Map, …) keep their names. Members of unions are
 * sorted, because the checker's order depends on what it happened to check first.
 */
export function printType(type: ts.Type, checker: ts.TypeChecker): string {
  return print(type, checker, 0, new Set());
}

function print(type: ts.Type, checker: ts.TypeChecker, depth: number, stack: Set<ts.Type>): string {
  if (depth > MAX_DEPTH || stack.has(type)) {
    throw new NotPortableType(`the type is recursive or nested deeper than ${MAX_DEPTH} levels`);
  }
  const flags = type.flags;
  if (flags & ts.TypeFlags.Any) return 'any';
  if (flags & ts.TypeFlags.Unknown) return 'unknown';
  if (flags & ts.TypeFlags.Never) return 'never';
  if (flags & ts.TypeFlags.Void) return 'void';
  if (flags & ts.TypeFlags.Undefined) return 'undefined';
  if (flags & ts.TypeFlags.Null) return 'null';
  if (flags & ts.TypeFlags.String) return 'string';
  if (flags & ts.TypeFlags.Number) return 'number';
  if (flags & ts.TypeFlags.BigInt) return 'bigint';
  if (flags & ts.TypeFlags.Boolean) return 'boolean';
  if (flags & ts.TypeFlags.ESSymbol) return 'symbol';
  if (flags & ts.TypeFlags.BooleanLiteral) return checker.typeToString(type);
  if (type.isStringLiteral()) return JSON.stringify(type.value);
  if (type.isNumberLiteral()) return String(type.value);
  if (flags & ts.TypeFlags.BigIntLiteral) return checker.typeToString(type);
  const next = new Set(stack).add(type);
  if (type.isUnion()) {
    const parts = type.types.map((member) => print(member, checker, depth + 1, next));
    // `boolean` is stored as `false | true`; write it back as one word.
    if (parts.includes('false') && parts.includes('true')) {
      parts.splice(parts.indexOf('false'), 1);
      parts.splice(parts.indexOf('true'), 1, 'boolean');
    }
    return sortUnique(parts).map(wrapForUnion).join(' | ');
  }
  if (type.isIntersection()) {
    return sortUnique(type.types.map((member) => print(member, checker, depth + 1, next)))
      .map(wrapForUnion)
      .join(' & ');
  }
  if (flags & ts.TypeFlags.TypeParameter) {
    throw new NotPortableType(`it contains the type parameter ${checker.typeToString(type)}`);
  }
  if (!(flags & ts.TypeFlags.Object)) {
    throw new NotPortableType(`codegen cannot write the type ${checker.typeToString(type)}`);
  }
  if (checker.isArrayType(type)) {
    const [element] = checker.getTypeArguments(type as ts.TypeReference);
    const readonly = type.getSymbol()?.getName() === 'ReadonlyArray' ? 'readonly ' : '';
    const text = element ? print(element, checker, depth + 1, next) : 'unknown';
    return `${readonly}${element && isCompound(element, text) ? `(${text})` : text}[]`;
  }
  if (checker.isTupleType(type)) {
    const reference = type as ts.TypeReference;
    const target = reference.target as ts.TupleType;
    const elements = checker.getTypeArguments(reference).map((element, index) => {
      const text = print(element, checker, depth + 1, next);
      const wrapped = isCompound(element, text) ? `(${text})` : text;
      const flag = target.elementFlags[index] ?? ts.ElementFlags.Required;
      if (flag & ts.ElementFlags.Rest) return `...${wrapped}[]`;
      return flag & ts.ElementFlags.Optional ? `${wrapped}?` : text;
    });
    return `${target.readonly ? 'readonly ' : ''}[${elements.join(', ')}]`;
  }
  const symbol = type.getSymbol();
  // A named lib type (Date, Map) by its name. An anonymous one has an internal name
  // (`__type`: the mapped type behind Record, Partial and Pick, the object type
  // Object.fromEntries returns), which the client cannot refer to: written out below.
  if (symbol && !symbol.getName().startsWith('__') && isFromDefaultLib(symbol)) {
    const args = checker
      .getTypeArguments(type as ts.TypeReference)
      .map((arg) => print(arg, checker, depth + 1, next));
    return args.length > 0 ? `${symbol.getName()}<${args.join(', ')}>` : symbol.getName();
  }
  if (type.getCallSignatures().length > 0 || type.getConstructSignatures().length > 0) {
    throw new NotPortableType('it contains a function, which a JSON result cannot hold');
  }
  const members: string[] = [];
  for (const info of checker.getIndexInfosOfType(type)) {
    const key = print(info.keyType, checker, depth + 1, next);
    const value = print(info.type, checker, depth + 1, next);
    members.push(`${info.isReadonly ? 'readonly ' : ''}[key: ${key}]: ${value}`);
  }
  for (const property of checker.getPropertiesOfType(type)) {
    const declaration = property.valueDeclaration ?? property.declarations?.[0];
    const atDeclaration = declaration
      ? checker.getTypeOfSymbolAtLocation(property, declaration)
      : checker.getDeclaredTypeOfSymbol(property);
    // A mapped type's member (`Record<'x' | 'y', boolean>`) reads as `any` at its lib
    // declaration (`[P in K]: T`); the symbol itself has the instantiated type.
    const propertyType =
      atDeclaration.flags & ts.TypeFlags.Any ? checker.getTypeOfSymbol(property) : atDeclaration;
    const optional = property.flags & ts.SymbolFlags.Optional ? '?' : '';
    const readonly =
      declaration && ts.getCombinedModifierFlags(declaration) & ts.ModifierFlags.Readonly
        ? 'readonly '
        : '';
    const valueText = print(
      optional ? checker.getNonNullableType(propertyType) : propertyType,
      checker,
      depth + 1,
      next,
    );
    members.push(`${readonly}${propertyKey(property.getName())}${optional}: ${valueText}`);
  }
  return members.length === 0 ? '{}' : `{ ${members.join('; ')} }`;
}

/** True for a symbol declared only in TypeScript's lib files (Date, Map, RegExp, …). */
export function isFromDefaultLib(symbol: ts.Symbol): boolean {
  const declarations = symbol.getDeclarations() ?? [];
  return (
    declarations.length > 0 &&
    declarations.every((declaration) => {
      const name = declaration.getSourceFile().fileName;
      return /\/lib\.[\w.]*\.d\.ts$/.test(name) || /\/typescript\/lib\//.test(name);
    })
  );
}

/** A property name as written in a type: bare when it is an identifier, else quoted. */
export function propertyKey(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
}

function wrapForUnion(text: string): string {
  return /^\(?.*=>/.test(text) ? `(${text})` : text;
}

/** Unions and intersections need parentheses before `[]` or `?`. */
function isCompound(type: ts.Type, text: string): boolean {
  return (type.isUnion() || type.isIntersection()) && / [|&] /.test(text);
}

function sortUnique(parts: string[]): string[] {
  return [...new Set(parts)].sort();
}
