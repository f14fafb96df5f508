import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { createClient, memoryTransport } from '@conveyor/core';
import { afterEach, describe, expect, it } from 'vitest';
import { relativeSpecifier } from '../src/emit/imports.js';
import { generate } from '../src/index.js';
import { compileErrors, makeTree, type Tree, taskFile } from './tree.js';

let tree: Tree | undefined;
afterEach(async () => {
  await tree?.remove();
  tree = undefined;
});

const header = `import { defineTask } from '@conveyor/core';
import { z } from 'zod';
`;

describe('project layouts users have', () => {
  it('the compile check the layouts use reports an error in a checked file, and only there', async () => {
    tree = await makeTree({
      'src/generated/client.ts': `import { taskContract } from '@conveyor/core';
export const count: number = 'one';
export const contract = taskContract;
`,
      // An error in a file the checked one does not import is not the check's to report.
      'src/elsewhere.ts': `export const flag: boolean = 1;\n`,
    });
    const errors = await compileErrors(tree, ['src/generated/client.ts']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("Type 'string' is not assignable to type 'number'");
  });

  it("compiles under noUnusedLocals (Vite's template): the client imports only the core names it uses", async () => {
    tree = await makeTree({
      // No output schema: InferSchemaOutput was imported all the same, and unused.
      'src/tasks/mail.ts': `${header}
export const sendMail = defineTask({
  name: 'mail.send',
  input: z.object({ to: z.string() }),
  run: () => ({ sent: true }),
});
`,
      'tsconfig.strict.json': JSON.stringify({
        extends: './tsconfig.json',
        compilerOptions: { noUnusedLocals: true },
      }),
    });
    expect((await generate({ cwd: tree.root })).diagnostics).toEqual([]);
    const client = await readFile(tree.path('src/generated/client.ts'), 'utf8');
    expect(client).toContain(
      "import { bindTask, type Client, InvalidOptionError, type Jsonify, taskContract } from '@conveyor/core';",
    );
    expect(await compileErrors(tree, ['src/generated/client.ts'], 'tsconfig.strict.json')).toEqual(
      [],
    );
    // Every task with an output schema: Jsonify is the unused one (the same rule: one compile
    // of a type-checked project is enough for this test's cost).
    await tree.write('src/tasks/mail.ts', taskFile('sendMail', 'mail.send'));
    expect((await generate({ cwd: tree.root })).diagnostics).toEqual([]);
    expect(await readFile(tree.path('src/generated/client.ts'), 'utf8')).toContain(
      "import { bindTask, type Client, type InferSchemaOutput, InvalidOptionError, taskContract } from '@conveyor/core';",
    );
  });

  it('copies `as const` objects and generic types a schema uses', async () => {
    tree = await makeTree({
      'src/tasks/modes.ts': `${header}
const Mode = { Fast: 'fast', Slow: 'slow' } as const;
type Box<T> = { value: T };
interface Page<T> { items: T[] }
const boxed: z.ZodType<Box<string>> = z.object({ value: z.string() });
const paged: z.ZodType<Page<number>> = z.object({ items: z.array(z.number()) });
export const pickMode = defineTask({
  name: 'app.pickMode',
  input: z.object({ mode: z.enum(Mode), boxed, paged }),
  output: z.object({ ok: z.boolean() }),
  run: () => ({ ok: true }),
});
`,
    });
    const result = await generate({ cwd: tree.root });
    expect(result.diagnostics).toEqual([]);
    const client = await readFile(tree.path('src/generated/client.ts'), 'utf8');
    expect(client).toContain(
      "export const pickMode$Mode = { Fast: 'fast', Slow: 'slow' } as const;",
    );
    expect(client).toContain('export type pickMode$Box<T> = { value: T };');
    expect(client).toContain('export interface pickMode$Page<T> { items: T[] }');
  });

  it('imports .mts and .cts task files and schema modules by their .mjs/.cjs names', async () => {
    tree = await makeTree({
      'conveyor.config.ts': `export default {
  tasks: ['src/tasks/*.{ts,mts,cts}'],
  client: 'src/generated/client.ts',
  registry: 'src/generated/registry.ts',
  importExtension: '',
};
`,
      'src/tasks/ids.schema.cts': `import { z } from 'zod';
export const idSchema = z.object({ id: z.string() });
`,
      'src/tasks/legacy.cts': `${header}import { idSchema } from './ids.schema.cjs';
export const legacy = defineTask({ name: 'app.legacy', input: idSchema, output: z.number(), run: () => 1 });
`,
      'src/tasks/modern.mts': `${header}
export const modern = defineTask({ name: 'app.modern', input: z.object({}), output: z.number(), run: () => 2 });
`,
      'src/tasks/plain.ts': `${header}
export const plain = defineTask({ name: 'app.plain', input: z.object({}), output: z.number(), run: () => 3 });
`,
    });
    const result = await generate({ cwd: tree.root });
    expect(result.diagnostics).toEqual([]);
    const client = await readFile(tree.path('src/generated/client.ts'), 'utf8');
    const registry = await readFile(tree.path('src/generated/registry.ts'), 'utf8');
    expect(client).toContain("import { idSchema } from '../tasks/ids.schema.cjs';");
    expect(registry).toContain("import { legacy } from '../tasks/legacy.cjs';");
    expect(registry).toContain("import { modern } from '../tasks/modern.mjs';");
    expect(registry).toContain("import { plain } from '../tasks/plain';");
  });

  it('suggests a schema module of the task file’s own module kind', async () => {
    tree = await makeTree({
      'conveyor.config.ts': `export default {
  tasks: ['src/tasks/*.cts'],
  client: 'src/generated/client.ts',
  registry: 'src/generated/registry.ts',
};
`,
      'src/lib/ids.cts': `import { z } from 'zod';
export const idSchema = z.object({ id: z.string() });
`,
      'src/tasks/legacy.cts': `${header}import { idSchema } from '../lib/ids.cjs';
export const legacy = defineTask({ name: 'app.legacy', input: idSchema, output: z.number(), run: () => 1 });
`,
    });
    const result = await generate({ cwd: tree.root });
    expect(result.diagnostics.map((d) => [d.code, d.fix])).toEqual([
      [
        'IMPLEMENTATION_IMPORT',
        expect.stringContaining('a module named like legacy.schema.cts that imports only zod'),
      ],
    ]);
  });

  it('keeps a task exported under a reserved word (`export { remove as delete }`)', async () => {
    tree = await makeTree({
      'src/tasks/records.ts': `${header}
const remove = defineTask({ name: 'records.delete', input: z.object({ id: z.string() }), output: z.number(), run: () => 1 });
const copy = defineTask({ name: 'records.new', input: z.object({}), output: z.number(), run: () => 2 });
export { remove as delete, copy as new };
`,
    });
    const result = await generate({ cwd: tree.root });
    expect(result.diagnostics).toEqual([]);
    const registry = await readFile(tree.path('src/generated/registry.ts'), 'utf8');
    expect(registry).toContain(
      "import { delete as delete_2, new as new_2 } from '../tasks/records.js';",
    );
    const client = await import(pathToFileURL(tree.path('src/generated/client.ts')).href);
    const transport = memoryTransport();
    client.configureConveyor(createClient({ transport }));
    const job = await client.delete.delay({ id: 'r-1' });
    expect(job.id).toMatch(/^default:/);
    expect(typeof client.new.delay).toBe('function');
    await transport.close();
    const workers = await import(pathToFileURL(tree.path('src/generated/registry.ts')).href);
    expect(workers.tasks.map((task: { name: string }) => task.name)).toEqual([
      'records.delete',
      'records.new',
    ]);
  });

  it('keeps a workflow exported under a reserved word (`export { order as new }`)', async () => {
    tree = await makeTree({
      'src/tasks/flows.ts': `import { defineTask, defineWorkflow } from '@conveyor/core';
import { z } from 'zod';
export const charge = defineTask({ name: 'flows.charge', input: z.object({ id: z.string() }), output: z.number(), run: () => 1 });
const order = defineWorkflow({
  name: 'flows.order',
  input: z.object({ id: z.string() }),
  steps: (flow) => flow.step('charge', charge),
});
export { order as new };
`,
    });
    const result = await generate({ cwd: tree.root });
    expect(result.diagnostics).toEqual([]);
    const client = await import(pathToFileURL(tree.path('src/generated/client.ts')).href);
    const transport = memoryTransport();
    client.configureConveyor(createClient({ transport }));
    const run = await client.new.delay({ id: 'o-1' });
    expect(run.id).toMatch(/^wf_/);
    await transport.close();
  });

  it('reports a task defined inside an array instead of leaving it out', async () => {
    tree = await makeTree({
      'src/tasks/all.ts': `${header}
export const first = defineTask({ name: 'app.first', input: z.object({}), output: z.number(), run: () => 1 });
export const tasks = [
  first,
  defineTask({ name: 'app.second', input: z.object({}), output: z.number(), run: () => 2 }),
];
export function makeTask(name: string) {
  return defineTask({ name, input: z.object({}), run: () => 3 });
}
`,
    });
    const result = await generate({ cwd: tree.root });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map(({ code, line, column }) => ({ code, line, column }))).toEqual([
      { code: 'TASK_NOT_EXPORTED', line: 7, column: 3 },
      { code: 'TASK_NOT_EXPORTED', line: 10, column: 10 },
    ]);
    expect(result.diagnostics[0]?.fix).toContain('export const sendWelcomeEmail = defineTask(');
  });

  it('reports a task made by a factory function instead of leaving it out', async () => {
    tree = await makeTree({
      'src/tasks/f.ts': `${header}
function makeTask<N extends string>(name: N) {
  return defineTask({ name, input: z.object({ id: z.string() }), async run({ id }) { return id; } });
}
export const f1 = makeTask('f.one');
export const f2 = makeTask('f.two');
export const g = (() => defineTask({ name: 'g', input: z.object({}), run: () => 1 }))();
export class Tasks {
  static h = defineTask({ name: 'h', input: z.object({}), run: () => 1 });
}
`,
    });
    const result = await generate({ cwd: tree.root });
    expect(result.ok).toBe(false);
    expect(existsSync(tree.path('src/generated/client.ts'))).toBe(false);
    expect(result.diagnostics.map(({ code, line, column }) => ({ code, line, column }))).toEqual([
      { code: 'TASK_NOT_EXPORTED', line: 5, column: 10 },
      { code: 'TASK_NOT_EXPORTED', line: 9, column: 25 },
      { code: 'TASK_NOT_EXPORTED', line: 11, column: 14 },
    ]);
    const [factory, arrow, member] = result.diagnostics;
    expect(factory?.message).toBe(
      'this task is made inside function "makeTask", which codegen does not run: it reads only `export const x = defineTask({ … })` at the top level of a task file, and the tasks made there ("f1", "f2") would be missing from the generated client and the worker registry.',
    );
    expect(factory?.fix).toMatch(
      /^Declare each task at the top level with a literal name, e\.g\. `export const f1 = defineTask\(\{ name: '…', input, run \}\)`/,
    );
    expect(arrow?.message).toMatch(/^this task is made inside a function, /);
    expect(member?.message).toMatch(/^this task is made inside class "Tasks", /);
  });

  it('writes each source extension as TypeScript resolves it', () => {
    const from = '/p/src/generated/client.ts';
    const cases: [string, '.js' | '.ts' | '', string][] = [
      ['/p/src/tasks/a.ts', '.js', '../tasks/a.js'],
      ['/p/src/tasks/a.ts', '', '../tasks/a'],
      ['/p/src/tasks/a.tsx', '.js', '../tasks/a.js'],
      ['/p/src/tasks/a.tsx', '', '../tasks/a'],
      ['/p/src/tasks/a.tsx', '.ts', '../tasks/a.tsx'],
      ['/p/src/tasks/a.mts', '', '../tasks/a.mjs'],
      ['/p/src/tasks/a.mts', '.js', '../tasks/a.mjs'],
      ['/p/src/tasks/a.cts', '', '../tasks/a.cjs'],
      ['/p/src/tasks/a.cts', '.js', '../tasks/a.cjs'],
      ['/p/src/tasks/a.cts', '.ts', '../tasks/a.cts'],
    ];
    for (const [to, extension, expected] of cases) {
      expect(relativeSpecifier(from, to, extension)).toBe(expected);
    }
  });
});
