import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  assertConfigKeys,
  CodegenError,
  findConfigFile,
  generate,
  importConfig,
  loadConfig,
  resolveConfig,
} from '../src/index.js';
import { makeTree, type Tree, taskFile } from './tree.js';

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

  it('a TS config that does not parse is CONFIG_INVALID at the syntax error, not a missing key', async () => {
    tree = await makeTree({
      'conveyor.config.ts': `export default {
  tasks: ['src/tasks/*.ts'],
  client: 'a.ts' registry: 'b.ts',
};
`,
    });
    const error = await loadConfig({ cwd: tree.root }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
    expect((error as Error).message).toMatch(
      /conveyor\.config\.ts:3:18: ',' expected\. \(a syntax error\): fix it there\.$/,
    );
  });

  it('refuses a misspelt key, suggesting the right one, instead of using the default', async () => {
    tree = await makeTree({
      'conveyor.config.ts': `export default {
  tasks: ['src/tasks/*.ts'],
  client: 'out/client.ts',
  registry: 'out/registry.ts',
  importExtention: '.ts',
};
`,
    });
    const error = await loadConfig({ cwd: tree.root }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
    expect((error as Error).message).toBe(
      `Unknown key "importExtention" in ${tree.path('conveyor.config.ts')}: expected one of tasks, client, registry, importExtension, tsconfig, transport (did you mean "importExtension"?).`,
    );
    // A key set to undefined sets nothing, as one left out does.
    const config = { tasks: 'src/*.ts', client: 'c.ts', registry: 'r.ts', watch: undefined };
    expect(resolveConfig(config, tree.root).tasks).toEqual(['src/*.ts']);
  });

  it('refuses a misspelt key before reading its value, even one that is code', async () => {
    tree = await makeTree({
      'conveyor.config.ts': `import { redisTransport } from '@conveyor/redis';
export default {
  tasks: ['src/tasks/*.ts'],
  client: 'out/client.ts',
  registry: 'out/registry.ts',
  trasnport: ({ logger }) => redisTransport({ logger }),
};
`,
    });
    const error = await loadConfig({ cwd: tree.root }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CodegenError);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
    expect((error as Error).message).toBe(
      `Unknown key "trasnport" in ${tree.path('conveyor.config.ts')}: expected one of tasks, client, registry, importExtension, tsconfig, transport (did you mean "transport"?).`,
    );
  });

  // `taks` got the list with no suggestion: it shares neither four first letters nor every
  // letter with `tasks`.
  it('suggests the key one letter away from a misspelt one', () => {
    const said = (config: Record<string, unknown>) => {
      try {
        assertConfigKeys(config, 'c.ts');
      } catch (error) {
        return /did you mean "(\w+)"/.exec((error as Error).message)?.[1] ?? 'nothing';
      }
      return 'accepted';
    };
    expect(said({ taks: [] })).toBe('tasks');
    expect(said({ clent: 'c.ts' })).toBe('client');
    expect(said({ registri: 'r.ts' })).toBe('registry');
    expect(said({ tsconfigs: 'x' })).toBe('tsconfig');
    expect(said({ output: 'x' })).toBe('nothing');
    expect(said({ tasks: [] })).toBe('accepted');
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

  it("a .json config that does not parse says where, in the parser's words", async () => {
    tree = await makeTree({ 'broken.json': '{ "tasks": ["t/*.ts"], }\n' });
    const error = await loadConfig({ cwd: tree.root, config: 'broken.json' }).catch((e) => e);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(error.message).toMatch(/broken\.json is not valid JSON: .*position \d+/);
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

  it("the README's quick start writes a config before `conveyor generate`, and it generates", async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const quickStart = readme.slice(0, readme.indexOf('conveyor generate '));
    const config = /```ts\n([^`]*defineConfig[^`]*)```/.exec(quickStart)?.[1];
    expect(config, 'a ```ts block with defineConfig before `conveyor generate`').toBeDefined();
    tree = await makeTree({
      'conveyor.config.ts': config ?? '',
      'src/tasks/mail/send.ts': taskFile('send', 'mail.send'),
    });
    const result = await generate({ cwd: tree.root });
    expect(result.diagnostics).toEqual([]);
    expect(result.tasks.map((task) => task.name)).toEqual(['mail.send']);
    expect(existsSync(tree.path('src/generated/client.ts'))).toBe(true);
    expect(existsSync(tree.path('src/generated/registry.ts'))).toBe(true);
  });
});

describe('a config with a transport (for the conveyor command)', () => {
  const WITH_TRANSPORT = `import { defineConfig } from '@conveyor/codegen/config';
import { memoryTransport } from '@conveyor/core';

const shared = memoryTransport();

export default defineConfig({
  tasks: ['src/tasks/*.ts'],
  client: 'src/generated/client.ts',
  transport: () => shared,
  registry: 'src/generated/registry.ts',
});
`;

  it('reads the codegen fields statically and leaves the transport function alone', async () => {
    tree = await makeTree({ 'conveyor.config.ts': WITH_TRANSPORT });
    const config = await loadConfig({ cwd: tree.root });
    expect(config.registry).toBe(tree.path('src/generated/registry.ts'));
    expect(config).not.toHaveProperty('transport');
  });

  it('leaves out a transport written as a method or a shorthand property too', async () => {
    tree = await makeTree({
      'conveyor.config.ts': `const transport = () => null;
export default { tasks: 'a/*.ts', client: 'c.ts', registry: 'r.ts', transport };
`,
      'method.config.ts': `export default {
  tasks: 'a/*.ts',
  client: 'c.ts',
  registry: 'r.ts',
  transport() {
    return null;
  },
};
`,
    });
    expect((await loadConfig({ cwd: tree.root })).client).toBe(tree.path('c.ts'));
    const method = await loadConfig({ cwd: tree.root, config: 'method.config.ts' });
    expect(method.client).toBe(tree.path('c.ts'));
  });

  it('still refuses other code, in the transport key of a nested object too', async () => {
    tree = await makeTree({
      'conveyor.config.ts': `export default { tasks: ['a/*.ts'], client: 'c.ts', registry: 'r.ts', tsconfig: { transport: () => 1 } };
`,
    });
    await expect(loadConfig({ cwd: tree.root })).rejects.toMatchObject({
      code: 'CONFIG_NOT_STATIC',
    });
  });

  it('importConfig runs the file and gives its default export, the transport callable', async () => {
    tree = await makeTree({ 'conveyor.config.ts': WITH_TRANSPORT });
    const file = findConfigFile({ cwd: tree.root });
    expect(file).toBe(tree.path('conveyor.config.ts'));
    const raw = (await importConfig(file as string)) as { transport: () => { name: string } };
    expect(raw.transport().name).toBe('memory');
  });

  it('importConfig goes through importModule for TypeScript only', async () => {
    tree = await makeTree({
      'conveyor.config.mjs': 'export default { transport: () => "made" };\n',
    });
    const seen: string[] = [];
    const importModule = async (url: string) => {
      seen.push(url);
      return { default: { from: 'importModule' } };
    };
    expect(await importConfig(tree.path('conveyor.config.ts'), { importModule })).toEqual({
      from: 'importModule',
    });
    expect(seen).toEqual([`file://${tree.path('conveyor.config.ts')}`]);
    const mjs = (await importConfig(tree.path('conveyor.config.mjs'), { importModule })) as {
      transport: () => string;
    };
    expect(mjs.transport()).toBe('made');
    expect(seen).toHaveLength(1);
  });

  it('a config that fails to load is CONFIG_LOAD_FAILED, naming the file and the reason', async () => {
    tree = await makeTree({
      'conveyor.config.mjs': "import '@conveyor/no-such-package';\nexport default {};\n",
    });
    const error = await importConfig(tree.path('conveyor.config.mjs')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodegenError);
    expect(error).toMatchObject({ code: 'CONFIG_LOAD_FAILED' });
    expect((error as Error).message).toMatch(
      /^Cannot load .*conveyor\.config\.mjs: .*@conveyor\/no-such-package/,
    );
  });

  it('findConfigFile: undefined without a config, CONFIG_NOT_FOUND for a --config that is not there', async () => {
    const empty = await makeTree({});
    tree = empty;
    const { rm } = await import('node:fs/promises');
    await rm(empty.path('conveyor.config.ts'));
    expect(findConfigFile({ cwd: empty.root })).toBeUndefined();
    expect(() => findConfigFile({ cwd: empty.root, config: 'nope.ts' })).toThrow(
      expect.objectContaining({ code: 'CONFIG_NOT_FOUND' }),
    );
  });

  it('findConfigFile: a --config directory means the config file in it, and names one without', async () => {
    const dirs = await makeTree({
      'app/conveyor.config.mjs': 'export default {};\n',
      'empty/x.txt': '',
    });
    tree = dirs;
    expect(findConfigFile({ cwd: dirs.root, config: 'app' })).toBe(
      dirs.path('app/conveyor.config.mjs'),
    );
    expect(() => findConfigFile({ cwd: dirs.root, config: 'empty' })).toThrow(
      expect.objectContaining({
        code: 'CONFIG_NOT_FOUND',
        message: expect.stringMatching(
          /^"empty" is a directory with no config file in it \(looked for conveyor\.config\.ts, /,
        ),
      }),
    );
  });

  it('refuses client and registry resolving to the same file', () => {
    expect(() =>
      resolveConfig(
        {
          tasks: ['a'],
          client: 'src/generated/client.ts',
          registry: './src/generated/../generated/client.ts',
        },
        '/x',
      ),
    ).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringMatching(
          /^client and registry are the same file "src\/generated\/client\.ts" in the config: give them different paths/,
        ),
      }),
    );
  });

  it('resolveConfig refuses a transport that is not a function', () => {
    expect(() =>
      resolveConfig(
        { tasks: ['a'], client: 'c.ts', registry: 'r.ts', transport: 'redis://x' },
        '/x',
      ),
    ).toThrow(
      /Invalid transport "redis:\/\/x" in the config: expected a function that returns a transport/,
    );
  });
});
