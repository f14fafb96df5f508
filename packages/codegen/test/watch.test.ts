import { rename, rm, writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { type GenerateResult, watchGenerate } from '../src/index.js';
import { makeTree, type Tree, taskFile } from './tree.js';

let tree: Tree | undefined;
afterEach(async () => {
  await tree?.remove();
  tree = undefined;
});

/** Runs watchGenerate and hands out its results one at a time, as they come. */
function watchResults(cwd: string) {
  const controller = new AbortController();
  const results: GenerateResult[] = [];
  let wake: (() => void) | undefined;
  const done = watchGenerate({
    cwd,
    signal: controller.signal,
    debounceMs: 10,
    onResult: (result) => {
      results.push(result);
      wake?.();
    },
    onError: (error) => {
      throw error;
    },
  });
  return {
    /** The next result whose task names are `names`. */
    async until(names: readonly string[]): Promise<GenerateResult> {
      for (;;) {
        const result = results.shift();
        if (result && JSON.stringify(result.tasks.map((t) => t.name)) === JSON.stringify(names)) {
          return result;
        }
        if (!result) await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    stop: async () => {
      controller.abort();
      await done;
    },
  };
}

describe('generate --watch', () => {
  it('sees edits to and the deletion of a task file that an editor saved by a rename', async () => {
    tree = await makeTree({ 'src/tasks/a.ts': taskFile('a', 'app.a') });
    const watcher = watchResults(tree.root);
    try {
      await watcher.until(['app.a']);
      await tree.write('src/tasks/b.ts', taskFile('b', 'app.b'));
      await watcher.until(['app.a', 'app.b']);
      // An atomic save (vim, JetBrains' safe write, sed -i): a new file renamed over the old.
      await writeFile(tree.path('src/tasks/b.ts~'), taskFile('b', 'app.b2'));
      await rename(tree.path('src/tasks/b.ts~'), tree.path('src/tasks/b.ts'));
      await watcher.until(['app.a', 'app.b2']);
      // An edit in place after it, then the deletion, were missed on Linux.
      await writeFile(tree.path('src/tasks/b.ts'), taskFile('b', 'app.b3'));
      await watcher.until(['app.a', 'app.b3']);
      await rm(tree.path('src/tasks/b.ts'));
      const last = await watcher.until(['app.a']);
      expect(last.diagnostics).toEqual([]);
    } finally {
      await watcher.stop();
    }
  }, 20_000);

  it('watches a folder of tasks created after it started', async () => {
    tree = await makeTree({
      'conveyor.config.ts': `export default {
  tasks: ['src/tasks/**/*.ts'],
  client: 'src/generated/client.ts',
  registry: 'src/generated/registry.ts',
};
`,
      'src/tasks/a.ts': taskFile('a', 'app.a'),
    });
    const watcher = watchResults(tree.root);
    try {
      await watcher.until(['app.a']);
      await tree.write('src/tasks/billing/invoice.ts', taskFile('invoice', 'billing.invoice'));
      await watcher.until(['app.a', 'billing.invoice']);
      await writeFile(
        tree.path('src/tasks/billing/invoice.ts'),
        taskFile('invoice', 'billing.invoice2'),
      );
      await watcher.until(['app.a', 'billing.invoice2']);
    } finally {
      await watcher.stop();
    }
  }, 20_000);
});
