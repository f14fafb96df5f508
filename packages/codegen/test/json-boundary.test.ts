import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGenerator,
  type Diagnostic,
  type GenerateResult,
  generate,
  loadConfig,
} from '../src/index.js';
import { compileErrors, makeTree, type Tree } from './tree.js';

const header = "import { defineTask } from '@conveyor/core';\nimport { z } from 'zod';\n";

/** A task file whose task (exported as `name`, named `json.<name>`) has the given fields. */
const task = (name: string, fields: string, before = '') =>
  `${header}${before}
export const ${name} = defineTask({
  name: 'json.${name}',
${fields}
});
`;

// One tree (one type-checker program) holds a task per case; each file has one problem.
const cases: Record<string, string> = {
  'set.ts': task('set', '  input: z.object({ tags: z.set(z.string()) }),\n  run() {},'),
  'map.ts': task(
    'map',
    '  input: z.object({ counts: z.map(z.string(), z.number()) }),\n  run() {},',
  ),
  'bigint.ts': task('bigint', '  input: z.object({ cents: z.bigint() }),\n  run() {},'),
  'regexp.ts': task('regexp', '  input: z.object({ pattern: z.instanceof(RegExp) }),\n  run() {},'),
  'function.ts': task('fn', '  input: z.object({ onDone: z.custom<() => void>() }),\n  run() {},'),
  'nested.ts': task(
    'nested',
    '  input: z.object({ order: z.object({ lines: z.array(z.object({ ids: z.set(z.string()) })) }) }),\n  run() {},',
  ),
  'element.ts': task(
    'element',
    '  input: z.object({ amounts: z.array(z.bigint()) }),\n  run() {},',
  ),
  'optional.ts': task(
    'optional',
    '  input: z.object({ note: z.string().optional(), tags: z.set(z.string()).optional() }),\n  run() {},',
  ),
  'undefined-element.ts': task(
    'undefinedElement',
    '  input: z.object({ names: z.array(z.string().optional()) }),\n  run() {},',
  ),
  'output.ts': task(
    'output',
    '  input: z.object({}),\n  output: z.object({ ids: z.set(z.string()) }),\n  run: () => ({ ids: new Set<string>() }),',
  ),
  'returns-set.ts': task('returnsSet', '  input: z.object({}),\n  run: () => new Set<string>(),'),
  'returns-class.ts': task(
    'returnsClass',
    '  input: z.object({}),\n  async run() {\n    return { price: new Money(250) };\n  },',
    `
class Money {
  constructor(readonly cents: number) {}
  format(): string {
    return (this.cents / 100).toFixed(2);
  }
}
`,
  ),
  'returns-function.ts': task(
    'returnsFunction',
    '  input: z.object({}),\n  run: () => ({ later: () => 1 }),',
  ),
  'recursive.ts': task(
    'recursive',
    '  input: z.object({}),\n  run: (): Category => ({ name: "root", children: [], tags: new Set() }),',
    '\ninterface Category {\n  name: string;\n  children: Category[];\n  tags: Set<string>;\n}\n',
  ),
};

let tree: Tree;
let result: GenerateResult;
const at = (file: string): Diagnostic[] =>
  result.diagnostics.filter((diagnostic) => diagnostic.file === `src/tasks/${file}`);
const only = (file: string): Diagnostic => {
  const found = at(file);
  expect(found, file).toHaveLength(1);
  return found[0] as Diagnostic;
};

beforeAll(async () => {
  tree = await makeTree(
    Object.fromEntries(Object.entries(cases).map(([file, text]) => [`src/tasks/${file}`, text])),
  );
  result = await generate({ cwd: tree.root });
});
afterAll(() => tree.remove());

describe('NOT_JSON_INPUT: an input schema whose input type cannot cross JSON', () => {
  it('a Set: at the schema expression, with z.array() as the fix', () => {
    const found = only('set.ts');
    expect(found).toMatchObject({ code: 'NOT_JSON_INPUT', line: 6, column: 10 });
    expect(found.message).toContain('the input schema of task "json.set"');
    expect(found.message).toContain('input.tags is a Set, which JSON turns into {}');
    expect(found.fix).toContain('z.array(…) instead of z.set(…)');
  });

  it('a Map: z.record() or entries', () => {
    const found = only('map.ts');
    expect(found.message).toContain('input.counts is a Map');
    expect(found.fix).toMatch(/z\.record\(.*\[key, value\] entries/);
  });

  it('a bigint: z.string() or a zod codec', () => {
    const found = only('bigint.ts');
    expect(found.message).toContain('input.cents is a bigint');
    expect(found.fix).toContain('z.string()');
    expect(found.fix).toContain('z.codec(z.string(), z.bigint()');
  });

  it('a class instance (RegExp): a plain object', () => {
    const found = only('regexp.ts');
    expect(found.message).toContain('input.pattern is a RegExp instance');
    expect(found.fix).toContain('plain z.object');
  });

  it('a function: remove it', () => {
    expect(only('function.ts').message).toContain('input.onDone is a function, which JSON drops');
    expect(only('function.ts').fix).toContain('Remove the field');
  });

  it('names the nested path, through objects and array elements', () => {
    expect(only('nested.ts').message).toContain('input.order.lines[].ids is a Set');
    expect(only('element.ts').message).toContain('input.amounts[] is a bigint');
  });

  it('checks optional fields (an optional string is fine, an optional Set is not)', () => {
    expect(only('optional.ts').message).toContain('input.tags is a Set');
  });

  it('an array element that may be undefined (it arrives as null)', () => {
    const found = only('undefined-element.ts');
    expect(found.message).toContain(
      'input.names[] is an array element that may be undefined, which arrives as null',
    );
    expect(found.fix).toContain('z.nullable');
  });
});

describe('NOT_JSON_RESULT: a result that cannot cross JSON', () => {
  it("the output schema's input type, at the output schema", () => {
    const found = only('output.ts');
    expect(found).toMatchObject({ code: 'NOT_JSON_RESULT', line: 7, column: 11 });
    expect(found.message).toContain('the output schema of task "json.output" reads a result');
    expect(found.message).toContain('result.ids is a Set');
  });

  it("run's return type without an output schema, at run", () => {
    const found = only('returns-set.ts');
    expect(found).toMatchObject({ code: 'NOT_JSON_RESULT', line: 7, column: 3 });
    expect(found.message).toContain('run of task "json.returnsSet" returns a result');
    expect(found.message).toMatch(/: result is a Set/);
    expect(found.fix).toContain('[...set]');
  });

  it('an instance of a class with methods, awaited from an async run', () => {
    const found = only('returns-class.ts');
    expect(found.message).toContain('result.price is a Money instance');
    expect(found.fix).toContain('plain object');
  });

  it('a function (reported once: not also as RESULT_TYPE_NOT_PORTABLE)', () => {
    expect(only('returns-function.ts').message).toContain('result.later is a function');
  });

  it('walks a recursive type once and still finds the Set in it', () => {
    expect(only('recursive.ts').message).toContain('result.tags is a Set');
  });

  it('writes nothing', () => {
    expect(result.ok).toBe(false);
    expect(result.files).toEqual([]);
  });
});

describe('what crosses JSON', () => {
  it('Dates, optional fields, unknown and any pass; a Date result is typed as its JSON form', async () => {
    const fine = await makeTree({
      'src/tasks/fine.ts': task(
        'fine',
        `  input: z.object({
    at: z.date(),
    note: z.string().optional(),
    payload: z.unknown(),
    extra: z.any(),
    lines: z.array(z.object({ sku: z.string(), at: z.date().nullable() })),
    kind: z.enum(['a', 'b']),
  }),
  output: z.object({ at: z.date(), meta: z.record(z.string(), z.number()) }),
  run: ({ at }) => ({ at, meta: {} }),`,
      ),
      'src/tasks/dated.ts': task(
        'dated',
        '  input: z.object({}),\n  run: () => ({ at: new Date(), note: undefined as string | undefined }),',
      ),
    });
    try {
      const outcome = await generate({ cwd: fine.root });
      expect(outcome.diagnostics).toEqual([]);
      const client = await readFile(fine.path('src/generated/client.ts'), 'utf8');
      expect(client).toContain('Jsonify<{ at: Date; note: string | undefined }>');
      expect(client).toContain('InferSchemaOutput<typeof fineOutputSchema');
    } finally {
      await fine.remove();
    }
  });
});

describe('result types from lib mapped types', () => {
  it('are written out structurally, and the generated client compiles', async () => {
    // Record, Partial, Pick and Object.fromEntries were written as `__type`, the checker's
    // internal name of their anonymous types: the client did not compile (TS2304), while
    // generate exited 0 and --check called the files fresh.
    const mapped = await makeTree({
      'src/tasks/mapped.ts': task(
        'mapped',
        `  input: z.object({}),
  run: () => ({
    scores: {} as Record<string, number>,
    some: {} as Partial<{ a: number; b: string }>,
    picked: {} as Pick<{ a: number; b: string }, 'a'>,
    keyed: {} as Record<'x' | 'y', boolean>,
    entries: Object.fromEntries([['a', 1]]),
  }),`,
      ),
    });
    try {
      const outcome = await generate({ cwd: mapped.root });
      expect(outcome.diagnostics).toEqual([]);
      const client = await readFile(mapped.path('src/generated/client.ts'), 'utf8');
      expect(client).not.toContain('__type');
      expect(client).toContain('scores: { [key: string]: number }');
      expect(client).toContain('some: { a?: number; b?: string }');
      expect(client).toContain('picked: { a: number }');
      expect(client).toContain('keyed: { x: boolean; y: boolean }');
      expect(client).toContain('entries: { [key: string]: number }');
      expect(await compileErrors(mapped, ['src/generated/client.ts'])).toEqual([]);
    } finally {
      await mapped.remove();
    }
  });
});

describe('re-checking', () => {
  it('a *.schema.ts module outside the task globs that changes is checked again', async () => {
    const schema = (cents: string) =>
      `import { z } from 'zod';\nexport const moneySchema = z.object({ cents: ${cents} });\n`;
    const changing = await makeTree({
      'src/schemas/money.schema.ts': schema('z.number()'),
      'src/tasks/pay.ts': `${header}import { moneySchema } from '../schemas/money.schema.js';
export const pay = defineTask({ name: 'json.pay', input: moneySchema, run() {} });
`,
    });
    try {
      const generator = createGenerator(await loadConfig({ cwd: changing.root }));
      expect((await generator.run()).diagnostics).toEqual([]);
      await changing.write('src/schemas/money.schema.ts', schema('z.bigint()'));
      const [found] = (await generator.run()).diagnostics;
      expect(found?.code).toBe('NOT_JSON_INPUT');
      expect(found?.message).toContain('input.cents is a bigint');
      await changing.write('src/schemas/money.schema.ts', schema('z.number()'));
      expect((await generator.run()).diagnostics).toEqual([]);
    } finally {
      await changing.remove();
    }
  });
});
