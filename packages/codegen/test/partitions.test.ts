import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import {
  type AnyTaskContract,
  type AnyWorkflow,
  type AnyWorkflowContract,
  workflowPlan,
} from '@conveyor/core';
import { afterEach, describe, expect, it } from 'vitest';
import { generate } from '../src/index.js';
import { makeTree, type Tree, taskFile } from './tree.js';

let tree: Tree | undefined;
afterEach(async () => {
  await tree?.remove();
  tree = undefined;
});

const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(file).href)) as T;

describe('partitioned queues in codegen', () => {
  it('reads queue: { name, partitions, partitionBy } statically into the contract, and plans steps on the partition core picks', async () => {
    tree = await makeTree({
      'src/tasks/tasks.ts': [
        taskFile(
          'notify',
          'p.notify',
          "\n  queue: { name: 'emails', partitions: PARTS, partitionBy: 'id' },",
        ).replace('export const', 'const PARTS = 8;\n\nexport const'),
        taskFile('plain', 'p.plain', "\n  queue: 'other',").replace(/^import.*\n/gm, ''),
      ].join('\n'),
      'src/tasks/flows.ts': `import { defineWorkflow } from '@conveyor/core';
import { z } from 'zod';
import { notify, plain } from './tasks.js';

export const flow = defineWorkflow({
  name: 'p.flow',
  input: z.object({ id: z.string() }),
  steps: (f) =>
    f
      .step('first', notify, { input: (_, input) => input })
      .step('second', plain, { input: (_, input) => input })
      .map('each', notify, { items: (_, input) => [{ id: input.id }] }),
});
`,
    });
    const result = await generate({ cwd: tree.root });
    expect(result.diagnostics).toEqual([]);
    const text = await readFile(tree.path('src/generated/client.ts'), 'utf8');
    expect(text).toContain(
      "  queue: 'emails',\n  partitions: 8,\n  partitionBy: 'id',\n  fingerprint:",
    );
    const client = await load<{
      notifyContract: AnyTaskContract;
      plainContract: AnyTaskContract;
      flowContract: AnyWorkflowContract;
    }>(tree.path('src/generated/client.ts'));
    expect(client.notifyContract).toMatchObject({
      queue: 'emails',
      partitions: 8,
      partitionBy: 'id',
    });
    expect(client.plainContract.partitions).toBeUndefined();
    const { flow } = await load<{ flow: AnyWorkflow }>(tree.path('src/tasks/flows.ts'));
    const plan = workflowPlan(flow);
    expect(client.flowContract.plan).toEqual(plan);
    const queues = plan.stages.flatMap((stage) => stage.steps.map((step) => step.queue));
    expect(queues[0]).toMatch(/^emails~\dof8$/);
    expect(queues[1]).toBe('other');
  });

  it('reports a queue object of another shape as INVALID_QUEUE_OPTION', async () => {
    tree = await makeTree({
      'src/tasks/a.ts': taskFile('a', 'p.a', "\n  queue: { queue: 'emails', partitions: 2 },"),
    });
    const result = await generate({ cwd: tree.root });
    expect(result.diagnostics.map((d) => d.code)).toEqual(['INVALID_QUEUE_OPTION']);
    expect(result.diagnostics[0]?.message).toContain('queue of task "p.a"');
  });
});
