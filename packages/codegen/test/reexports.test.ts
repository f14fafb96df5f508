import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { generate } from '../src/index.js';
import { CONFIG, makeTree, type Tree, taskFile } from './tree.js';

let tree: Tree | undefined;
afterEach(async () => {
  await tree?.remove();
  tree = undefined;
});

const hidden = taskFile('hiddenTask', 'cg.hidden');

describe('a task file that exports a task defined outside `tasks`', () => {
  it('TASK_OUTSIDE_TASK_FILES at the re-export, naming the task and its file, and nothing is written', async () => {
    // Before, generate passed without a word: no stub, no registry entry, jobs dead-lettered.
    tree = await makeTree({
      'src/tasks/ping.ts': taskFile('ping', 'ops.ping'),
      'src/tasks/reexport.ts': "export { hiddenTask } from '../lib/hidden.js';\n",
      'src/lib/hidden.ts': hidden,
    });
    const result = await generate({ cwd: tree.root });
    expect(result.ok).toBe(false);
    expect(result.files).toEqual([]);
    expect(existsSync(tree.path('src/generated/registry.ts'))).toBe(false);
    expect(result.diagnostics).toEqual([
      {
        code: 'TASK_OUTSIDE_TASK_FILES',
        file: 'src/tasks/reexport.ts',
        line: 1,
        column: 10,
        message:
          'task "cg.hidden" (hiddenTask) is exported here but defined in src/lib/hidden.ts, which is not a task file (`tasks` is ["src/tasks/*.ts"]); codegen reads tasks only from task files, so it gets no stub and no registry entry, no worker runs it, and its jobs are dead-lettered UNKNOWN_TASK.',
        fix: "Add src/lib/hidden.ts to the config's `tasks` globs, or define the task in a task file.",
      },
    ]);
  });

  it('follows `export *`, barrels outside `tasks` and an import exported again', async () => {
    tree = await makeTree({
      'src/tasks/star.ts': "export * from '../lib/barrel.js';\n",
      'src/tasks/again.ts': [
        "import { hiddenTask as h } from '../lib/hidden.js';",
        "import * as lib from '../lib/hidden.js';",
        'export { h as renamed, lib };',
        '',
      ].join('\n'),
      'src/lib/barrel.ts': "export { hiddenTask as viaBarrel } from './hidden.js';\n",
      'src/lib/hidden.ts': hidden,
    });
    const result = await generate({ cwd: tree.root });
    expect(result.diagnostics.map((d) => [d.code, d.file, d.line, d.column])).toEqual([
      ['TASK_OUTSIDE_TASK_FILES', 'src/tasks/again.ts', 3, 10],
      ['TASK_OUTSIDE_TASK_FILES', 'src/tasks/again.ts', 3, 24],
      ['TASK_OUTSIDE_TASK_FILES', 'src/tasks/star.ts', 1, 1],
    ]);
    expect(result.diagnostics.every((d) => d.message.includes('src/lib/hidden.ts'))).toBe(true);
  });

  it('says nothing of re-exports from task files, of schemas and helpers, or of types; and the task is read once its file is in `tasks`', async () => {
    const files = {
      'src/tasks/ping.ts': taskFile('ping', 'ops.ping'),
      'src/tasks/index.ts': [
        "export { ping as pong } from './ping.js';",
        "export { orderSchema, type Order } from '../lib/orders.js';",
        "export type { HiddenInput } from '../lib/hidden.js';",
        "export { hiddenTask } from '../lib/hidden.js';",
        '',
      ].join('\n'),
      'src/lib/orders.ts':
        "import { z } from 'zod';\nexport const orderSchema = z.object({ id: z.string() });\nexport type Order = { id: string };\n",
      'src/lib/hidden.ts': `${hidden}export type HiddenInput = { id: string };\n`,
    };
    tree = await makeTree(files);
    const outside = await generate({ cwd: tree.root });
    expect(outside.diagnostics.map((d) => [d.code, d.line])).toEqual([
      ['TASK_OUTSIDE_TASK_FILES', 4],
    ]);
    await tree.remove();

    tree = await makeTree({
      ...files,
      'conveyor.config.ts': CONFIG.replace(
        "'src/tasks/*.ts'",
        "'src/tasks/*.ts', 'src/lib/hidden.ts'",
      ),
    });
    const inside = await generate({ cwd: tree.root });
    expect(inside.diagnostics).toEqual([]);
    expect(inside.tasks.map((t) => [t.name, t.file])).toEqual([
      ['cg.hidden', 'src/lib/hidden.ts'],
      ['ops.ping', 'src/tasks/ping.ts'],
    ]);
    const registry = await readFile(tree.path('src/generated/registry.ts'), 'utf8');
    expect(registry).toContain("from '../lib/hidden.js'");
  });
});
