import { ts } from 'ts-morph';
import type { Diagnostic } from '../diagnostics.js';
import { type JsonSyntax, schemaJsonSyntax, typeJsonSyntax, UNKNOWN_JSON } from './json-syntax.js';
import {
  type SchemaClosure,
  type SchemaImport,
  type SchemaScope,
  schemaClosure,
} from './schema-closure.js';
import { renderTemplate, type Template, toTemplate } from './template.js';

/** A same-file declaration a copied schema needs. */
export interface CopiedDeclaration {
  readonly name: string;
  readonly kind: 'const' | 'type';
  /** The declaration without `export`, e.g. `const line = z.object(…)`. */
  readonly template: Template;
}

/** A copied schema: the declarations it needs and the expression itself, as templates. */
export interface CopiedSchema {
  readonly declarations: readonly CopiedDeclaration[];
  readonly expression: Template;
  readonly imports: readonly SchemaImport[];
  /** Token text of everything copied, for the fingerprint. */
  readonly tokens: string;
  /** What the AST says about its JSON boundary (imported schema modules not included). */
  readonly json: JsonSyntax;
}

/** `run(…): Promise<Receipt>` → a copy of `Awaited<Promise<Receipt>>`, if it is self-contained. */
export function declaredReturnType(
  runNode: ts.Expression | undefined,
  config: ts.ObjectLiteralExpression,
  scope: SchemaScope,
): CopiedSchema | undefined {
  let annotation: ts.TypeNode | undefined;
  const method = config.properties.find(
    (property): property is ts.MethodDeclaration =>
      ts.isMethodDeclaration(property) &&
      ts.isIdentifier(property.name) &&
      property.name.text === 'run',
  );
  if (method) annotation = method.type;
  else if (runNode && (ts.isArrowFunction(runNode) || ts.isFunctionExpression(runNode))) {
    annotation = runNode.type;
  }
  if (!annotation) return undefined;
  const closure = schemaClosure(annotation, scope, 'result type');
  if (closure.problems.length > 0) return undefined;
  return copy(annotation, closure, 'type', ['Awaited<', '>']);
}

/** Copies a node (a schema, or with `wrap` a type) and the declarations it uses, as templates. */
export function copy(
  node: ts.Node,
  closure: SchemaClosure,
  kind: 'schema' | 'type',
  wrap?: readonly [string, string],
): CopiedSchema {
  const names = new Set([
    ...closure.imports.map((item) => item.local),
    ...closure.declarations.map((declaration) => declarationName(declaration).text),
  ]);
  const declarations = closure.declarations.map((declaration) => ({
    name: declarationName(declaration).text,
    kind: ts.isVariableDeclaration(declaration) ? ('const' as const) : ('type' as const),
    template: declarationTemplate(declaration, names),
  }));
  let expression = toTemplate(node, names);
  if (wrap) expression = [wrap[0], ...expression, wrap[1]];
  const tokens = [...declarations.map((d) => d.template), expression]
    .map((template) => tokenText(renderTemplate(template, (name) => name)))
    .join('\n');
  const nodes = [node, ...closure.declarations];
  const json =
    kind === 'schema'
      ? schemaJsonSyntax(nodes, closure.imports)
      : closure.imports.length > 0
        ? UNKNOWN_JSON
        : typeJsonSyntax(nodes, new Set(declarations.map((declaration) => declaration.name)));
  return { declarations, expression, imports: closure.imports, tokens, json };
}

function declarationName(node: ts.Node): ts.Identifier {
  return (node as ts.VariableDeclaration | ts.TypeAliasDeclaration | ts.InterfaceDeclaration)
    .name as ts.Identifier;
}

function declarationTemplate(node: ts.Node, names: ReadonlySet<string>): Template {
  const template = toTemplate(node, names, declarationName(node));
  if (ts.isVariableDeclaration(node)) return ['const ', ...template, ';'];
  const [first, ...rest] = template;
  return typeof first === 'string'
    ? [first.replace(/^(export\s+)?(declare\s+)?/, ''), ...rest]
    : template;
}

/** Source text reduced to its tokens, so formatting and comments do not change a fingerprint. */
export function tokenText(text: string): string {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, text);
  const tokens: string[] = [];
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    const token = scanner.getTokenText();
    // A trailing comma is formatting, not schema.
    if (/^[}\])>]$/.test(token) && tokens.at(-1) === ',') tokens.pop();
    tokens.push(token);
  }
  return tokens.join(' ');
}

/** Reports a problem at a node or a position, with its code, message and fix. */
export type Report = (
  at: ts.Node | { line: number; column: number },
  code: Diagnostic['code'],
  message: string,
  fix: string,
) => void;

/**
 * Copies a schema (a task's or a workflow's) into a copy the generated client can hold, or
 * reports why it cannot (an implementation import, a value it cannot follow).
 */
export function copySchema(
  node: ts.Expression,
  scope: SchemaScope,
  label: string,
  report: Report,
): CopiedSchema | undefined {
  const closure: SchemaClosure = schemaClosure(node, scope, label);
  if (closure.problems.length > 0) {
    for (const problem of closure.problems)
      report(problem, problem.code, problem.message, problem.fix);
    return undefined;
  }
  return copy(node, closure, 'schema');
}
