import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createClient } from '../../src/client.js';
import { memoryTransport } from '../../src/memory/memory-transport.js';
import { defineTask } from '../../src/task.js';
import { bindWorkflow } from '../../src/workflow/contract.js';
import { defineWorkflow } from '../../src/workflow/define-workflow.js';
import { WorkflowNotFoundError } from '../../src/workflow/errors.js';
import { driveSteps } from './client-driver.js';

/**
 * docs/workflows.md §2: a typed handle is never another workflow's run. Every operation of
 * `client.workflows.handle(fan, id)` on a run of `chain` refuses, before it changes anything.
 */

const wait = defineTask({
  name: 't.wait',
  input: z.object({ ms: z.number() }),
  run: () => ({ done: true }),
});
const stamp = defineTask({
  name: 't.stamp',
  input: z.object({ n: z.number() }),
  output: z.object({ at: z.date() }),
  run: ({ n }) => ({ at: new Date(n) }),
});
const chain = defineWorkflow({
  name: 'wf.chain',
  input: z.object({ ms: z.number() }),
  steps: (flow) => flow.step('wait', wait).step('again', wait, { input: (_, input) => input }),
});
const fan = defineWorkflow({
  name: 'wf.fan',
  input: z.object({ n: z.number() }),
  steps: (flow) => flow.map('again', stamp, { items: (input) => [{ n: input.n }] }),
});

function setup() {
  const transport = memoryTransport();
  const client = createClient({ transport });
  return { transport, client };
}

/** The refusal every operation gives: the id, both workflows, and what to do. */
async function expectMismatch(operation: Promise<unknown>, id: string): Promise<void> {
  const error = await operation.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(WorkflowNotFoundError);
  expect(error).toMatchObject({
    code: 'WORKFLOW_NOT_FOUND',
    workflowId: id,
    mismatch: { workflow: 'wf.fan', runOf: 'wf.chain' },
  });
  const { message } = error as Error;
  expect(message).toContain(`Workflow run "${id}" is a run of "wf.chain", not of "wf.fan"`);
  expect(message).toContain(`client.workflows.handle(<workflow "wf.chain">, "${id}")`);
  expect(message).toContain('check the id');
}

describe('a typed handle given another workflow’s run id', () => {
  it('refuses status(), result(), cancel() and retry() of a running run, and cancels nothing', async () => {
    const { transport, client } = setup();
    const run = await client.workflows.start(chain, { ms: 20_000 });
    const wrong = client.workflows.handle(fan, run.id);
    await expectMismatch(wrong.status(), run.id);
    await expectMismatch(wrong.status({ attempts: false }), run.id);
    await expectMismatch(wrong.result({ timeout: 50 }), run.id);
    await expectMismatch(wrong.cancel(), run.id);
    await expectMismatch(wrong.retry(), run.id);
    // The chain run goes on: its first step's job is still queued, not cancelled.
    const record = await transport.workflows.get(run.id);
    expect(record?.status).toBe('running');
    const [job] = await transport.reserve({
      queues: ['default'],
      max: 10,
      leaseMs: 10_000,
      consumer: 't',
    });
    expect(job?.envelope.workflow).toMatchObject({ id: run.id, step: 'wait' });
    // The right handle still works.
    await expect(client.workflows.handle(chain, run.id).cancel()).resolves.toEqual({
      cancelled: true,
    });
  });

  it('refuses result() of a finished run instead of giving its result as the wrong type', async () => {
    const { transport, client } = setup();
    const run = await client.workflows.start(chain, { ms: 1 });
    await driveSteps(transport, chain);
    await expect(run.result()).resolves.toEqual({ done: true });
    await expectMismatch(client.workflows.handle(fan, run.id).result(), run.id);
    await expectMismatch(client.workflows.handle(fan, run.id).status(), run.id);
    // A stub's handle is a typed handle too.
    await expectMismatch(
      bindWorkflow(() => client, fan)
        .handle(run.id)
        .result(),
      run.id,
    );
    // An untyped handle reads any run.
    await expect(client.workflows.handle(run.id).result()).resolves.toEqual({ done: true });
  });

  it('refuses retry() of a failed run of another workflow, and retries nothing', async () => {
    const { transport, client } = setup();
    const run = await client.workflows.start(chain, { ms: 1 });
    await driveSteps(transport, chain, () => ({
      ok: false,
      error: { name: 'Error', message: 'broke' },
    }));
    expect((await transport.workflows.get(run.id))?.status).toBe('failed');
    await expectMismatch(client.workflows.handle(fan, run.id).retry(), run.id);
    expect((await transport.workflows.get(run.id))?.status).toBe('failed');
    await expect(client.workflows.handle(chain, run.id).retry()).resolves.toEqual({
      retried: true,
    });
  });

  it('an unknown id is still unknown, not a mismatch', async () => {
    const { client } = setup();
    const unknown = client.workflows.handle(fan, 'wf_0000000000000000unknown');
    expect(await unknown.status()).toBeNull();
    await expect(unknown.result()).rejects.toMatchObject({
      code: 'WORKFLOW_NOT_FOUND',
      mismatch: undefined,
    });
    await expect(unknown.cancel()).resolves.toEqual({ cancelled: false });
    await expect(unknown.retry()).resolves.toEqual({ retried: false });
  });

  it('start() with one idempotency key on two workflows gives each its own run', async () => {
    const { client } = setup();
    const first = await client.workflows.start(chain, { ms: 20_000 }, { idempotencyKey: 'k-1' });
    const other = await client.workflows.start(fan, { n: 1 }, { idempotencyKey: 'k-1' });
    expect(other.id).not.toBe(first.id);
    expect(other.duplicate).toBe(false);
    expect((await other.status({ attempts: false }))?.name).toBe('wf.fan');
    const again = await client.workflows.start(chain, { ms: 20_000 }, { idempotencyKey: 'k-1' });
    expect(again).toMatchObject({ id: first.id, duplicate: true });
    expect((await again.status({ attempts: false }))?.name).toBe('wf.chain');
  });
});
