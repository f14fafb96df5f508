import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { createClient, memoryTransport } from '@conveyor/core';
import { afterEach, describe, expect, it } from 'vitest';
import { generate } from '../src/index.js';
import { compileErrors, makeTree, type Tree, taskFile } from './tree.js';

let tree: Tree | undefined;
afterEach(async () => {
  await tree?.remove();
  tree = undefined;
});

// ES2022 string export names: a task, a workflow and a schedule, and a schema module export.
const mailTasks = `import { defineSchedule, defineTask, defineWorkflow } from '@conveyor/core';
import { z } from 'zod';
import { 'mail-address' as mailAddress } from './mail.schema.js';

// An annotated schema const: the AST cannot settle it, so the type checker probes it.
const recipient: z.ZodType<string> = mailAddress;

const sendEmail = defineTask({
  name: 'mail.send',
  input: z.object({ to: recipient }),
  run: () => ({ sent: true }),
});

const digest = defineWorkflow({
  name: 'mail.digest',
  input: z.object({ to: z.string() }),
  steps: (flow) => flow.step('send', sendEmail),
});

const nightly = defineSchedule({ id: 'mail.nightly', task: sendEmail, every: '1d', input: { to: 'ops@example.com' } });

export { sendEmail as 'send-email', digest as 'mail digest', nightly as 'nightly-mail' };
`;

describe('string export names (`export { sendEmail as "send-email" }`)', () => {
  it('get identifiers in the client, and the registry imports them by their string names', async () => {
    tree = await makeTree({
      'src/tasks/mail.schema.ts': `import { z } from 'zod';
const address = z.email();
export { address as 'mail-address' };
`,
      'src/tasks/mail.ts': mailTasks,
    });
    const result = await generate({ cwd: tree.root });
    expect(result.diagnostics).toEqual([]);
    expect(result.tasks.map((task) => task.exportName)).toEqual(['send-email']);

    const client = await readFile(tree.path('src/generated/client.ts'), 'utf8');
    expect(client).toContain(
      "import { 'mail-address' as mailAddress } from '../tasks/mail.schema.js';",
    );
    expect(client).toContain("// mail.send, from src/tasks/mail.ts (exported as 'send-email')");
    expect(client).toContain('export const sendEmail$recipient: z.ZodType<string> = mailAddress;');
    expect(client).toContain(
      'export const sendEmail = bindTask(resolveClient, sendEmailContract);',
    );
    expect(client).toContain(
      'export const mailDigest = bindWorkflow(resolveClient, mailDigestContract);',
    );
    expect(client).toContain('lastStage: { send: sendEmailContract },');
    const registry = await readFile(tree.path('src/generated/registry.ts'), 'utf8');
    expect(registry).toContain(
      "import { 'mail digest' as mailDigest, 'nightly-mail' as nightlyMail, 'send-email' as sendEmail } from '../tasks/mail.js';",
    );
    expect(
      await compileErrors(tree, ['src/generated/client.ts', 'src/generated/registry.ts']),
    ).toEqual([]);

    const producer = await import(pathToFileURL(tree.path('src/generated/client.ts')).href);
    const transport = memoryTransport();
    producer.configureConveyor(createClient({ transport }));
    const job = await producer.sendEmail.delay({ to: 'ada@example.com' });
    expect(job.id).toMatch(/^default:/);
    await transport.close();
    const workers = await import(pathToFileURL(tree.path('src/generated/registry.ts')).href);
    expect(workers.tasks.map((task: { name: string }) => task.name)).toEqual(['mail.send']);
    expect(workers.schedules.map((schedule: { id: string }) => schedule.id)).toEqual([
      'mail.nightly',
    ]);
    expect(workers.workflows.map((workflow: { name: string }) => workflow.name)).toEqual([
      'mail.digest',
    ]);
  });

  it('reports a string export name whose identifier another export already has', async () => {
    tree = await makeTree({
      'src/tasks/a.ts': `${taskFile('sendEmailTask', 'mail.a').replace('export const', 'const')}export { sendEmailTask as 'send-email' };\n`,
      'src/tasks/b.ts': taskFile('sendEmail', 'mail.b'),
    });
    const result = await generate({ cwd: tree.root });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map(({ code, file }) => [code, file])).toEqual([
      ['DUPLICATE_EXPORT_NAME', 'src/tasks/a.ts'],
      ['DUPLICATE_EXPORT_NAME', 'src/tasks/b.ts'],
    ]);
    expect(result.diagnostics[0]?.message).toContain('"sendEmail"');
    expect(result.diagnostics[0]?.message).toContain('"send-email"');
  });
});

/** A task file exporting one task under each name, `output` for those in `withOutput`. */
function namedTasks(names: readonly string[], withOutput: readonly string[] = []): string {
  const tasks = names.map(
    (name) => `export const ${name} = defineTask({
  name: 'names.${name}',
  input: z.object({ id: z.string() }),${withOutput.includes(name) ? '\n  output: z.string(),' : ''}
  run: ({ id }) => id,
});
`,
  );
  return `import { defineTask, defineWorkflow } from '@conveyor/core';\nimport { z } from 'zod';\n\n${tasks.join('\n')}`;
}

describe("export names the generated client's own identifiers have", () => {
  it('renames the client’s internal names instead, so the client compiles and runs', async () => {
    const internal = [
      'bindTask',
      'taskContract',
      'resolveClient',
      'clientRef',
      'Client',
      'InferSchemaOutput',
      'InvalidOptionError',
      'Jsonify',
      'TaskResult',
      'send',
      'sendInputSchema',
      'sendOutputSchema',
    ];
    tree = await makeTree({
      'src/tasks/names.ts': `${namedTasks(internal, ['InferSchemaOutput', 'send'])}
export const bindWorkflow = defineWorkflow({
  name: 'names.bindWorkflow',
  input: z.object({ id: z.string() }),
  steps: (flow) => flow.step('first', bindTask),
});
export const workflowContract = defineWorkflow({
  name: 'names.workflowContract',
  input: z.object({ id: z.string() }),
  steps: (flow) => flow.step('first', TaskResult),
});
`,
    });
    const result = await generate({ cwd: tree.root });
    expect(result.diagnostics).toEqual([]);
    const client = await readFile(tree.path('src/generated/client.ts'), 'utf8');
    expect(client).toContain(
      'export const bindTask = bindTask_2(resolveClient_2, bindTaskContract);',
    );
    expect(client).toContain('export const send = bindTask_2(resolveClient_2, sendContract);');
    expect(
      await compileErrors(tree, ['src/generated/client.ts', 'src/generated/registry.ts']),
    ).toEqual([]);

    const producer = await import(pathToFileURL(tree.path('src/generated/client.ts')).href);
    const transport = memoryTransport();
    producer.configureConveyor(createClient({ transport }));
    for (const name of [...internal, 'bindWorkflow', 'workflowContract']) {
      await producer[name].delay({ id: 'x' });
    }
    expect(producer.contracts.map((contract: { name: string }) => contract.name)).toHaveLength(
      internal.length,
    );
    await transport.close();
  });

  it('reports an export the client declares itself, or one another export’s contract takes', async () => {
    tree = await makeTree({
      'src/tasks/a.ts': namedTasks(['contracts', 'configureConveyor', 'send']),
      'src/tasks/b.ts': namedTasks(['workflowContracts', 'sendContract']),
    });
    const result = await generate({ cwd: tree.root });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map(({ code, file, line }) => [code, file, line])).toEqual([
      ['RESERVED_EXPORT_NAME', 'src/tasks/a.ts', 4],
      ['RESERVED_EXPORT_NAME', 'src/tasks/a.ts', 10],
      ['DUPLICATE_EXPORT_NAME', 'src/tasks/a.ts', 16],
      ['RESERVED_EXPORT_NAME', 'src/tasks/b.ts', 4],
      ['DUPLICATE_EXPORT_NAME', 'src/tasks/b.ts', 10],
    ]);
    const [contracts, , send, , sendContract] = result.diagnostics;
    expect(contracts?.message).toBe(
      'export name "contracts" is one the generated client declares itself (configureConveyor, contracts, workflowContracts), so the client would not compile.',
    );
    expect(contracts?.fix).toBe('Rename the export, e.g. to "contractsTask".');
    expect(sendContract?.message).toBe(
      'export name "sendContract" is also the name of the contract the generated client exports for "send" (src/tasks/a.ts:16), so the client would declare it twice.',
    );
    expect(send?.message).toBe(
      'the generated client exports the contract of "send" as "sendContract", which export "sendContract" (src/tasks/b.ts:10) takes too, so the client would declare it twice.',
    );
    expect(send?.fix).toMatch(/^Rename one of the two exports; /);
  });
});
