import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Diagnostic, formatDiagnostic, generate } from '../src/index.js';
import { CONFIG, makeTree, taskFile } from './tree.js';

const header = "import { defineTask } from '@conveyor/core';\nimport { z } from 'zod';\n";

/** Generates in a fresh tree, checks nothing was written, returns the diagnostics. */
async function diagnose(files: Record<string, string>): Promise<Diagnostic[]> {
  const tree = await makeTree(files);
  try {
    const result = await generate({ cwd: tree.root });
    expect(result.ok).toBe(false);
    expect(result.files).toEqual([]);
    expect(existsSync(tree.path('src/generated/client.ts'))).toBe(false);
    return [...result.diagnostics];
  } finally {
    await tree.remove();
  }
}

describe('diagnostics', () => {
  it('DUPLICATE_TASK_NAME points at both definitions', async () => {
    const found = await diagnose({
      'src/tasks/a.ts': taskFile('first', 'shop.same'),
      'src/tasks/b.ts': taskFile('second', 'shop.same'),
    });
    expect(found.map((d) => [d.code, d.file, d.line, d.column])).toEqual([
      ['DUPLICATE_TASK_NAME', 'src/tasks/a.ts', 4, 22],
      ['DUPLICATE_TASK_NAME', 'src/tasks/b.ts', 4, 23],
    ]);
    expect(found[0]?.message).toContain(
      '"shop.same" is defined 2 times (src/tasks/a.ts:4, src/tasks/b.ts:4)',
    );
    expect(found[0]?.fix).toMatch(/unique name/);
  });

  it('TASK_FILE_SYNTAX where a task file stops parsing, beside what the rest still finds', async () => {
    const found = await diagnose({
      'src/tasks/a.ts': `${header}export const echo = defineTask({
  name: 'shop.echo',
  input: z.object({ n: z.number() }),
  async run({ n }) { return n; } );
`,
      'src/tasks/b.ts': `${header}export const = ;\n`,
    });
    const syntax = found.filter((d) => d.code === 'TASK_FILE_SYNTAX');
    expect(syntax.map((d) => d.file)).toEqual(
      expect.arrayContaining(['src/tasks/a.ts', 'src/tasks/b.ts']),
    );
    expect(syntax.find((d) => d.file === 'src/tasks/a.ts')).toMatchObject({ line: 6 });
    expect(syntax[0]?.message).toMatch(/^the file does not parse: /);
    expect(formatDiagnostic(syntax[0] as Diagnostic)).toContain('error TASK_FILE_SYNTAX');
  });

  it('of a task file that does not parse, only where it stops', async () => {
    // `defineTask({{` was also TASK_NAME_NOT_LITERAL ("the name … is missing"), though the
    // name was written on the next line.
    const found = await diagnose({
      'src/tasks/a.ts': `${header}export const echo = defineTask({{
  name: 'shop.echo',
  input: z.object({ n: z.number() }),
  run: ({ n }) => n,
});
`,
    });
    expect(found.map((d) => d.code)).toEqual(['TASK_FILE_SYNTAX']);
  });

  it('TASK_FILE_NOT_TYPESCRIPT for a .js file the tasks glob matches, beside the .ts ones', async () => {
    // The type checker crashed on a JavaScript task file ("reading 'escapedName'").
    const found = await diagnose({
      'conveyor.config.ts': CONFIG.replace("'src/tasks/*.ts'", "'src/tasks/*'"),
      'src/tasks/a.ts': taskFile('first', 'shop.first'),
      'src/tasks/b.js': `${header}export const second = defineTask({
  name: 'shop.second',
  input: z.object({ n: z.number() }),
  run: ({ n }) => n,
});
`,
    });
    expect(found).toEqual([
      expect.objectContaining({
        code: 'TASK_FILE_NOT_TYPESCRIPT',
        file: 'src/tasks/b.js',
        line: 1,
      }),
    ]);
    expect(found[0]?.message).toContain('src/tasks/b.js is not TypeScript');
    expect(found[0]?.fix).toMatch(/rename it to \.ts/);
  });

  it('DUPLICATE_EXPORT_NAME when two files export the same stub name', async () => {
    const found = await diagnose({
      'src/tasks/a.ts': taskFile('sendEmail', 'shop.a'),
      'src/tasks/b.ts': taskFile('sendEmail', 'shop.b'),
    });
    expect(found.map((d) => d.code)).toEqual(['DUPLICATE_EXPORT_NAME', 'DUPLICATE_EXPORT_NAME']);
  });

  it('TASK_NAME_NOT_LITERAL quotes the expression and shows the literal to write', async () => {
    const found = await diagnose({
      'src/tasks/a.ts': `${header}const PREFIX = 'shop';
export const sendEmail = defineTask({
  name: \`\${PREFIX}.sendEmail\`,
  input: z.object({}),
  run() {},
});
`,
    });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      code: 'TASK_NAME_NOT_LITERAL',
      file: 'src/tasks/a.ts',
      line: 5,
      column: 9,
    });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the message quotes the source text.
    expect(found[0]?.message).toContain('`${PREFIX}.sendEmail`');
    expect(found[0]?.fix).toContain("name: 'app.sendEmail'");
  });

  it('INVALID_TASK_NAME for a name core would reject', async () => {
    const found = await diagnose({ 'src/tasks/a.ts': taskFile('a', 'has a space') });
    expect(found.map((d) => d.code)).toEqual(['INVALID_TASK_NAME']);
  });

  it('MISSING_INPUT_SCHEMA says to add one', async () => {
    const found = await diagnose({
      'src/tasks/a.ts': `${header}export const ping = defineTask({ name: 'ops.ping', run() {} } as never);
`,
    });
    expect(found[0]).toMatchObject({ code: 'MISSING_INPUT_SCHEMA', line: 3, column: 32 });
    expect(found[0]?.fix).toContain('z.object({})');
  });

  // It was RESULT_TYPE_NOT_PORTABLE, whose fix (an output schema) generated a client for a
  // task no worker could load.
  it('MISSING_RUN says to add one, or to use taskContract', async () => {
    const found = await diagnose({
      'src/tasks/a.ts': `${header}export const ping = defineTask({ name: 'ops.ping', input: z.object({}) } as never);
`,
    });
    expect(found.map((d) => d.code)).toEqual(['MISSING_RUN']);
    // run: undefined, with an output schema (no result type to miss), generated a client.
    const undefinedRun = await diagnose({
      'src/tasks/a.ts': `${header}export const ping = defineTask({ name: 'ops.ping', input: z.object({}), output: z.number(), run: undefined } as never);\n`,
    });
    expect(undefinedRun.map((d) => d.code)).toEqual(['MISSING_RUN']);
    expect(found[0]).toMatchObject({ line: 3, column: 32 });
    expect(found[0]?.message).toBe(
      'task "ops.ping" has no run; the worker calls it for each job, and the result\'s type comes from it.',
    );
    expect(found[0]?.fix).toContain('taskContract');
    // A method, a property and a shorthand are each a run.
    const tree = await makeTree({
      'src/tasks/a.ts': `${header}const run = () => 1;
export const a = defineTask({ name: 'ops.a', input: z.object({}), run() { return 1; } });
export const b = defineTask({ name: 'ops.b', input: z.object({}), run: () => 1 });
export const c = defineTask({ name: 'ops.c', input: z.object({}), run });
`,
    });
    try {
      expect((await generate({ cwd: tree.root })).diagnostics).toEqual([]);
    } finally {
      await tree.remove();
    }
  });

  it('IMPLEMENTATION_IMPORT names the dependency and its import line, and says to use *.schema.ts', async () => {
    const found = await diagnose({
      'src/lib/db.ts': "export const idSchema = (await import('zod')).z.string();\n",
      'src/tasks/orders.ts': `${header}import { idSchema } from '../lib/db.js';

export const refund = defineTask({
  name: 'shop.refund',
  input: z.object({ id: idSchema }),
  run() {},
});
`,
    });
    expect(found).toHaveLength(1);
    const [diagnostic] = found;
    expect(diagnostic).toMatchObject({
      code: 'IMPLEMENTATION_IMPORT',
      file: 'src/tasks/orders.ts',
      line: 7,
      column: 25,
    });
    expect(diagnostic?.message).toContain('"idSchema", imported from "../lib/db.js" (line 3)');
    expect(diagnostic?.fix).toContain('orders.schema.ts');
    expect(formatDiagnostic(diagnostic as Diagnostic)).toMatch(
      /^src\/tasks\/orders\.ts:7:25 error IMPLEMENTATION_IMPORT: .*\n {2}fix: Move the schema/,
    );
  });

  it('IMPLEMENTATION_IMPORT for a package that is not zod', async () => {
    // An installed package (codegen's own dependency): one that does not resolve is
    // SCHEMA_IMPORT_NOT_FOLLOWED (schema-imports.test.ts).
    const found = await diagnose({
      'src/tasks/a.ts': `${header}import { isDynamicPattern } from 'tinyglobby';
export const a = defineTask({
  name: 'shop.a',
  input: z.object({ email: z.string().refine(isDynamicPattern) }),
  run() {},
});
`,
    });
    expect(found[0]?.code).toBe('IMPLEMENTATION_IMPORT');
    expect(found[0]?.message).toContain('package "tinyglobby"');
  });

  it('IMPLEMENTATION_IMPORT inside a *.schema.ts module that imports implementation code', async () => {
    const found = await diagnose({
      'src/lib/db.ts': 'export const pool = {};\n',
      'src/tasks/a.schema.ts':
        "import { z } from 'zod';\nimport { pool } from '../lib/db.js';\nexport const aSchema = z.object({ n: z.number() });\nexport { pool };\n",
      'src/tasks/a.ts': `${header}import { aSchema } from './a.schema.js';
export const a = defineTask({ name: 'shop.a', input: aSchema, run() {} });
`,
    });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      code: 'IMPLEMENTATION_IMPORT',
      file: 'src/tasks/a.schema.ts',
      line: 2,
      column: 1,
    });
  });

  it('SCHEMA_NOT_STATIC for a schema built by a function, or from something undeclared', async () => {
    const found = await diagnose({
      'src/tasks/a.ts': `${header}function makeSchema() {
  return z.object({ id: z.string() });
}
export const a = defineTask({ name: 'shop.a', input: makeSchema(), run() {} });
export const b = defineTask({ name: 'shop.b', input: z.object({ at: z.string().default(process.env.TZ ?? 'UTC') }), run() {} });
`,
    });
    expect(found.map((d) => [d.code, d.line])).toEqual([
      ['SCHEMA_NOT_STATIC', 6],
      ['SCHEMA_NOT_STATIC', 7],
    ]);
    expect(found[0]?.message).toContain('"makeSchema", a function declared at line 3');
    expect(found[1]?.message).toContain('"process", which is not declared in this file');
  });

  it('OPTION_NOT_STATIC for a queue read from the environment', async () => {
    const found = await diagnose({
      'src/tasks/a.ts': taskFile('a', 'shop.a', '\n  queue: process.env.QUEUE,'),
    });
    expect(found[0]).toMatchObject({ code: 'OPTION_NOT_STATIC', line: 7, column: 10 });
    expect(found[0]?.message).toContain('queue of task "shop.a" is "process.env.QUEUE"');
  });

  it('OPTION_NOT_STATIC for index fields computed at run time', async () => {
    const found = await diagnose({
      'src/tasks/a.ts': taskFile('a', 'shop.a', "\n  index: ['orderId', process.env.FIELD],"),
    });
    expect(found[0]).toMatchObject({ code: 'OPTION_NOT_STATIC', line: 7 });
    expect(found[0]?.message).toContain('index of task "shop.a" is "process.env.FIELD"');
  });

  it('TASK_NOT_EXPORTED for an unexported or default-exported task', async () => {
    const found = await diagnose({
      'src/tasks/a.ts': taskFile('a', 'shop.a').replace('export const a', 'const a'),
      'src/tasks/b.ts': `${header}export default defineTask({ name: 'shop.b', input: z.object({}), run() {} });\n`,
    });
    expect(found.map((d) => [d.code, d.file])).toEqual([
      ['TASK_NOT_EXPORTED', 'src/tasks/a.ts'],
      ['TASK_NOT_EXPORTED', 'src/tasks/b.ts'],
    ]);
  });

  it('TASK_NOT_EXPORTED calls `export default t` of a task const a default export, not unexported', async () => {
    const found = await diagnose({
      'src/tasks/a.ts': `${header}const t = defineTask({ name: 'shop.t', input: z.object({}), run() {} });\nexport default t;\n`,
      'src/tasks/b.ts': `${header}const u = defineTask({ name: 'shop.u', input: z.object({}), run() {} });\nexport { u as default };\n`,
    });
    expect(found.map((d) => [d.code, d.file, d.line])).toEqual([
      ['TASK_NOT_EXPORTED', 'src/tasks/a.ts', 3],
      ['TASK_NOT_EXPORTED', 'src/tasks/b.ts', 3],
    ]);
    for (const diagnostic of found) {
      expect(diagnostic.message).toBe(
        'a task is the default export; the generated client names each stub after its export.',
      );
    }
    expect(found[0]?.fix).toBe('Export it by name instead: `export const t = defineTask({ … })`.');
  });

  it('RESULT_TYPE_NOT_PORTABLE when an inferred result type cannot be written out', async () => {
    const found = await diagnose({
      'src/tasks/a.ts': `${header}${RECURSIVE}export const a = defineTask({
  name: 'shop.a',
  input: z.object({}),
  run: () => root(),
});
`,
    });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ code: 'RESULT_TYPE_NOT_PORTABLE', line: 9, column: 18 });
    expect(found[0]?.message).toContain('recursive');
    expect(found[0]?.fix).toContain('output schema');
  });

  it('reports every problem in one run: duplicate names beside schema, export and type problems', async () => {
    const found = await diagnose({
      // A schema problem: this task is not generated, but its name still counts.
      'src/tasks/a.ts': `${header}export const first = defineTask({
  name: 'shop.same',
  input: z.object({ at: z.string().default(process.env.TZ ?? 'UTC') }),
  run() {},
});
`,
      'src/tasks/b.ts': taskFile('second', 'shop.same'),
      'src/tasks/c.ts': taskFile('third', 'shop.same').replace('export const', 'const'),
      // Found by the type checker, which runs even when other files have problems.
      'src/tasks/d.ts': `${header}${RECURSIVE}export const d = defineTask({
  name: 'shop.d',
  input: z.object({ tags: z.set(z.string()) }),
  run: () => root(),
});
`,
    });
    expect(found.map((d) => [d.file, d.code])).toEqual([
      ['src/tasks/a.ts', 'DUPLICATE_TASK_NAME'],
      ['src/tasks/a.ts', 'SCHEMA_NOT_STATIC'],
      ['src/tasks/b.ts', 'DUPLICATE_TASK_NAME'],
      ['src/tasks/c.ts', 'TASK_NOT_EXPORTED'],
      ['src/tasks/c.ts', 'DUPLICATE_TASK_NAME'],
      ['src/tasks/d.ts', 'RESULT_TYPE_NOT_PORTABLE'],
      ['src/tasks/d.ts', 'NOT_JSON_INPUT'],
    ]);
    expect(found[0]?.message).toContain(
      '"shop.same" is defined 3 times (src/tasks/a.ts:3, src/tasks/b.ts:4, src/tasks/c.ts:4)',
    );
  });
});

/** A recursive type and a function returning it: its inferred result cannot be written out. */
const RECURSIVE = `
interface Category {
  name: string;
  children: Category[];
}
const root = (): Category => ({ name: 'root', children: [] });
`;
