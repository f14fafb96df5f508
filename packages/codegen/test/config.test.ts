import { afterEach, describe, expect, it } from 'vitest';
import { CodegenError, loadConfig, resolveConfig } from '../src/index.js';
import { makeTree, type Tree } from './tree.js';

let tree: Tree | undefined;
afterEach(async () => {
  await tree?.remove();
  tree = undefined;
});

describe('loadConfig', () => {
  it('reads conveyor.config.ts statically, through defineConfig and satisfies', async () => {
    tree = await makeTree({
      'conveyor.config.ts': `import { defineConfig } from '@conveyor/codegen';
export default defineConfig({
  tasks: ['src/tasks/*.ts', 'src/jobs/**/*.task.ts'],
  client: 'out/client.ts',
  registry: 'out/registry.ts',
  importExtension: '.ts',
} satisfies object);
`,
    });
    const config = await loadConfig({ cwd: tree.root });
    expect(config).toMatchObject({
      configFile: tree.path('conveyor.config.ts'),
      root: tree.root,
      tasks: ['src/tasks/*.ts', 'src/jobs/**/*.task.ts'],
      client: tree.path('out/client.ts'),
      registry: tree.path('out/registry.ts'),
      importExtension: '.ts',
      tsconfig: tree.path('tsconfig.json'),
    });
  });

  it('refuses a TS config value it would have to run, naming file:line:col', async () => {
    tree = await makeTree({
      'conveyor.config.ts': `const dir = 'src';
export default { tasks: [dir + '/tasks/*.ts'], client: 'a.ts', registry: 'b.ts' };
`,
    });
    const error = await loadConfig({ cwd: tree.root }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CodegenError);
    expect(error).toMatchObject({ code: 'CONFIG_NOT_STATIC' });
    expect((error as Error).message).toContain(
      `conveyor.config.ts:2:26: "dir + '/tasks/*.ts'" is not a literal`,
    );
  });

  it('imports a .mjs config and parses a .json one', async () => {
    tree = await makeTree({
      'conveyor.config.mjs':
        "export default { tasks: 'src/*.ts', client: 'c.ts', registry: 'r.ts' };\n",
      'other.json': JSON.stringify({ tasks: ['t/*.ts'], client: 'c.ts', registry: 'r.ts' }),
    });
    const mjs = await loadConfig({ cwd: tree.root, config: 'conveyor.config.mjs' });
    expect(mjs.tasks).toEqual(['src/*.ts']);
    const json = await loadConfig({ cwd: tree.root, config: 'other.json' });
    expect(json.client).toBe(tree.path('c.ts'));
  });

  it('rejects bad values with the value and the expected shape', () => {
    expect(() => resolveConfig({ tasks: [], client: 'c.ts', registry: 'r.ts' }, '/x')).toThrow(
      /Invalid tasks \[\] in the config: expected a glob or a non-empty array of globs/,
    );
    expect(() =>
      resolveConfig({ tasks: ['a'], client: 'client.js', registry: 'r.ts' }, '/x'),
    ).toThrow(/Invalid client "client\.js" .*expected a \.ts file path/);
    expect(() =>
      resolveConfig(
        { tasks: ['a'], client: 'c.ts', registry: 'r.ts', importExtension: '.cjs' },
        '/x',
      ),
    ).toThrow(/importExtension "\.cjs"/);
  });

  it('says how to create a config when there is none', async () => {
    tree = await makeTree({});
    const { rm } = await import('node:fs/promises');
    await rm(tree.path('conveyor.config.ts'));
    await expect(loadConfig({ cwd: tree.root })).rejects.toThrow(
      /No conveyor\.config\.ts found in .*Create one with defineConfig/,
    );
  });
});
