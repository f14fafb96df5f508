import { mkdir, readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createClient, memoryTransport } from '@conveyor/core';
import { afterEach, describe, expect, it } from 'vitest';
import { generate } from '../src/index.js';
import { CONFIG, compileErrors, makeTree, type Tree } from './tree.js';

let tree: Tree | undefined;
afterEach(async () => {
  await tree?.remove();
  tree = undefined;
});

const header = `import { defineTask } from '@conveyor/core';
import { z } from 'zod';
`;

/** The import lines of a generated file: what a producer that imports it loads. */
const importLines = (text: string) => text.split('\n').filter((line) => line.startsWith('import '));

/** `{ name, type, exports }` of a workspace package. */
const packageJson = (name: string, exports: unknown) =>
  JSON.stringify({ name, version: '0.0.0', type: 'module', exports });

/**
 * A pnpm-style workspace in the tree: the worker app (config, tsconfig, tasks) and
 * `packages/<name>` for each of `linked`, linked into the app's node_modules.
 */
async function workspace(files: Record<string, string>, linked: readonly string[]): Promise<Tree> {
  const made = await makeTree({
    'apps/worker/package.json': JSON.stringify({ name: 'worker', type: 'module' }),
    'apps/worker/conveyor.config.ts': CONFIG,
    // Four levels up is this package's tsconfig (@conveyor/* from source).
    'apps/worker/tsconfig.json': JSON.stringify({
      extends: '../../../../tsconfig.json',
      compilerOptions: { types: [] },
      include: ['src'],
    }),
    ...files,
  });
  for (const name of linked) await link(made, 'apps/worker', name);
  return made;
}

/** Links `packages/<name>` into `<into>/node_modules/@acme/<name>`, as pnpm does. */
async function link(made: Tree, into: string, name: string): Promise<void> {
  const at = made.path(`${into}/node_modules/@acme/${name}`);
  await mkdir(path.dirname(at), { recursive: true });
  await symlink(path.relative(path.dirname(at), made.path(`packages/${name}`)), at, 'dir');
}

const schemasPackage = {
  'packages/schemas/package.json': packageJson('@acme/schemas', {
    '.': './src/index.schema.ts',
    './address.schema': './src/address.schema.ts',
  }),
  'packages/schemas/src/index.schema.ts': `import { z } from 'zod';
import { addressSchema } from './address.schema.js';
export const orderSchema = z.object({ id: z.string(), shipTo: addressSchema });
`,
  'packages/schemas/src/address.schema.ts': `import { z } from 'zod';
export const addressSchema = z.object({ city: z.string(), country: z.string().length(2) });
`,
};

const shipTask = `${header}import { orderSchema } from '@acme/schemas';
import { addressSchema } from '@acme/schemas/address.schema';
export const ship = defineTask({
  name: 'app.ship',
  input: z.object({ order: orderSchema, returnTo: addressSchema }),
  output: z.number(),
  run: () => 1,
});
`;

describe('schema modules behind tsconfig paths aliases and workspace packages', () => {
  it('follows a paths alias, and the client imports the schema module through it', async () => {
    tree = await makeTree({
      'tsconfig.json': JSON.stringify({
        extends: '../../tsconfig.json',
        compilerOptions: { types: [], paths: { '@/*': ['./src/*'] } },
        include: ['src'],
      }),
      'src/schemas/money.schema.ts': `import { z } from 'zod';
export const moneySchema = z.object({ cents: z.number().int() });
`,
      // A schema module may import another one through the alias too.
      'src/schemas/order.schema.ts': `import { z } from 'zod';
import { moneySchema } from '@/schemas/money.schema';
export const orderSchema = z.object({ id: z.string(), total: moneySchema });
`,
      'src/tasks/bill.ts': `${header}import { orderSchema } from '@/schemas/order.schema.js';
export const bill = defineTask({
  name: 'app.bill',
  input: z.object({ order: orderSchema }),
  output: z.number(),
  run: () => 1,
});
`,
    });
    const result = await generate({ cwd: tree.root });
    expect(result.diagnostics).toEqual([]);
    const client = await readFile(tree.path('src/generated/client.ts'), 'utf8');
    expect(importLines(client)).toEqual([
      expect.stringContaining("from '@conveyor/core';"),
      "import { orderSchema } from '@/schemas/order.schema.js';",
      "import { z } from 'zod';",
    ]);
    expect(await compileErrors(tree, ['src/generated/client.ts'])).toEqual([]);
  });

  it('follows a workspace package linked into node_modules, through its exports', async () => {
    tree = await workspace({ ...schemasPackage, 'apps/worker/src/tasks/ship.ts': shipTask }, [
      'schemas',
    ]);
    const worker = tree.path('apps/worker');
    expect((await generate({ cwd: worker })).diagnostics).toEqual([]);
    const client = await readFile(tree.path('apps/worker/src/generated/client.ts'), 'utf8');
    expect(importLines(client)).toEqual([
      expect.stringContaining("from '@conveyor/core';"),
      "import { orderSchema } from '@acme/schemas';",
      "import { addressSchema } from '@acme/schemas/address.schema';",
      "import { z } from 'zod';",
    ]);

    // A client written into the web app, which does not depend on @acme/schemas: from there
    // the package does not resolve, so the client imports its files by relative path.
    await tree.write(
      'apps/worker/conveyor.config.ts',
      CONFIG.replace("'src/generated/client.ts'", "'../web/src/generated/client.ts'"),
    );
    expect((await generate({ cwd: worker })).diagnostics).toEqual([]);
    const webClient = await readFile(tree.path('apps/web/src/generated/client.ts'), 'utf8');
    expect(importLines(webClient)).toEqual([
      expect.stringContaining("from '@conveyor/core';"),
      "import { addressSchema } from '../../../../packages/schemas/src/address.schema.js';",
      "import { orderSchema } from '../../../../packages/schemas/src/index.schema.js';",
      "import { z } from 'zod';",
    ]);

    const files = ['apps/worker/src/generated/client.ts', 'apps/web/src/generated/client.ts'];
    expect(await compileErrors(tree, files, 'apps/worker/tsconfig.json')).toEqual([]);
    const producer = await import(pathToFileURL(tree.path(files[0] ?? '')).href);
    const transport = memoryTransport();
    producer.configureConveyor(createClient({ transport }));
    const shipTo = { city: 'Lyon', country: 'FR' };
    const job = await producer.ship.delay({ order: { id: 'o-1', shipTo }, returnTo: shipTo });
    expect(job.id).toMatch(/^default:/);
    // The package's schema validates: a country of more than two letters is refused.
    const returnTo = { city: 'Lyon', country: 'France' };
    await expect(producer.ship.delay({ order: { id: 'o-2', shipTo }, returnTo })).rejects.toThrow();
    await transport.close();
  });

  it('reports what it still cannot follow, quoting the specifier and where it resolves', async () => {
    tree = await workspace(
      {
        'packages/db/package.json': packageJson('@acme/db', { '.': './src/index.ts' }),
        'packages/db/src/index.ts': `import { z } from 'zod';
export const pool = {};
export const idSchema = z.string();
`,
        'packages/built/package.json': packageJson('@acme/built', {
          '.': { types: './dist/index.schema.d.ts', default: './dist/index.schema.js' },
        }),
        'packages/built/dist/index.schema.d.ts': `import { z } from 'zod';
export declare const skuSchema: z.ZodString;
`,
        'packages/built/dist/index.schema.js': `import { z } from 'zod';
export const skuSchema = z.string();
`,
        'packages/leaky/package.json': packageJson('@acme/leaky', { '.': './src/index.schema.ts' }),
        'packages/leaky/src/index.schema.ts': `import { z } from 'zod';
import { pool } from '@acme/db';
export const noteSchema = z.string();
export { pool };
`,
        'apps/worker/src/tasks/stock.ts': `${header}import { idSchema } from '@acme/db';
import { skuSchema } from '@acme/built';
import { orderSchema } from '@/schemas/order.schema.js';
export const stock = defineTask({
  name: 'app.stock',
  input: z.object({ id: idSchema, sku: skuSchema, order: orderSchema }),
  output: z.number(),
  run: () => 1,
});
`,
        // Its schema is followed; the schema module it reaches imports implementation code.
        'apps/worker/src/tasks/note.ts': `${header}import { noteSchema } from '@acme/leaky';
export const note = defineTask({ name: 'app.note', input: noteSchema, output: z.number(), run: () => 1 });
`,
      },
      ['db', 'built', 'leaky'],
    );
    await link(tree, 'packages/leaky', 'db');
    const result = await generate({ cwd: tree.path('apps/worker') });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map(({ code, file, line }) => [code, file, line])).toEqual([
      ['IMPLEMENTATION_IMPORT', '../../packages/leaky/src/index.schema.ts', 2],
      ['IMPLEMENTATION_IMPORT', 'src/tasks/stock.ts', 8],
      ['SCHEMA_IMPORT_NOT_FOLLOWED', 'src/tasks/stock.ts', 8],
      ['SCHEMA_IMPORT_NOT_FOLLOWED', 'src/tasks/stock.ts', 8],
    ]);
    const [leaky, db, built, alias] = result.diagnostics;
    expect(leaky?.message).toContain(
      'imports "@acme/db", which resolves to "../../packages/db/src/index.ts"',
    );
    expect(db?.message).toContain(
      'imported from "@acme/db" (line 3), which resolves to "../../packages/db/src/index.ts". That is not a *.schema.ts module',
    );
    expect(built?.message).toContain(
      'imported from "@acme/built" (line 4), which resolves to "../../packages/built/dist/index.schema.d.ts", a declaration file',
    );
    expect(built?.fix).toContain('customConditions');
    expect(alias?.message).toContain(
      'imported from "@/schemas/order.schema.js" (line 5), which does not resolve to a file',
    );
    expect(alias?.fix).toContain('`paths`');
  });
});
