import { ts } from 'ts-morph';

/** A name bound at the top of a task file: an import or a declaration. */
export type TopLevelBinding =
  | {
      readonly kind: 'import';
      readonly specifier: string;
      /** `default`, `*` (namespace) or the exported name. */
      readonly imported: string;
      readonly typeOnly: boolean;
      readonly node: ts.ImportDeclaration;
    }
  | {
      readonly kind: 'const';
      readonly node: ts.VariableDeclaration;
      readonly statement: ts.VariableStatement;
    }
  | { readonly kind: 'type'; readonly node: ts.TypeAliasDeclaration | ts.InterfaceDeclaration }
  | { readonly kind: 'other'; readonly node: ts.Node; readonly what: string };

/** Top-level bindings of a file, by local name. Built once per file version. */
export function topLevelBindings(source: ts.SourceFile): Map<string, TopLevelBinding> {
  const bindings = new Map<string, TopLevelBinding>();
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (!clause || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
      const specifier = statement.moduleSpecifier.text;
      const typeOnly = clause.isTypeOnly;
      if (clause.name) {
        bindings.set(clause.name.text, {
          kind: 'import',
          specifier,
          imported: 'default',
          typeOnly,
          node: statement,
        });
      }
      const named = clause.namedBindings;
      if (named && ts.isNamespaceImport(named)) {
        bindings.set(named.name.text, {
          kind: 'import',
          specifier,
          imported: '*',
          typeOnly,
          node: statement,
        });
      } else if (named) {
        for (const element of named.elements) {
          bindings.set(element.name.text, {
            kind: 'import',
            specifier,
            imported: (element.propertyName ?? element.name).text,
            typeOnly: typeOnly || element.isTypeOnly,
            node: statement,
          });
        }
      }
    } else if (ts.isVariableStatement(statement)) {
      const isConst = (statement.declarationList.flags & ts.NodeFlags.Const) !== 0;
      for (const declaration of statement.declarationList.declarations) {
        for (const name of boundNames(declaration.name)) {
          bindings.set(
            name,
            isConst && ts.isIdentifier(declaration.name) && declaration.initializer
              ? { kind: 'const', node: declaration, statement }
              : {
                  kind: 'other',
                  node: declaration,
                  what: isConst ? 'a destructured const' : 'a let/var variable',
                },
          );
        }
      }
    } else if (ts.isTypeAliasDeclaration(statement) || ts.isInterfaceDeclaration(statement)) {
      bindings.set(statement.name.text, { kind: 'type', node: statement });
    } else if (
      (ts.isFunctionDeclaration(statement) ||
        ts.isClassDeclaration(statement) ||
        ts.isEnumDeclaration(statement)) &&
      statement.name
    ) {
      const what = ts.isFunctionDeclaration(statement)
        ? 'a function'
        : ts.isClassDeclaration(statement)
          ? 'a class'
          : 'an enum';
      bindings.set(statement.name.text, { kind: 'other', node: statement, what });
    }
  }
  return bindings;
}

/** Names a binding pattern introduces (`{ a, b: [c] }` → a, c). */
export function boundNames(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  const names: string[] = [];
  for (const element of name.elements) {
    if (ts.isBindingElement(element)) names.push(...boundNames(element.name));
  }
  return names;
}

/**
 * Free identifiers of `root`: names it reads that it does not bind itself (parameters,
 * locals, type parameters). Property names and `a.b`'s `b` are not references.
 */
export function freeReferences(root: ts.Node): ts.Identifier[] {
  const found: ts.Identifier[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) {
      if (isReference(node) && !isBoundWithin(node, root)) found.push(node);
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(root);
  return found;
}

function isReference(id: ts.Identifier): boolean {
  const parent = id.parent;
  if (!parent) return true;
  // `as const` and `<const>x` name no type: `const` is a keyword there.
  if (ts.isTypeReferenceNode(parent) && ts.isConstTypeReference(parent)) return false;
  if (ts.isPropertyAccessExpression(parent)) return parent.expression === id;
  if (ts.isQualifiedName(parent)) return parent.left === id;
  if (ts.isShorthandPropertyAssignment(parent)) return true;
  if (ts.isBindingElement(parent)) return false;
  if (ts.isBreakOrContinueStatement(parent) || ts.isLabeledStatement(parent)) return false;
  if (
    ts.isPropertyAssignment(parent) ||
    ts.isPropertySignature(parent) ||
    ts.isPropertyDeclaration(parent) ||
    ts.isMethodDeclaration(parent) ||
    ts.isMethodSignature(parent) ||
    ts.isGetAccessorDeclaration(parent) ||
    ts.isSetAccessorDeclaration(parent) ||
    ts.isEnumMember(parent) ||
    ts.isParameter(parent) ||
    ts.isVariableDeclaration(parent) ||
    ts.isFunctionDeclaration(parent) ||
    ts.isFunctionExpression(parent) ||
    ts.isClassDeclaration(parent) ||
    ts.isTypeParameterDeclaration(parent) ||
    ts.isTypeAliasDeclaration(parent) ||
    ts.isInterfaceDeclaration(parent) ||
    ts.isNamedTupleMember(parent)
  ) {
    return (parent as { name?: ts.Node }).name !== id;
  }
  return true;
}

/** True when a function, block or mapped type between `id` and `root` binds its name. */
function isBoundWithin(id: ts.Identifier, root: ts.Node): boolean {
  const name = id.text;
  for (let node: ts.Node | undefined = id.parent; node; node = node.parent) {
    if (ts.isFunctionLike(node)) {
      for (const parameter of node.parameters) {
        if (boundNames(parameter.name).includes(name)) return true;
      }
      if (node.typeParameters?.some((parameter) => parameter.name.text === name)) return true;
    }
    if (ts.isBlock(node)) {
      for (const statement of node.statements) {
        if (
          ts.isVariableStatement(statement) &&
          statement.declarationList.declarations.some((d) => boundNames(d.name).includes(name))
        ) {
          return true;
        }
      }
    }
    // `type Page<T> = …`, `interface Page<T> { … }`: T is the declaration's own.
    if (
      (ts.isTypeAliasDeclaration(node) || ts.isInterfaceDeclaration(node)) &&
      node.typeParameters?.some((parameter) => parameter.name.text === name)
    ) {
      return true;
    }
    if (ts.isMappedTypeNode(node) && node.typeParameter.name.text === name) return true;
    if (ts.isInferTypeNode(node) && node.typeParameter.name.text === name) return true;
    if (node === root) break;
  }
  return false;
}

/** 1-based line and column of a node's first token. */
export function positionOf(node: ts.Node): { line: number; column: number } {
  const source = node.getSourceFile();
  const { line, character } = source.getLineAndCharacterOfPosition(node.getStart(source));
  return { line: line + 1, column: character + 1 };
}

/** Strips parentheses, `as`, `satisfies` and `!` around an expression. */
export function unwrapExpression(node: ts.Expression): ts.Expression {
  let current = node;
  while (
    ts.isParenthesizedExpression(current) ||
    ts.isAsExpression(current) ||
    ts.isSatisfiesExpression(current) ||
    ts.isNonNullExpression(current)
  ) {
    current = current.expression;
  }
  return current;
}

/**
 * The value of option `key` of a call's first argument, when that argument is an object
 * literal and the value a string literal (`defineTask({ name: 'x' })`); else undefined.
 */
export function literalStringOption(call: ts.CallExpression, key: string): string | undefined {
  const [argument] = call.arguments;
  const config = argument && unwrapExpression(argument);
  if (!config || !ts.isObjectLiteralExpression(config)) return undefined;
  for (const property of config.properties) {
    if (
      ts.isPropertyAssignment(property) &&
      !ts.isComputedPropertyName(property.name) &&
      property.name.text === key
    ) {
      const value = unwrapExpression(property.initializer);
      if (ts.isStringLiteral(value) || ts.isNoSubstitutionTemplateLiteral(value)) return value.text;
    }
  }
  return undefined;
}
