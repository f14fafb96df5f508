import { ts } from 'ts-morph';
import { describe, expect, it } from 'vitest';
import { schemaJsonSyntax, typeJsonSyntax } from '../src/analyze/json-syntax.js';
import { topLevelBindings } from '../src/analyze/scope.js';

/** What the AST says about `const schema = <expression>` (and the lines before it). */
function schema(expression: string, before = ''): boolean {
  const source = ts.createSourceFile(
    'a.ts',
    `import { z } from 'zod';\n${before}\nconst schema = ${expression};\n`,
    ts.ScriptTarget.Latest,
    true,
  );
  const declarations = source.statements
    .filter(ts.isVariableStatement)
    .flatMap((statement) => [...statement.declarationList.declarations]);
  const imports = [...topLevelBindings(source)].flatMap(([local, binding]) =>
    binding.kind === 'import'
      ? [{ from: binding.specifier, imported: binding.imported, local }]
      : [],
  );
  const syntax = schemaJsonSyntax(declarations, imports);
  return syntax.known && !(syntax.undefinedish && syntax.arrays);
}

function type(annotation: string, before = ''): boolean {
  const source = ts.createSourceFile(
    'a.ts',
    `${before}\ntype Result = ${annotation};\n`,
    ts.ScriptTarget.Latest,
    true,
  );
  const declarations = source.statements.filter(
    (statement) => ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement),
  );
  const names = new Set(
    declarations.map(
      (node) => (node as ts.InterfaceDeclaration | ts.TypeAliasDeclaration).name.text,
    ),
  );
  return typeJsonSyntax(declarations, names).known;
}

// The AST pass only decides when a schema certainly crosses JSON; "not known" goes to the
// type checker. So every unsafe construct must come out not known.
describe('the AST fast path of the JSON boundary check', () => {
  it('knows schemas made of JSON-safe zod builders and methods', () => {
    expect(
      schema("z.object({ id: z.string().min(1), at: z.date(), kind: z.enum(['a', 'b']) })"),
    ).toBe(true);
    expect(
      schema('z.object({ note: z.string().optional(), meta: z.record(z.string(), z.number()) })'),
    ).toBe(true);
    expect(schema('z.array(line).max(5)', 'const line = z.object({ sku: z.string() });')).toBe(
      true,
    );
    expect(schema('z.object({ s: z.string().transform((text) => new Set([text])) })')).toBe(true);
    expect(schema("z.enum(['a', 'b'] as const)")).toBe(true);
    expect(schema('z.iso.datetime().or(z.unknown())')).toBe(true);
  });

  it('leaves everything else to the type checker', () => {
    for (const unsafe of [
      'z.set(z.string())',
      'z.map(z.string(), z.number())',
      'z.object({ cents: z.bigint() })',
      'z.literal(1n)',
      'z.symbol()',
      'z.function()',
      'z.instanceof(RegExp)',
      'z.custom<() => void>()',
      'z.lazy(() => z.string())',
      'z.codec(z.string(), z.bigint(), { decode: BigInt, encode: String })',
      'z.string().pipe(z.bigint())',
      'z.object({}).catchall(z.bigint())',
      'makeSchema()',
      'z.object({}) as unknown as z.ZodType<Set<string>>',
    ]) {
      expect(schema(unsafe), unsafe).toBe(false);
    }
    expect(schema('typed', 'const typed: z.ZodType<Set<string>> = z.any();')).toBe(false);
  });

  it('leaves an array whose elements may be undefined to the type checker', () => {
    expect(schema('z.array(z.string().optional())')).toBe(false);
    expect(schema('z.array(maybe)', 'const maybe = z.number().default(1);')).toBe(false);
  });

  it('knows declared result types made of objects, arrays, unions, JSON primitives and Date', () => {
    expect(
      type('Promise<Level[]>', 'interface Level { sku: string; at: Date; note?: string }'),
    ).toBe(true);
    expect(type("{ status: 'ok' | 'failed'; count: number | null; tags: readonly string[] }")).toBe(
      true,
    );
    expect(type('void')).toBe(true);
  });

  it('leaves other result types to the type checker', () => {
    for (const unsafe of [
      'Set<string>',
      '{ id: bigint }',
      '{ done(): void }',
      '{ later: () => number }',
      'Money',
      'Box<string>',
    ]) {
      expect(type(unsafe, 'interface Box<T> { value: T }'), unsafe).toBe(false);
    }
    expect(type('Level', 'interface Level extends Base { sku: string }\ninterface Base {}')).toBe(
      false,
    );
  });
});
