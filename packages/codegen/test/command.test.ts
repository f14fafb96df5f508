import { readFile, rename, rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { runGenerateCommand } from '../src/index.js';
import { CONFIG, fixtureDir, makeTree, type Tree, taskFile } from './tree.js';

let tree: Tree | undefined;
afterEach(async () => {
  await tree?.remove();
  tree = undefined;
});

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { stdout: (line: string) => out.push(line), stderr: (line: string) => err.push(line) },
  };
}

describe('conveyor generate', () => {
  it('names --config in the header only for a config the command would not find by itself', async () => {
    tree = await makeTree({ 'src/tasks/a.ts': taskFile('ping', 'ops.ping') });
    await rm(tree.path('conveyor.config.ts'));
    await tree.write('conveyor.config.mts', CONFIG);
    expect(await runGenerateCommand({ cwd: tree.root }, capture().io)).toBe(0);
    const found = await readFile(tree.path('src/generated/registry.ts'), 'utf8');
    // It said "conveyor generate --config conveyor.config.mts", which it finds anyway.
    expect(found).toContain('Regenerate with `conveyor generate`;');
    await rename(tree.path('conveyor.config.mts'), tree.path('shop.config.mts'));
    const named = { cwd: tree.root, config: 'shop.config.mts' };
    expect(await runGenerateCommand(named, capture().io)).toBe(0);
    expect(await readFile(tree.path('src/generated/registry.ts'), 'utf8')).toContain(
      'Regenerate with `conveyor generate --config shop.config.mts`;',
    );
  });

  it('counts the workflows it wrote, beside the tasks', async () => {
    // The summary used to leave them out: "Generated 7 tasks and 1 schedule".
    tree = await makeTree({}, fixtureDir('shop'));
    const run = capture();
    expect(await runGenerateCommand({ cwd: tree.root }, run.io)).toBe(0);
    expect(run.out.at(-1)).toMatch(/^Generated \d+ tasks(, \d+ schedules?)? and 1 workflow: /);
  });

  it('writes, then reports unchanged; --check exits 0 when fresh and 1 when stale', async () => {
    tree = await makeTree({ 'src/tasks/a.ts': taskFile('ping', 'ops.ping') });
    const first = capture();
    expect(await runGenerateCommand({ cwd: tree.root }, first.io)).toBe(0);
    expect(first.out).toContain('  written   src/generated/client.ts');
    expect(first.out.at(-1)).toMatch(/^Generated 1 task: 2 file\(s\) written, 0 unchanged/);

    const fresh = capture();
    expect(await runGenerateCommand({ cwd: tree.root, check: true }, fresh.io)).toBe(0);
    expect(fresh.out.at(-1)).toMatch(/^Generated files are up to date/);

    await tree.write('src/tasks/b.ts', taskFile('pong', 'ops.pong'));
    const before = await readFile(tree.path('src/generated/client.ts'), 'utf8');
    const stale = capture();
    expect(await runGenerateCommand({ cwd: tree.root, check: true }, stale.io)).toBe(1);
    expect(stale.out).toContain('  stale     src/generated/client.ts');
    expect(stale.err.join('\n')).toContain('Run `conveyor generate` and commit the result.');
    // --check writes nothing.
    expect(await readFile(tree.path('src/generated/client.ts'), 'utf8')).toBe(before);
  });

  it('--check exits 1 when a generated file is missing', async () => {
    tree = await makeTree({ 'src/tasks/a.ts': taskFile('ping', 'ops.ping') });
    const { io, out } = capture();
    expect(await runGenerateCommand({ cwd: tree.root, check: true }, io)).toBe(1);
    expect(out).toContain('  stale     src/generated/registry.ts');
  });

  it('--json prints one parseable document', async () => {
    tree = await makeTree({ 'src/tasks/a.ts': taskFile('ping', 'ops.ping') });
    const { io, out, err } = capture();
    expect(await runGenerateCommand({ cwd: tree.root, json: true }, io)).toBe(0);
    expect(err).toEqual([]);
    expect(out).toHaveLength(1);
    const document = JSON.parse(out[0] ?? '');
    expect(document).toMatchObject({
      ok: true,
      mode: 'write',
      tasks: [{ name: 'ops.ping', exportName: 'ping', file: 'src/tasks/a.ts' }],
      files: [
        { path: 'src/generated/client.ts', status: 'written' },
        { path: 'src/generated/registry.ts', status: 'written' },
      ],
      diagnostics: [],
      warnings: [],
    });
  });

  it('warns when the tasks globs match no file, and still writes (exit 0)', async () => {
    tree = await makeTree({ 'src/task/a.ts': taskFile('ping', 'ops.ping') });
    const human = capture();
    expect(await runGenerateCommand({ cwd: tree.root }, human.io)).toBe(0);
    expect(human.out.at(-1)).toMatch(/^Generated 0 tasks: /);
    expect(human.err).toEqual([
      `warning: No file matches tasks ["src/tasks/*.ts"] (relative to ${tree.root}), so the generated files declare no task. Check "tasks" in conveyor.config.ts.`,
    ]);
    const json = capture();
    expect(await runGenerateCommand({ cwd: tree.root, json: true }, json.io)).toBe(0);
    expect(JSON.parse(json.out[0] ?? '').warnings).toEqual([
      expect.stringMatching(/^No file matches tasks /),
    ]);
  });

  it('prints diagnostics as file:line:col with the fix, and exits 1', async () => {
    tree = await makeTree({
      'src/tasks/a.ts': taskFile('a', 'shop.a', '\n  queue: process.env.QUEUE,'),
    });
    const { io, err } = capture();
    expect(await runGenerateCommand({ cwd: tree.root }, io)).toBe(1);
    expect(err[0]).toMatch(/^src\/tasks\/a\.ts:7:10 error OPTION_NOT_STATIC: .*\n {2}fix: /);
    expect(err.at(-1)).toBe('1 problem(s) in task files; nothing was written.');
  });

  it('reports a missing config with what to do', async () => {
    tree = await makeTree({});
    const { io, err } = capture();
    expect(await runGenerateCommand({ cwd: tree.root, config: 'nope.config.ts' }, io)).toBe(1);
    expect(err[0]).toMatch(/Config file "nope\.config\.ts" not found/);
    const json = capture();
    expect(
      await runGenerateCommand({ cwd: tree.root, config: 'nope.config.ts', json: true }, json.io),
    ).toBe(1);
    expect(JSON.parse(json.out[0] ?? '')).toMatchObject({
      ok: false,
      error: { code: 'CONFIG_NOT_FOUND' },
    });
  });

  it('refuses --check with --watch', async () => {
    const { io, err } = capture();
    expect(await runGenerateCommand({ check: true, watch: true }, io)).toBe(1);
    expect(err[0]).toContain('--check and --watch cannot be combined');
  });

  it('--watch regenerates after a change and exits 0 when aborted', async () => {
    tree = await makeTree({ 'src/tasks/a.ts': taskFile('ping', 'ops.ping') });
    const controller = new AbortController();
    const lines: string[] = [];
    let notify: () => void = () => {};
    const io = {
      stdout: (line: string) => {
        lines.push(line);
        notify();
      },
      stderr: (line: string) => lines.push(line),
    };
    const waitFor = (pattern: RegExp) =>
      new Promise<void>((resolve) => {
        notify = () => {
          if (lines.some((line) => pattern.test(line))) resolve();
        };
        notify();
      });
    const done = runGenerateCommand({ cwd: tree.root, watch: true, signal: controller.signal }, io);
    await waitFor(/^Watching for changes/);
    await tree.write('src/tasks/b.ts', taskFile('pong', 'ops.pong'));
    await waitFor(/^Generated 2 tasks/);
    expect(lines.some((line) => /^Change in src\/tasks\/b\.ts/.test(line))).toBe(true);
    controller.abort();
    expect(await done).toBe(0);
    expect(await readFile(tree.path('src/generated/client.ts'), 'utf8')).toContain("'ops.pong'");
  });
});
