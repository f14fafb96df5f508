import { readFile } from 'node:fs/promises';
import { build } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import { conveyorCodegen } from '../src/esbuild.js';
import { createGenerator, loadConfig } from '../src/index.js';
import { conveyorCodegen as viteCodegen } from '../src/vite.js';
import { makeTree, type Tree, taskFile } from './tree.js';

let tree: Tree | undefined;
afterEach(async () => {
  await tree?.remove();
  tree = undefined;
});

const producer = "export { ping, configureConveyor } from './src/generated/client.js';\n";

describe('build plugins', () => {
  it('esbuild: generates at build start, so an entry can import a client that did not exist', async () => {
    tree = await makeTree({
      'src/tasks/a.ts': taskFile('ping', 'ops.ping'),
      'producer.ts': producer,
    });
    const result = await build({
      entryPoints: [tree.path('producer.ts')],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      conditions: ['@conveyor/source'],
      logLevel: 'silent',
      plugins: [conveyorCodegen({ cwd: tree.root })],
    });
    expect(result.errors).toEqual([]);
    expect(result.outputFiles[0]?.text).toContain('ops.ping');
  });

  it('esbuild: diagnostics fail the build with their location', async () => {
    tree = await makeTree({
      'src/tasks/a.ts': taskFile('ping', 'ops.ping', '\n  queue: process.env.QUEUE,'),
      'producer.ts': producer,
    });
    const failure = await build({
      entryPoints: [tree.path('producer.ts')],
      bundle: true,
      write: false,
      logLevel: 'silent',
      plugins: [conveyorCodegen({ cwd: tree.root })],
    }).catch(
      (error: { errors: { text: string; location: { file: string; line: number } }[] }) => error,
    );
    const errors = 'errors' in failure ? failure.errors : [];
    const diagnostic = errors.find((error) => error.text.startsWith('OPTION_NOT_STATIC: '));
    // esbuild prints the file relative to its working directory.
    expect(diagnostic?.location?.file).toMatch(/tree-\w+\/src\/tasks\/a\.ts$/);
    expect(diagnostic?.location?.line).toBe(7);
  });

  it('vite: generates at buildStart and throws on diagnostics', async () => {
    tree = await makeTree({ 'src/tasks/a.ts': taskFile('ping', 'ops.ping') });
    await viteCodegen({ cwd: tree.root }).buildStart();
    expect(await readFile(tree.path('src/generated/registry.ts'), 'utf8')).toContain('ping');
    await tree.write('src/tasks/b.ts', taskFile('ping', 'ops.ping'));
    await expect(viteCodegen({ cwd: tree.root }).buildStart()).rejects.toMatchObject({
      code: 'TASK_DIAGNOSTICS',
    });
  });
});

describe('superseded runs', () => {
  it('a run that is no longer current writes nothing', async () => {
    tree = await makeTree({ 'src/tasks/a.ts': taskFile('ping', 'ops.ping') });
    const generator = createGenerator(await loadConfig({ cwd: tree.root }));
    const result = await generator.run({ isCurrent: () => false });
    expect(result.superseded).toBe(true);
    expect(result.files).toEqual([]);
    await expect(readFile(tree.path('src/generated/client.ts'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});
