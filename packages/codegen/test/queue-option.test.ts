// The values of a static `queue: { name, partitions, partitionBy }` follow core's rules at
// generate time: a count of 0, 1000 or 2.5 used to pass generate, get written into the
// contracts, and fail only when the task module loaded.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { QUEUE_NAME_RULE } from '@conveyor/core/transport';
import { afterEach, describe, expect, it } from 'vitest';
import { type Diagnostic, formatDiagnostic, generate } from '../src/index.js';
import { makeTree, type Tree, taskFile } from './tree.js';

let tree: Tree | undefined;
afterEach(async () => {
  await tree?.remove();
  tree = undefined;
});

/** Generates in a fresh tree, checks nothing was written, returns the diagnostics. */
async function diagnose(files: Record<string, string>): Promise<Diagnostic[]> {
  tree = await makeTree(files);
  const result = await generate({ cwd: tree.root });
  expect(result.ok).toBe(false);
  expect(result.files).toEqual([]);
  expect(existsSync(tree.path('src/generated/client.ts'))).toBe(false);
  return [...result.diagnostics];
}

describe('queue option values', () => {
  it.each([
    ['0', '0'],
    ['1000', '1000'],
    ['2.5', '2.5'],
    ['-1', '-1'],
  ])('reports partitions: %s at its line, with the range and the fix', async (written, quoted) => {
    const found = await diagnose({
      'src/tasks/a.ts': taskFile(
        'a',
        'p.a',
        `\n  queue: {\n    name: 'emails',\n    partitions: ${written},\n  },`,
      ),
    });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      code: 'INVALID_QUEUE_OPTION',
      file: 'src/tasks/a.ts',
      line: 9,
      column: 17,
      message: `Invalid queue.partitions of task "p.a" ${quoted}: expected a whole number from 1 to 256; defineTask would throw this when the task module loads.`,
    });
    expect(found[0]?.fix).toContain('a whole number from 1 to 256');
    expect(formatDiagnostic(found[0] as Diagnostic)).toMatch(
      /^src\/tasks\/a\.ts:9:17 error INVALID_QUEUE_OPTION: Invalid queue\.partitions .*\n {2}fix: Write partitions as a whole number from 1 to 256/,
    );
  });

  it('follows a same-file const, and reports every bad value of the object', async () => {
    const found = await diagnose({
      'src/tasks/a.ts': taskFile(
        'a',
        'p.a',
        "\n  queue: { name: 'e~1of2', partitions: PARTS, partitionBy: 'a..b' },",
      ).replace('export const', 'const PARTS = 300;\n\nexport const'),
    });
    expect(found.map((d) => [d.code, d.line, d.message.split(':')[0]])).toEqual([
      ['INVALID_QUEUE_OPTION', 9, 'Invalid queue.name of task "p.a" "e~1of2"'],
      ['INVALID_QUEUE_OPTION', 9, 'Invalid queue.partitions of task "p.a" 300'],
      ['INVALID_QUEUE_OPTION', 9, 'Invalid queue.partitionBy of task "p.a" "a..b"'],
    ]);
    expect(found.map((d) => d.column)).toEqual([18, 40, 60]);
  });

  it.each([
    ["'bad queue'", '"bad queue"'],
    ["''", '""'],
    [`'${'q'.repeat(65)}'`, `"${'q'.repeat(65)}"`],
    ['5', '5'],
  ])(
    "reports queue: %s (a name, not an object) at its line, by core's rule",
    async (written, quoted) => {
      const found = await diagnose({
        'src/tasks/a.ts': taskFile('a', 'p.a', `\n  queue: ${written},`),
      });
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({
        code: 'INVALID_QUEUE_OPTION',
        file: 'src/tasks/a.ts',
        line: 7,
        column: 10,
        message: `Invalid queue of task "p.a" ${quoted}: expected ${QUEUE_NAME_RULE}; defineTask would throw this when the task module loads.`,
      });
      expect(found[0]?.fix).toBe(
        `Name the queue with ${QUEUE_NAME_RULE}, e.g. \`queue: 'emails'\`.`,
      );
    },
  );

  it('reports a bad queue name held by a same-file const, at the value', async () => {
    const found = await diagnose({
      'src/tasks/a.ts': taskFile('a', 'p.a', '\n  queue: QUEUE,').replace(
        'export const',
        "const QUEUE = 'e~1of2';\n\nexport const",
      ),
    });
    expect(found.map((d) => [d.code, d.line, d.column, d.message.split(':')[0]])).toEqual([
      ['INVALID_QUEUE_OPTION', 9, 10, 'Invalid queue of task "p.a" "e~1of2"'],
    ]);
  });

  it('accepts a valid queue name', async () => {
    tree = await makeTree({
      'src/tasks/a.ts': taskFile('a', 'p.a', "\n  queue: 'emails.v2_high-1',"),
    });
    const result = await generate({ cwd: tree.root });
    expect(result.diagnostics).toEqual([]);
    expect(await readFile(tree.path('src/generated/client.ts'), 'utf8')).toContain(
      "queue: 'emails.v2_high-1',",
    );
  });

  it('accepts the bounds, 1 and 256', async () => {
    tree = await makeTree({
      'src/tasks/a.ts': taskFile('a', 'p.a', "\n  queue: { name: 'emails', partitions: 1 },"),
      'src/tasks/b.ts': taskFile('b', 'p.b', "\n  queue: { name: 'bulk', partitions: 256 },"),
    });
    const result = await generate({ cwd: tree.root });
    expect(result.diagnostics).toEqual([]);
    expect(result.ok).toBe(true);
  });
});
