import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { generate } from '../src/index.js';
import { makeTree, type Tree } from './tree.js';

let tree: Tree | undefined;
afterEach(async () => {
  await tree?.remove();
  tree = undefined;
});

describe('copying schemas', () => {
  it('keeps same-named declarations and imports of different files apart', async () => {
    tree = await makeTree({
      'src/tasks/a.ts': `import { defineTask } from '@conveyor/core';
import { z } from 'zod';

const address = z.object({ city: z.string() });
export const shipA = defineTask({
  name: 'a.ship',
  input: z.object({ address }),
  output: z.object({ ok: z.boolean() }),
  run: () => ({ ok: true }),
});
`,
      'src/tasks/c.ts': `import { defineTask } from '@conveyor/core';
import { z } from 'zod';

const input = z.object({ n: z.number() });
export const shipC = defineTask({ name: 'c.ship', input, output: z.number(), run: () => 1 });
`,
      'src/tasks/b.ts': `import * as core from '@conveyor/core';
import * as z from 'zod';

/** B's address has a zip, A's does not. */
const address = z.object({ zip: z.string().regex(/^\\d{5}$/) });
type Address = z.infer<typeof address>;
const wrapped = z.object({ to: address, tags: z.array(z.string()).default([]) });

export const shipB = core.defineTask({
  name: 'b.ship',
  input: wrapped,
  async run(input): Promise<Address & { at: number }> {
    return { ...input.to, at: 1 };
  },
});
`,
    });
    const result = await generate({ cwd: tree.root });
    expect(result.diagnostics).toEqual([]);
    const client = await readFile(tree.path('src/generated/client.ts'), 'utf8');
    expect(client).toContain('export const shipA$address = z.object({ city: z.string() });');
    expect(client).toContain("import * as z_2 from 'zod';");
    expect(client).toContain('export const shipB$address = z_2.object(');
    // A shorthand property keeps its key when the value is renamed.
    expect(client).toContain('z.object({ address: shipA$address })');
    expect(client).toContain('export type shipB$Address = z_2.infer<typeof shipB$address>;');

    // `input` written as a shorthand property copies the const it names.
    expect(client).toContain('export const shipC$input = z.object({ n: z.number() });');
    expect(client).toContain('const shipCInputSchema = shipC$input;');

    // The generated module runs, with each task's own schema.
    const module = await import(pathToFileURL(tree.path('src/generated/client.ts')).href);
    const a = await module.shipAContract.input['~standard'].validate({ address: { city: 'Oslo' } });
    expect(a.issues).toBeUndefined();
    const b = await module.shipBContract.input['~standard'].validate({ to: { zip: '123' } });
    expect(b.issues?.[0]?.path).toEqual(['to', 'zip']);
  });
});
