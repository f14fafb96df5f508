import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { type Client, createClient } from '../../src/client.js';
import { IdempotencyConflictError } from '../../src/errors.js';
import { type IdempotencyMode, inputFingerprint } from '../../src/idempotency.js';
import type { Logger } from '../../src/logger.js';
import { memoryTransport } from '../../src/memory/memory-transport.js';
import { defineTask } from '../../src/task.js';
import { defineWorkflow } from '../../src/workflow/define-workflow.js';
import { driveSteps } from './client-driver.js';

// docs/workflows.md §2 and rule W1: a workflow idempotency key is scoped by workflow, and a
// key sent again with another input is reported with both input fingerprints (an error in
// strict mode), as for jobs [R5, R5a]. And `start` refuses what is not a workflow.

const double = defineTask({
  name: 'wf-key.double',
  input: z.object({ n: z.number() }),
  run: ({ n }) => ({ v: n * 2 }),
});

const sum = defineTask({
  name: 'wf-key.sum',
  input: z.object({ count: z.number() }),
  // Its own queue: each workflow's steps are driven on their own.
  queue: 'wf-key-sums',
  run: ({ count }) => ({ total: count }),
});

const chain = defineWorkflow({
  name: 'wf-key.chain',
  input: z.object({ n: z.number() }),
  steps: (flow) => flow.step('double', double),
});

const fanIn = defineWorkflow({
  name: 'wf-key.fanIn',
  input: z.object({ count: z.number() }),
  steps: (flow) => flow.step('sum', sum),
});

function recordingLogger() {
  const warn = vi.fn();
  const logger: Logger = { debug: () => {}, info: () => {}, warn, error: () => {} };
  return { logger, warn };
}

const clients: Client[] = [];
/** A memory client made with these settings, and its `client.workflows`. */
function setup(settings: { idempotency?: IdempotencyMode; logger?: Logger } = {}) {
  const transport = memoryTransport();
  const client = createClient({ transport, ...settings });
  clients.push(client);
  return { transport, workflows: client.workflows };
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

describe('workflow idempotency keys', () => {
  it("scopes a key by workflow: another workflow's start with it is a run of its own, with its own result", async () => {
    const { logger, warn } = recordingLogger();
    const { transport, workflows } = setup({ idempotency: 'strict', logger });
    const first = await workflows.start(chain, { n: 5 }, { idempotencyKey: 'order-1' });
    const other = await workflows.start(fanIn, { count: 2 }, { idempotencyKey: 'order-1' });
    expect(other.duplicate).toBe(false);
    expect(other.id).not.toBe(first.id);
    expect((await transport.workflows.get(other.id))?.plan.workflow).toBe('wf-key.fanIn');
    await driveSteps(transport, chain);
    await driveSteps(transport, fanIn);
    // The handle typed as fanIn's resolves to fanIn's result, not chain's.
    expect(await first.result({ timeout: 5_000 })).toEqual({ v: 10 });
    expect(await other.result({ timeout: 5_000 })).toEqual({ total: 2 });
    expect(warn).not.toHaveBeenCalled();
  });

  it('returns the first run for the same input, with no warning', async () => {
    const { logger, warn } = recordingLogger();
    const { workflows } = setup({ logger });
    const first = await workflows.start(chain, { n: 5 }, { idempotencyKey: 'order-2' });
    const again = await workflows.start(chain, { n: 5 }, { idempotencyKey: 'order-2' });
    expect(again).toMatchObject({ id: first.id, duplicate: true });
    expect(warn).not.toHaveBeenCalled();
  });

  it('warns, naming both input fingerprints, when the key comes back with another input', async () => {
    const { logger, warn } = recordingLogger();
    const { workflows } = setup({ logger });
    const first = await workflows.start(chain, { n: 5 }, { idempotencyKey: 'order-3' });
    const again = await workflows.start(chain, { n: 999 }, { idempotencyKey: 'order-3' });
    expect(again).toMatchObject({ id: first.id, duplicate: true });
    const existing = inputFingerprint(JSON.stringify({ n: 5 }));
    const sent = inputFingerprint(JSON.stringify({ n: 999 }));
    expect(warn).toHaveBeenCalledOnce();
    const [fields, message] = warn.mock.calls[0] as [Record<string, unknown>, string];
    expect(fields).toEqual({
      workflow: 'wf-key.chain',
      idempotencyKey: 'order-3',
      runId: first.id,
      existingFingerprint: existing,
      inputFingerprint: sent,
    });
    expect(message).toContain('Idempotency key "order-3" of workflow "wf-key.chain"');
    expect(message).toContain(`input fingerprint ${existing}; this one's is ${sent}`);
    expect(message).toContain("createClient({ idempotency: 'strict' })");
  });

  it("refuses it with IDEMPOTENCY_CONFLICT under 'strict', and starts nothing", async () => {
    const { transport, workflows } = setup({ idempotency: 'strict' });
    const first = await workflows.start(chain, { n: 5 }, { idempotencyKey: 'order-4' });
    const error = await workflows
      .start(chain, { n: 999 }, { idempotencyKey: 'order-4' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(IdempotencyConflictError);
    expect(error).toMatchObject({
      code: 'IDEMPOTENCY_CONFLICT',
      idempotencyKey: 'order-4',
      workflow: 'wf-key.chain',
      runId: first.id,
      jobId: first.id,
      existingFingerprint: inputFingerprint(JSON.stringify({ n: 5 })),
      inputFingerprint: inputFingerprint(JSON.stringify({ n: 999 })),
    });
    expect((error as Error).message).toContain(
      `Idempotency key "order-4" of workflow "wf-key.chain" is held by run "${first.id}", started with a different input`,
    );
    expect((error as Error).message).toContain('so this input was not started.');
    expect((await transport.workflows.running(10)).map((run) => run.id)).toEqual([first.id]);
  });
});

describe('client.workflows.start refuses what is not a workflow', () => {
  it('throws INVALID_OPTION quoting a task, null or a plain object, and saying what to pass', async () => {
    const { workflows } = setup();
    const start = (value: unknown) =>
      workflows.start(value as typeof chain, { n: 1 }).catch((caught: unknown) => caught);
    const task = await start(double);
    expect(task).toMatchObject({ code: 'INVALID_OPTION' });
    expect((task as Error).message).toBe(
      `Invalid workflow of client.workflows.start {"name":"wf-key.double"}: expected a workflow from defineWorkflow, or a workflowContract (a generated stub's); to run a task, use client.enqueue(task, input).`,
    );
    expect(await start(null)).toMatchObject({
      code: 'INVALID_OPTION',
      message: expect.stringContaining('Invalid workflow of client.workflows.start null'),
    });
    expect(await start({ stages: 1 })).toMatchObject({
      code: 'INVALID_OPTION',
      message: expect.stringContaining('{"stages":1}: expected a workflow from defineWorkflow'),
    });
    expect(() => workflows.handle(double as never, 'wf_abcdefgh')).toThrow(
      /Invalid workflow of client\.workflows\.handle \{"name":"wf-key\.double"\}/,
    );
  });
});
