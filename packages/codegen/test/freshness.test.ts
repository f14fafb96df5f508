import { utimes } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, staleTaskFiles } from '../src/index.js';
import { CONFIG, makeTree, type Tree } from './tree.js';

let tree: Tree | undefined;
afterEach(async () => {
  await tree?.remove();
  tree = undefined;
});

/** Sets a file's modification time, `seconds` from a fixed moment. */
const touch = (file: string, seconds: number) =>
  utimes(file, 1_700_000_000 + seconds, 1_700_000_000 + seconds);

describe('staleTaskFiles', () => {
  it('names the task files changed after the registry was written, and no other', async () => {
    tree = await makeTree({
      'conveyor.config.ts': CONFIG,
      'src/tasks/a.ts': 'export {};\n',
      'src/tasks/b.ts': 'export {};\n',
      'src/other/c.ts': 'export {};\n',
      'src/generated/registry.ts': 'export const tasks = [];\n',
      'src/generated/client.ts': 'export {};\n',
    });
    const config = await loadConfig({ cwd: tree.root });
    await touch(config.registry, 100);
    await touch(tree.path('src/tasks/a.ts'), 50);
    // Within the second a checkout or copy takes: not counted.
    await touch(tree.path('src/tasks/b.ts'), 100.5);
    // Not a task file, however new.
    await touch(tree.path('src/other/c.ts'), 500);
    expect(await staleTaskFiles(config)).toEqual([]);
    // Edited after the generate.
    await touch(tree.path('src/tasks/b.ts'), 160);
    await touch(tree.path('src/tasks/a.ts'), 200);
    expect(await staleTaskFiles(config)).toEqual(['src/tasks/a.ts', 'src/tasks/b.ts']);
  });

  it('is empty while no registry was written', async () => {
    tree = await makeTree({ 'conveyor.config.ts': CONFIG, 'src/tasks/a.ts': 'export {};\n' });
    expect(await staleTaskFiles(await loadConfig({ cwd: tree.root }))).toEqual([]);
  });
});
