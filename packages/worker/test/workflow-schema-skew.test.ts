import {
  type AnyWorkflow,
  createClient,
  defineTask,
  defineWorkflow,
  workflowContract,
  workflowPlan,
} from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { captureLogger } from './helpers.js';
import { settledAs, useWorkflowWorkers } from './workflow-fixtures.js';

// A workflow's input schema fingerprint: codegen stamps the producer's contract and the
// worker registry's copy of the definition with it; the run stores the producer's.

const Order = z.object({ orderId: z.string() });
const seen: string[] = [];
const pick = defineTask({
  name: 'skew.pick',
  queue: 'skew',
  input: Order,
  run: ({ orderId }) => {
    seen.push(`pick ${orderId}`);
    return { picked: orderId };
  },
});
const pack = defineTask({
  name: 'skew.pack',
  queue: 'skew',
  input: z.object({ picked: z.string() }),
  run: ({ picked }) => {
    seen.push(`pack ${picked}`);
    return { packed: true };
  },
});
const fulfil = defineWorkflow({
  name: 'skew.fulfil',
  input: Order,
  steps: (flow) => flow.step('pick', pick).step('pack', pack),
});
/** What codegen's registry hands the worker: a frozen copy carrying the fingerprint. */
const stamped = (fingerprint: string): AnyWorkflow => Object.freeze({ ...fulfil, fingerprint });
/** What codegen's client hands a producer. */
const contract = (fingerprint: string | undefined) =>
  workflowContract({ name: fulfil.name, input: Order, plan: workflowPlan(fulfil), fingerprint });

describe('workflow input schema skew', () => {
  const workers = useWorkflowWorkers();

  it('a run started with another fingerprint than the worker has warns and counts once per step job, and still runs', async () => {
    const logger = captureLogger();
    const { transport, worker } = workers.start({ workflows: [stamped('wf-new')], logger });
    const client = createClient({ transport });
    const handle = await client.workflows.start(contract('wf-old'), { orderId: 'o1' });
    expect((await transport.workflows.get(handle.id))?.inputSchema).toBe('wf-old');
    await settledAs(transport, handle.id, 'completed');
    expect(seen).toContain('pack o1');
    // One count per step job that read the run (pick and pack), under the step's task.
    expect(worker.stats().totals.schemaSkew).toBe(2);
    expect(worker.stats().tasks['skew.pick']?.schemaSkew).toBe(1);
    const warnings = logger.lines.filter((line) => line.message.includes('schema skew'));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]?.fields).toMatchObject({
      workflow: 'skew.fulfil',
      workflowId: handle.id,
      producerSchema: 'wf-old',
      workerSchema: 'wf-new',
    });
    await client.close();
  });

  it('stays quiet when the fingerprints match or either side has none', async () => {
    const logger = captureLogger();
    // The registry's copy and the definition itself, as a worker given both gets them.
    const { transport, worker } = workers.start({
      workflows: [fulfil, stamped('wf-new')],
      logger,
    });
    const client = createClient({ transport });
    const same = await client.workflows.start(contract('wf-new'), { orderId: 'o2' });
    const unstamped = await client.workflows.start(contract(undefined), { orderId: 'o3' });
    const direct = await client.workflows.start(fulfil, { orderId: 'o4' });
    expect((await transport.workflows.get(unstamped.id))?.inputSchema).toBeUndefined();
    for (const { id } of [same, unstamped, direct]) await settledAs(transport, id, 'completed');
    expect(worker.stats().totals.schemaSkew).toBe(0);
    expect(logger.lines.filter((line) => line.message.includes('schema skew'))).toEqual([]);
    await client.close();
  });

  it('a worker whose definition has no fingerprint never counts a skew', async () => {
    const { transport, worker } = workers.start({ workflows: [fulfil] });
    const client = createClient({ transport });
    const handle = await client.workflows.start(contract('wf-old'), { orderId: 'o5' });
    await settledAs(transport, handle.id, 'completed');
    expect(worker.stats().totals.schemaSkew).toBe(0);
    await client.close();
  });
});
