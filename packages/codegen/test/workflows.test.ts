import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import {
  type AnyWorkflow,
  type AnyWorkflowContract,
  isWorkflow,
  isWorkflowContract,
  STEP_NAME_RULE,
  workflowPlan,
} from '@conveyor/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type Diagnostic, generate } from '../src/index.js';
import { fixtureDir, makeTree, type Tree, taskFile } from './tree.js';

let tree: Tree | undefined;
afterEach(async () => {
  await tree?.remove();
  tree = undefined;
});

const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(file).href)) as T;

describe('workflow plans written by codegen', () => {
  it("equal workflowPlan(definition) for the shop fixture's order (map, step, parallel, compensation; continue and compensate; tasks with and without queue, retry and priority)", async () => {
    const shop = fixtureDir('shop');
    const client = await load<{ placeOrderContract: AnyWorkflowContract }>(
      `${shop}/src/generated/client.ts`,
    );
    const { placeOrder } = await load<{ placeOrder: AnyWorkflow }>(
      `${shop}/src/tasks/place-order.ts`,
    );
    const registry = await load<{ workflows: readonly AnyWorkflow[] }>(
      `${shop}/src/generated/registry.ts`,
    );
    expect(isWorkflowContract(client.placeOrderContract)).toBe(true);
    expect(client.placeOrderContract.plan).toEqual(workflowPlan(placeOrder));
    // Every shape the fixture promises is in it.
    const { plan } = client.placeOrderContract;
    expect(plan.stages.map((stage) => stage.kind)).toEqual(['map', 'step', 'parallel']);
    expect(plan.compensations.map((step) => step.name)).toEqual(['cancel']);
    const onFailures = plan.stages.flatMap((stage) => stage.steps.map((step) => step.onFailure));
    expect(onFailures).toContainEqual('continue');
    expect(onFailures).toContainEqual({ compensate: 'cancel' });
    // The worker's copy carries the input schema's fingerprint, the same as the producer's
    // contract: a run stores the producer's and the worker compares the two.
    expect(client.placeOrderContract.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(registry.workflows).toEqual([
      { ...placeOrder, fingerprint: client.placeOrderContract.fingerprint },
    ]);
    expect(Object.isFrozen(registry.workflows[0])).toBe(true);
    // The contract decodes the last stage's results with its steps' task contracts.
    expect(Object.keys(client.placeOrderContract.lastStage ?? {})).toEqual(['confirm', 'deliver']);
  });

  it('equal workflowPlan(definition) for every form codegen reads: same-file, namespace and aliased tasks, const step names, number keys, methods, a step or a map last', async () => {
    tree = await makeTree({
      'src/tasks/tasks.ts': [
        taskFile('alpha', 'w.alpha', "\n  queue: 'q1',\n  priority: 2,"),
        taskFile('beta', 'w.beta', '\n  retry: { attempts: 4 },').replace(/^import.*\n/gm, ''),
        `export const undo = defineTask({
  name: 'w.undo',
  input: z.object({ step: z.string(), message: z.string(), code: z.string().optional() }),
  output: z.object({ ok: z.boolean() }),
  run: () => ({ ok: true }),
});
`,
      ].join('\n'),
      'src/tasks/flows.ts': `import * as core from '@conveyor/core';
import { defineTask } from '@conveyor/core';
import { z } from 'zod';
import * as t from './tasks.js';
import { alpha as first, beta, undo } from './tasks.js';

const FIRST = 'first';
const CONTINUE = 'continue';

export const local = defineTask({
  name: 'w.local',
  input: z.object({ id: z.string() }),
  output: z.object({ ok: z.boolean() }),
  retry: { attempts: 7 },
  run: () => ({ ok: true }),
});

export const lastStep = core.defineWorkflow({
  name: 'w.lastStep',
  input: z.object({ id: z.string() }),
  steps(flow) {
    return flow
      .step(FIRST, first)
      .parallel({
        z: { task: t.beta, input: (_, input) => ({ id: input.id }), onFailure: { compensate: 'undo' } },
        2: { task: local, input: (_, input) => input },
        '1': { task: first, input: (_, input) => input, onFailure: CONTINUE },
      })
      .step('last', beta, { input: (_, input) => input, onFailure: 'continue' })
      .compensation('undo', undo);
  },
});

const mapLast = core.defineWorkflow({
  name: 'w.mapLast',
  input: z.object({ ids: z.array(z.string()) }),
  steps: (flow) =>
    flow.map('each', t.alpha, {
      items: (_, input) => input.ids.map((id) => ({ id })),
      onFailure: 'continue',
    }),
});
export { mapLast as fanOut };
`,
    });
    const result = await generate({ cwd: tree.root });
    expect(result.diagnostics).toEqual([]);
    expect(result.workflows.map((w) => [w.name, w.exportName, w.file])).toEqual([
      ['w.lastStep', 'lastStep', 'src/tasks/flows.ts'],
      ['w.mapLast', 'fanOut', 'src/tasks/flows.ts'],
    ]);
    const client = await load<Record<string, AnyWorkflowContract>>(
      tree.path('src/generated/client.ts'),
    );
    const flows = await load<Record<string, AnyWorkflow>>(tree.path('src/tasks/flows.ts'));
    for (const [exportName, definition] of [
      ['lastStep', flows.lastStep],
      ['fanOut', flows.fanOut],
    ] as const) {
      expect(isWorkflow(definition)).toBe(true);
      const plan = workflowPlan(definition as AnyWorkflow);
      expect(client[`${exportName}Contract`]?.plan).toEqual(plan);
      const reported = result.workflows.find((w) => w.exportName === exportName);
      expect(reported?.planFingerprint).toBe(plan.fingerprint);
    }
    // The group's order is Object.entries' order, as core's: number keys first.
    expect(client.lastStepContract?.plan.stages[1]?.steps.map((s) => s.name)).toEqual([
      '1',
      '2',
      'z',
    ]);
    const text = await readFile(tree.path('src/generated/client.ts'), 'utf8');
    expect(text).toContain('  TaskResult<typeof betaContract> | undefined\n>({');
    expect(text).toContain('  Array<TaskResult<typeof alphaContract> | undefined>\n>({');
    expect(text).toContain(
      'export const workflowContracts = [lastStepContract, fanOutContract] as const;',
    );
    expect(text).not.toContain("from '../tasks/");
    const registry = await readFile(tree.path('src/generated/registry.ts'), 'utf8');
    expect(registry).toContain('the worker registry of every task and workflow.');
    expect(registry).toContain("import { fanOut, lastStep, local } from '../tasks/flows.js';");
  });

  it('the input fingerprint changes with the input schema, not with the steps; the plan fingerprint with the steps', async () => {
    const flows = (
      input: string,
      queue: string,
    ) => `import { defineWorkflow } from '@conveyor/core';
import { z } from 'zod';
import { ping } from './ping.js';

export const run = defineWorkflow({
  name: 'w.run',
  input: ${input},
  steps: (flow) => flow.step('ping', ping, { onFailure: ${queue} }),
});
`;
    tree = await makeTree({
      'src/tasks/ping.ts': taskFile('ping', 'ops.ping'),
      'src/tasks/flows.ts': flows('z.object({ id: z.string() })', "'fail'"),
    });
    const print = async () => (await generate({ cwd: tree?.root ?? '' })).workflows[0];
    const before = await print();
    await tree.write('src/tasks/flows.ts', flows('z.object({ id: z.string().min(1) })', "'fail'"));
    const input = await print();
    await tree.write(
      'src/tasks/flows.ts',
      flows('z.object({ id: z.string().min(1) })', "'continue'"),
    );
    const steps = await print();
    expect(input?.fingerprint).not.toBe(before?.fingerprint);
    expect(input?.planFingerprint).toBe(before?.planFingerprint);
    expect(steps?.fingerprint).toBe(input?.fingerprint);
    expect(steps?.planFingerprint).not.toBe(input?.planFingerprint);
  });
});

/** Generates in a fresh tree and returns the diagnostics (nothing is written). */
async function diagnose(files: Record<string, string>): Promise<Diagnostic[]> {
  tree = await makeTree({ 'src/tasks/ping.ts': taskFile('ping', 'ops.ping'), ...files });
  const result = await generate({ cwd: tree.root });
  expect(result.ok).toBe(false);
  expect(result.files).toEqual([]);
  return [...result.diagnostics];
}

const workflowFile = (
  steps: string,
  extra = '',
) => `import { defineWorkflow } from '@conveyor/core';
import { z } from 'zod';
import { ping } from './ping.js';
${extra}
export const run = defineWorkflow({
  name: 'w.run',
  input: z.object({ id: z.string() }),
  steps: (flow) => ${steps},
});
`;

describe('workflow diagnostics', () => {
  it('WORKFLOW_NOT_STATIC at a computed step name, with file:line:column and the literal to write', async () => {
    const found = await diagnose({
      'src/tasks/flows.ts': workflowFile("flow.step(prefix + '-p', ping)", "const prefix = 'a';"),
    });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      code: 'WORKFLOW_NOT_STATIC',
      file: 'src/tasks/flows.ts',
      line: 8,
      column: 30,
    });
    expect(found[0]?.message).toContain(`workflow "w.run": a step name is "prefix + '-p'"`);
    expect(found[0]?.fix).toContain("`.step('reserve', …)`");
  });

  it('WORKFLOW_NOT_STATIC for a spread group, a chain not on the flow, a policy that is no literal', async () => {
    const cases = [
      ['flow.parallel({ ...branches })', 'const branches = {};', 'the group holds "...branches"'],
      ['other.step("p", ping)', 'const other = null as never;', 'not at the flow parameter'],
      [
        'flow.step("p", ping, { onFailure: policy() })',
        'const policy = () => "fail" as const;',
        'onFailure of step "p" is "policy()"',
      ],
    ] as const;
    for (const [steps, extra, message] of cases) {
      const found = await diagnose({ 'src/tasks/flows.ts': workflowFile(steps, extra) });
      expect(found.map((d) => d.code)).toEqual(['WORKFLOW_NOT_STATIC']);
      expect(found[0]?.message).toContain(message);
      await tree?.remove();
    }
  });

  it('INVALID_STEP_NAME at a step, group or compensation name core refuses, or one used twice, and nothing is written', async () => {
    // defineWorkflow threw these at import, so `conveyor worker` stopped for every task.
    const found = await diagnose({
      'src/tasks/dup.ts': workflowFile(
        "flow.step('fetch', ping).step('fetch', ping, { input: (_, input) => input })",
      ).replace("'w.run'", "'w.dupSteps'"),
      'src/tasks/names.ts': workflowFile("flow.step('fetch accounts!', ping)")
        .replace("'w.run'", "'w.names'")
        .replace('export const run', 'export const names'),
      'src/tasks/group.ts': workflowFile(
        "flow.step('p', ping, { onFailure: { compensate: 'p' } }).parallel({ 'a.b': { task: ping }, ok: { task: ping } }).compensation('p', ping)",
      )
        .replace("'w.run'", "'w.group'")
        .replace('export const run', 'export const group'),
    });
    expect(found.map((d) => [d.code, d.file, d.line, d.column])).toEqual([
      ['INVALID_STEP_NAME', 'src/tasks/dup.ts', 8, 50],
      ['INVALID_STEP_NAME', 'src/tasks/group.ts', 8, 88],
      ['INVALID_STEP_NAME', 'src/tasks/group.ts', 8, 146],
      ['INVALID_STEP_NAME', 'src/tasks/names.ts', 8, 30],
    ]);
    const [dup, group, compensation, names] = found;
    expect(dup?.message).toBe(
      'step name "fetch" of workflow "w.dupSteps" is already the name of the step at 8:30; core refuses the workflow when its module is imported, so no worker starts.',
    );
    expect(dup?.fix).toBe('Give every step and compensation of the workflow a name of its own.');
    expect(group?.message).toContain('step name "a.b" of workflow "w.group" is not valid');
    expect(compensation?.message).toContain(
      'compensation name "p" of workflow "w.group" is already the name of the step at 8:30;',
    );
    expect(names?.message).toContain('step name "fetch accounts!" of workflow "w.names"');
    // The rule is core's own.
    expect(names?.fix).toBe(`Use ${STEP_NAME_RULE}.`);
    expect(existsSync(tree?.path('src/generated/client.ts') ?? '')).toBe(false);
    expect(existsSync(tree?.path('src/generated/registry.ts') ?? '')).toBe(false);

    // What core accepts passes: 64 characters from the rule's set.
    await tree?.remove();
    const longest = `${'a'.repeat(62)}_-`;
    tree = await makeTree({
      'src/tasks/ping.ts': taskFile('ping', 'ops.ping'),
      'src/tasks/flows.ts': workflowFile(`flow.step('${longest}', ping)`),
    });
    const result = await generate({ cwd: tree.root });
    expect(result.diagnostics).toEqual([]);
    const { runContract } = await load<Record<string, AnyWorkflowContract>>(
      tree.path('src/generated/client.ts'),
    );
    expect(runContract?.plan.stages[0]?.steps[0]?.name).toBe(longest);
  });

  it('EMPTY_PARALLEL_GROUP at `.parallel({})`, and nothing is written', async () => {
    // Before, generate wrote the plan and every worker refused to start at import.
    const found = await diagnose({
      'src/tasks/flows.ts': workflowFile("flow.step('x', ping).parallel({})"),
    });
    expect(found).toEqual([
      {
        code: 'EMPTY_PARALLEL_GROUP',
        file: 'src/tasks/flows.ts',
        line: 8,
        column: 50,
        message:
          'the parallel group of workflow "w.run" is empty ({}); core refuses a group without steps when the module is imported, so no worker starts.',
        fix: 'Put at least one step in the group (`.parallel({ ship: { task: notifyWarehouse } })`), or remove the `.parallel(…)`.',
      },
    ]);
    expect(existsSync(tree?.path('src/generated/client.ts') ?? '')).toBe(false);
    expect(existsSync(tree?.path('src/generated/registry.ts') ?? '')).toBe(false);
  });

  it('INVALID_STEP_NAME at a `__proto__` group key, plain or quoted, which sets the prototype rather than naming a step', async () => {
    // Before, codegen planned a step "__proto__" that core never saw: every run failed
    // WORKFLOW_SKEW.
    const found = await diagnose({
      'src/tasks/plain.ts': workflowFile(
        "flow.step('x', ping).parallel({ __proto__: { task: ping }, y: { task: ping } })",
      ),
      'src/tasks/quoted.ts': workflowFile(
        "flow.parallel({ y: { task: ping }, '__proto__': { task: ping } })",
      )
        .replace("'w.run'", "'w.quoted'")
        .replace('export const run', 'export const quoted'),
    });
    expect(found.map((d) => [d.code, d.file, d.line, d.column])).toEqual([
      ['INVALID_STEP_NAME', 'src/tasks/plain.ts', 8, 52],
      ['INVALID_STEP_NAME', 'src/tasks/quoted.ts', 8, 55],
    ]);
    expect(found[0]?.message).toBe(
      'the group key __proto__ of workflow "w.run" names no step: in an object literal it sets the prototype, so core never sees that step, and the plan codegen would write differs from the workflow\'s (every run would fail WORKFLOW_SKEW).',
    );
    expect(found[1]?.message).toContain('the group key \'__proto__\' of workflow "w.quoted"');
    expect(found[0]?.fix).toBe('Give the step another name.');
  });

  it('WORKFLOW_TASK_UNKNOWN for a task from a function call, and one imported from a file that is not a task file', async () => {
    const found = await diagnose({
      'src/tasks/flows.ts': workflowFile(
        'flow.step("a", make()).step("b", helper)',
        "import { helper } from '../lib/helper.js';\nconst make = () => ping;",
      ),
      'src/lib/helper.ts': "export { ping as helper } from '../tasks/ping.js';\n",
    });
    // The first problem stops the chain: one diagnostic per workflow.
    expect(found.map((d) => [d.code, d.line])).toEqual([['WORKFLOW_TASK_UNKNOWN', 9]]);
    expect(found[0]?.message).toContain('"make()", comes from a function call');

    const imported = await diagnose({
      'src/tasks/flows.ts': workflowFile(
        'flow.step("b", helper)',
        "import { helper } from '../lib/helper.js';",
      ),
      'src/lib/helper.ts': "export { ping as helper } from '../tasks/ping.js';\n",
    });
    expect(imported.map((d) => d.code)).toEqual(['WORKFLOW_TASK_UNKNOWN']);
    expect(imported[0]?.message).toContain(
      'comes from src/lib/helper.ts, which is not a task file',
    );
    expect(imported[0]?.fix).toContain('Import the task from the task file that defines it');
  });

  it('IMPLEMENTATION_IMPORT when the input schema uses implementation code, as for a task', async () => {
    const found = await diagnose({
      'src/tasks/flows.ts': workflowFile(
        'flow.step("p", ping)',
        "import { orderSchema } from '../lib/orders.js';",
      ).replace('input: z.object({ id: z.string() })', 'input: orderSchema'),
      'src/lib/orders.ts':
        "import { z } from 'zod';\nexport const orderSchema = z.object({ id: z.string() });\n",
    });
    expect(found.map((d) => d.code)).toEqual(['IMPLEMENTATION_IMPORT']);
    expect(found[0]?.message).toContain('workflow "w.run"');
  });

  it('WORKFLOW_NOT_EXPORTED, DUPLICATE_WORKFLOW_NAME and DUPLICATE_EXPORT_NAME (a task and a workflow share the stub name)', async () => {
    const found = await diagnose({
      'src/tasks/flows.ts': workflowFile('flow.step("p", ping)').replace(
        'export const run',
        'const run',
      ),
      'src/tasks/a.ts': workflowFile('flow.step("p", ping)').replace(
        'export const run',
        'export const ping2',
      ),
      'src/tasks/b.ts': workflowFile('flow.step("p", ping)').replace(
        'export const run',
        'export const other',
      ),
      'src/tasks/c.ts': taskFile('other', 'w.other'),
    });
    expect(found.map((d) => [d.code, d.file])).toEqual([
      ['DUPLICATE_WORKFLOW_NAME', 'src/tasks/a.ts'],
      ['DUPLICATE_EXPORT_NAME', 'src/tasks/b.ts'],
      ['DUPLICATE_WORKFLOW_NAME', 'src/tasks/b.ts'],
      ['DUPLICATE_EXPORT_NAME', 'src/tasks/c.ts'],
      // The declaration (the name) comes before the call on the same line.
      ['WORKFLOW_NOT_EXPORTED', 'src/tasks/flows.ts'],
      ['DUPLICATE_WORKFLOW_NAME', 'src/tasks/flows.ts'],
    ]);
  });

  // A task and a workflow named alike generated, and `conveyor enqueue` then picked one.
  it('DUPLICATE_WORKFLOW_NAME for a workflow named as a task is', async () => {
    const found = await diagnose({
      'src/tasks/flows.ts': workflowFile('flow.step("p", ping)').replace("'w.run'", "'ops.ping'"),
    });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      code: 'DUPLICATE_WORKFLOW_NAME',
      file: 'src/tasks/flows.ts',
      message: expect.stringContaining(
        'workflow name "ops.ping" is also the name of a task (src/tasks/ping.ts:',
      ),
      fix: 'Give the workflow a name no task has, e.g. "ops.ping.flow".',
    });
  });

  it('WORKFLOW_NOT_EXPORTED calls `export default w` of a workflow const a default export, not unexported', async () => {
    const unexported = (name: string) =>
      workflowFile('flow.step("p", ping)')
        .replace('export const run', `const ${name}`)
        .replace("'w.run'", `'w.${name}'`);
    const found = await diagnose({
      'src/tasks/a.ts': `${unexported('w')}export default w;\n`,
      'src/tasks/b.ts': `${unexported('v')}export { v as default };\n`,
    });
    expect(found.map((d) => [d.code, d.file, d.line])).toEqual([
      ['WORKFLOW_NOT_EXPORTED', 'src/tasks/a.ts', 5],
      ['WORKFLOW_NOT_EXPORTED', 'src/tasks/b.ts', 5],
    ]);
    const message =
      'a workflow is the default export; the generated client names each stub after its export.';
    expect(found.map((d) => d.message)).toEqual([message, message]);
    expect(found.map((d) => d.fix)).toEqual([
      'Export it by name instead: `export const w = defineWorkflow({ … })`.',
      'Export it by name instead: `export const v = defineWorkflow({ … })`.',
    ]);
  });
});
