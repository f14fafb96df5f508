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

describe('a task file that exports a schedule or workflow defined outside `tasks`', () => {
  it('TASK_OUTSIDE_TASK_FILES for each, naming what it is, its file and the fix, and nothing is written', async () => {
    // Before, generate passed: the schedule was never stored or fired, the workflow had no
    // stub and no registry entry.
    tree = await makeTree({
      'src/tasks/ping.ts': taskFile('ping', 'ops.ping'),
      'src/tasks/reexport.ts': [
        "export { nightly } from '../lib/hidden-sched.js';",
        "export { hwf } from '../lib/hidden-wf.js';",
        '',
      ].join('\n'),
      'src/lib/hidden-sched.ts': [
        "import { defineSchedule } from '@conveyor/core';",
        "import { ping } from '../tasks/ping.js';",
        "export const nightly = defineSchedule({ id: 'cg.nightly', task: ping, every: '1m', input: { id: 'x' } });",
        '',
      ].join('\n'),
      'src/lib/hidden-wf.ts': [
        "import * as core from '@conveyor/core';",
        "import { z } from 'zod';",
        "import { ping } from '../tasks/ping.js';",
        "export const hwf = core.defineWorkflow({ name: 'cg.hwf', input: z.object({ id: z.string() }), steps: (flow) => flow.step('p', ping) });",
        '',
      ].join('\n'),
    });
    const result = await generate({ cwd: tree.root });
    expect(result.ok).toBe(false);
    expect(result.files).toEqual([]);
    expect(existsSync(tree.path('src/generated/registry.ts'))).toBe(false);
    const tasks = '(`tasks` is ["src/tasks/*.ts"])';
    expect(result.diagnostics).toEqual([
      {
        code: 'TASK_OUTSIDE_TASK_FILES',
        file: 'src/tasks/reexport.ts',
        line: 1,
        column: 10,
        message: `schedule "cg.nightly" (nightly) is exported here but defined in src/lib/hidden-sched.ts, which is not a task file ${tasks}; codegen reads schedules only from task files, so it gets no registry entry, and no worker stores or fires it.`,
        fix: "Add src/lib/hidden-sched.ts to the config's `tasks` globs, or define the schedule in a task file.",
      },
      {
        code: 'TASK_OUTSIDE_TASK_FILES',
        file: 'src/tasks/reexport.ts',
        line: 2,
        column: 10,
        message: `workflow "cg.hwf" (hwf) is exported here but defined in src/lib/hidden-wf.ts, which is not a task file ${tasks}; codegen reads workflows only from task files, so it gets no stub and no registry entry, and no worker runs it.`,
        fix: "Add src/lib/hidden-wf.ts to the config's `tasks` globs, or define the workflow in a task file.",
      },
    ]);
  });
});

describe('an outside task exported again in other forms', () => {
  it('`export const x = t`, `= ns.t`, `export default t`, a const alias, and a default-exported or aliased outside task (`export { default as x } from`)', async () => {
    tree = await makeTree({
      'src/tasks/const.ts':
        "import { hiddenTask } from '../lib/hidden.js';\nexport const ht = hiddenTask;\n",
      'src/tasks/member.ts':
        "import * as lib from '../lib/hidden.js';\nexport const ht = lib.hiddenTask;\n",
      'src/tasks/default.ts':
        "import { hiddenTask } from '../lib/hidden.js';\nexport default hiddenTask;\n",
      'src/tasks/alias.ts':
        "import { hiddenTask } from '../lib/hidden.js';\nconst h = hiddenTask;\nexport { h as viaAlias };\n",
      'src/tasks/hd.ts': "export { default as hd } from '../lib/hidden-default.js';\n",
      'src/tasks/hd-import.ts':
        "import hd from '../lib/hidden-default.js';\nexport const again = hd;\n",
      'src/tasks/outer.ts': "export { outer } from '../lib/aliased.js';\n",
      'src/lib/aliased.ts': `${hidden.replace('export const hiddenTask', 'const inner')}export const outer = inner;\n`,
      'src/lib/hidden.ts': hidden,
      'src/lib/hidden-default.ts': hidden
        .replace('export const hiddenTask = ', 'export default ')
        .replace("'cg.hidden'", "'cg.hd'"),
    });
    const result = await generate({ cwd: tree.root });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((d) => [d.code, d.file, d.line, d.column])).toEqual([
      ['TASK_OUTSIDE_TASK_FILES', 'src/tasks/alias.ts', 3, 10],
      ['TASK_OUTSIDE_TASK_FILES', 'src/tasks/const.ts', 2, 14],
      ['TASK_OUTSIDE_TASK_FILES', 'src/tasks/default.ts', 2, 16],
      ['TASK_OUTSIDE_TASK_FILES', 'src/tasks/hd-import.ts', 2, 14],
      ['TASK_OUTSIDE_TASK_FILES', 'src/tasks/hd.ts', 1, 10],
      ['TASK_OUTSIDE_TASK_FILES', 'src/tasks/member.ts', 2, 14],
      ['TASK_OUTSIDE_TASK_FILES', 'src/tasks/outer.ts', 1, 10],
    ]);
    expect(result.diagnostics[4]?.message).toMatch(
      /^task "cg\.hd" \(default\) is exported here but defined in src\/lib\/hidden-default\.ts,/,
    );
  });

  it('says nothing of a task file exporting again a task of another task file', async () => {
    tree = await makeTree({
      'src/tasks/ping.ts': taskFile('ping', 'ops.ping'),
      'src/tasks/again.ts':
        "import { ping } from './ping.js';\nexport const pong = ping;\nexport default ping;\n",
    });
    const result = await generate({ cwd: tree.root });
    expect(result.diagnostics).toEqual([]);
  });
});
