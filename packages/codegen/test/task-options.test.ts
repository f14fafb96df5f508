// A task's routing options and a static timeout follow core's rules at generate time:
// `priority: 42` or `retry: { attempts: 0 }` passed generate, were written into the client,
// and every producer that imported it threw as it loaded.
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type Diagnostic, generate } from '../src/index.js';
import { makeTree, type Tree, taskFile } from './tree.js';

let tree: Tree | undefined;
afterEach(async () => {
  await tree?.remove();
  tree = undefined;
});

async function generateIn(files: Record<string, string>) {
  tree = await makeTree(files);
  return generate({ cwd: tree.root });
}

describe('task option values', () => {
  it('reports the first bad routing option and a bad timeout, each at its option, and writes nothing', async () => {
    const result = await generateIn({
      'src/tasks/a.ts': taskFile(
        'a',
        'p.a',
        '\n  priority: 42,\n  retry: { attempts: 0 },\n  timeout: -1,',
      ),
    });
    expect(result.ok).toBe(false);
    expect(result.files).toEqual([]);
    expect(existsSync(tree?.path('src/generated/client.ts') ?? '')).toBe(false);
    const found = result.diagnostics.map((d: Diagnostic) => [d.code, d.line, d.message]);
    expect(found).toEqual([
      [
        'INVALID_TASK_OPTION',
        7,
        'Invalid priority of task "p.a" 42: expected an integer from 0 (lowest) to 9 (highest); defineTask would throw this when the task module loads.',
      ],
      [
        'INVALID_TASK_OPTION',
        9,
        expect.stringMatching(
          /^Invalid timeout of task "p\.a" -1: .*; defineTask would throw this/,
        ),
      ],
    ]);
  });

  it('reports retry once priority is right, at its own line', async () => {
    const result = await generateIn({
      'src/tasks/a.ts': taskFile('a', 'p.a', '\n  retry: { attempts: 0 },'),
    });
    expect(result.diagnostics).toMatchObject([
      {
        code: 'INVALID_TASK_OPTION',
        line: 7,
        message: expect.stringMatching(/^Invalid retry\.attempts of task "p\.a" 0: /),
      },
    ]);
  });

  it('passes the options defineTask takes, with an index and a timeout object', async () => {
    const result = await generateIn({
      'src/tasks/a.ts': taskFile(
        'a',
        'p.a',
        "\n  priority: 9,\n  retry: { attempts: 3, backoff: { type: 'exponential', delay: 1_000 } },\n  resultTtl: 60_000,\n  index: ['id'],\n  timeout: { soft: 1_000, hard: 2_000 },",
      ),
    });
    expect(result.diagnostics).toEqual([]);
    expect(result.ok).toBe(true);
  });
});
