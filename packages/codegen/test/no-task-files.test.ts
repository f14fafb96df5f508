// `tasks` globs that match no file (a typo: src/task/*.ts) used to be a warning: generate
// exited 0 and overwrote the client and the registry with empty lists, so every producer
// stopped compiling. It is a NO_TASK_FILES diagnostic at the config's `tasks`; nothing is
// written. A task file that defines no task yet still generates.
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  checkGenerated,
  formatDiagnostic,
  type GenerateResult,
  generate,
  watchGenerate,
} from '../src/index.js';
import { makeTree, type Tree, taskFile } from './tree.js';

let tree: Tree | undefined;
afterEach(async () => {
  await tree?.remove();
  tree = undefined;
});

const TYPO_CONFIG = `import { defineConfig } from '@conveyor/codegen/config';

export default defineConfig({
  tasks: ['src/task/*.ts'],
  client: 'src/generated/client.ts',
  registry: 'src/generated/registry.ts',
});
`;

const OLD_CLIENT = '// the client a producer compiles against\n';

describe('tasks globs that match no file', () => {
  it("refuse at the config file's tasks, naming the globs, and write nothing", async () => {
    tree = await makeTree({
      'conveyor.config.ts': TYPO_CONFIG,
      'src/tasks/a.ts': taskFile('a', 'app.a'),
      'src/generated/client.ts': OLD_CLIENT,
    });
    const result = await generate({ cwd: tree.root });
    expect(result.ok).toBe(false);
    expect(result.files).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.diagnostics).toHaveLength(1);
    const [found] = result.diagnostics;
    expect(found).toMatchObject({
      code: 'NO_TASK_FILES',
      file: 'conveyor.config.ts',
      line: 4,
      column: 3,
      message: `No file matches tasks ["src/task/*.ts"] (relative to ${tree.root}), so there is no task to generate from; generating would empty the client and the registry.`,
    });
    expect(formatDiagnostic(found as NonNullable<typeof found>)).toMatch(
      /^conveyor\.config\.ts:4:3 error NO_TASK_FILES: No file matches tasks \["src\/task\/\*\.ts"\] .*\n {2}fix: Correct "tasks" in conveyor\.config\.ts to match your task files/,
    );
    expect(await readFile(tree.path('src/generated/client.ts'), 'utf8')).toBe(OLD_CLIENT);
    await expect(readFile(tree.path('src/generated/registry.ts'), 'utf8')).rejects.toThrow();

    const checked = await checkGenerated({ cwd: tree.root });
    expect(checked.ok).toBe(false);
    expect(checked.diagnostics.map((d) => d.code)).toEqual(['NO_TASK_FILES']);
  });

  it('an inline config is named as such', async () => {
    tree = await makeTree({});
    const result = await generate({
      cwd: tree.root,
      inline: { tasks: 'nowhere/*.ts', client: 'c.ts', registry: 'r.ts' },
    });
    expect(result.ok).toBe(false);
    expect(result.diagnostics[0]).toMatchObject({
      code: 'NO_TASK_FILES',
      file: 'the inline config',
      line: 1,
      column: 1,
    });
  });

  it('a task file that defines no task yet still generates empty files', async () => {
    tree = await makeTree({ 'src/tasks/a.ts': 'export const later = 1;\n' });
    const result = await generate({ cwd: tree.root });
    expect(result.diagnostics).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.tasks).toEqual([]);
    expect(result.files.map((file) => file.status)).toEqual(['written', 'written']);
  });

  it('--watch reports it at start, writes nothing, and generates once a task file appears', async () => {
    tree = await makeTree({});
    const controller = new AbortController();
    const results: GenerateResult[] = [];
    const done = watchGenerate({
      cwd: tree.root,
      signal: controller.signal,
      debounceMs: 10,
      onResult: (result) => results.push(result),
      onError: (error) => {
        throw error;
      },
    });
    try {
      await expect.poll(() => results.length, { timeout: 10_000 }).toBeGreaterThan(0);
      expect(results[0]?.ok).toBe(false);
      expect(results[0]?.files).toEqual([]);
      expect(results[0]?.diagnostics.map((d) => d.code)).toEqual(['NO_TASK_FILES']);
      await tree.write('src/tasks/a.ts', taskFile('a', 'app.a'));
      await expect
        .poll(() => results.at(-1)?.tasks.map((task) => task.name), { timeout: 10_000 })
        .toEqual(['app.a']);
      expect(results.at(-1)?.ok).toBe(true);
      expect(await readFile(tree.path('src/generated/client.ts'), 'utf8')).toContain("'app.a'");
    } finally {
      controller.abort();
      await done;
    }
  }, 20_000);
});
