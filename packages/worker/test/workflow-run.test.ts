import { defineTask, defineWorkflow, workflowPlan } from '@conveyor/core';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { resultOf, settledAs, startWorkflow, useWorkflowWorkers } from './workflow-fixtures.js';

const Order = z.object({ orderId: z.string(), items: z.array(z.number()) });

const runs: Record<string, number> = {};
const count = (name: string) => {
  runs[name] = (runs[name] ?? 0) + 1;
};

const reserve = defineTask({
  name: 'wf.reserve',
  queue: 'wf',
  input: z.object({ orderId: z.string(), items: z.array(z.number()) }),
  // An output schema: what the next step gets is the decoded result (a Date again).
  output: z.object({ reserved: z.number(), at: z.date() }),
  run: ({ items }) => {
    count('reserve');
    return { reserved: items.length, at: new Date('2024-01-02T03:04:05Z') };
  },
});
const ship = defineTask({
  name: 'wf.ship',
  queue: 'wf',
  input: z.object({ orderId: z.string() }),
  run: ({ orderId }) => {
    count('ship');
    return { shipmentId: `ship-${orderId}` };
  },
});
const confirm = defineTask({
  name: 'wf.confirm',
  queue: 'wf',
  input: z.object({ orderId: z.string() }),
  run: () => {
    count('confirm');
    return { sent: true };
  },
});
const fulfil = defineTask({
  name: 'wf.fulfil',
  queue: 'wf',
  input: z.object({ orderId: z.string(), shipmentId: z.string(), sent: z.boolean() }),
  run: (input) => {
    count('fulfil');
    return input;
  },
});

describe('a workflow run by workers', () => {
  const workers = useWorkflowWorkers();

  it('runs a chain: each step gets the decoded result of the one before', async () => {
    const seen: unknown[] = [];
    const report = defineTask({
      name: 'wf.report',
      queue: 'wf',
      input: z.object({ reserved: z.number(), year: z.number() }),
      run: (input) => {
        seen.push(input);
        return `${input.reserved}@${input.year}`;
      },
    });
    const chain = defineWorkflow({
      name: 'wf.chain',
      input: Order,
      steps: (flow) =>
        flow.step('reserve', reserve).step('report', report, {
          input: (reserved) => ({
            reserved: reserved.reserved,
            year: reserved.at.getUTCFullYear(),
          }),
        }),
    });
    const { transport } = workers.start({ workflows: [chain] });
    const id = await startWorkflow(transport, chain, { orderId: 'o1', items: [1, 2, 3] });
    const record = await settledAs(transport, id, 'completed');
    expect(seen).toEqual([{ reserved: 3, year: 2024 }]);
    expect(await resultOf(transport, id, 'report')).toBe('3@2024');
    expect(record.steps.map((step) => step.state)).toEqual(['completed', 'completed']);
    // Each step job acknowledged: its own record kept the result.
    await vi.waitFor(
      async () => {
        const job = await transport.getJob(record.steps[1]?.jobId as string);
        expect(job).toMatchObject({ state: 'completed', result: '3@2024' });
      },
      { timeout: 15_000 },
    );
  });

  it('runs a parallel group, then a fan-in step with both results, once', async () => {
    const order = defineWorkflow({
      name: 'wf.order',
      input: Order,
      steps: (flow) =>
        flow
          .parallel({
            ship: { task: ship, input: (_, o) => ({ orderId: o.orderId }) },
            confirm: { task: confirm, input: (_, o) => ({ orderId: o.orderId }) },
          })
          .step('fulfil', fulfil, {
            input: ({ ship, confirm }, o) => ({
              orderId: o.orderId,
              shipmentId: ship.shipmentId,
              sent: confirm.sent,
            }),
          }),
    });
    for (const key of Object.keys(runs)) delete runs[key];
    const { transport } = workers.start({ workflows: [order] });
    const id = await startWorkflow(transport, order, { orderId: 'o2', items: [] });
    await settledAs(transport, id, 'completed');
    expect(await resultOf(transport, id, 'fulfil')).toEqual({
      orderId: 'o2',
      shipmentId: 'ship-o2',
      sent: true,
    });
    expect(runs).toEqual({ ship: 1, confirm: 1, fulfil: 1 });
  });

  it('fans out over 200 children and fans in with their results in array order', async () => {
    let fanIns = 0;
    const square = defineTask({
      name: 'wf.square',
      queue: 'wf',
      input: z.object({ n: z.number() }),
      run: async ({ n }) => {
        // Finish out of order.
        await new Promise((resolve) => setTimeout(resolve, (n * 7) % 5));
        return n * n;
      },
    });
    const sum = defineTask({
      name: 'wf.collect',
      queue: 'wf',
      input: z.array(z.number()),
      run: (squares) => {
        fanIns += 1;
        return squares;
      },
    });
    const fan = defineWorkflow({
      name: 'wf.fan',
      input: z.object({ size: z.number() }),
      steps: (flow) =>
        flow
          .map('square', square, {
            items: (_, { size }) => Array.from({ length: size }, (_, n) => ({ n })),
          })
          .step('collect', sum),
    });
    const { transport } = workers.start({ workflows: [fan] });
    const id = await startWorkflow(transport, fan, { size: 200 });
    const record = await settledAs(transport, id, 'completed');
    expect(await resultOf(transport, id, 'collect')).toEqual(
      Array.from({ length: 200 }, (_, n) => n * n),
    );
    expect(fanIns).toBe(1);
    expect(record.steps.filter((step) => step.child !== undefined)).toHaveLength(200);
  });

  it('fails a step whose workflow started with another plan (WORKFLOW_SKEW), not retried', async () => {
    const before = defineWorkflow({
      name: 'wf.skew',
      input: Order,
      steps: (flow) => flow.step('ship', ship, { input: (_, o) => ({ orderId: o.orderId }) }),
    });
    // The worker's version added a step: another plan.
    const after = defineWorkflow({
      name: 'wf.skew',
      input: Order,
      steps: (flow) =>
        flow
          .step('ship', ship, { input: (_, o) => ({ orderId: o.orderId }) })
          .step('confirm', confirm, { input: (_, o) => ({ orderId: o.orderId }) }),
    });
    for (const key of Object.keys(runs)) delete runs[key];
    const { transport } = workers.start({ workflows: [after] });
    const id = await startWorkflow(transport, before, { orderId: 'o3', items: [] });
    const record = await settledAs(transport, id, 'failed');
    expect(runs).toEqual({});
    const error = record.steps[0]?.error;
    expect(error?.code).toBe('WORKFLOW_SKEW');
    expect(error?.message).toContain(workflowPlan(before).fingerprint);
    expect(error?.message).toContain(workflowPlan(after).fingerprint);
    expect(error?.message).toContain('Deploy the same definition');
    // Recorded in the workflow first, then the job settles.
    await vi.waitFor(
      async () => {
        const job = await transport.getJob(record.steps[0]?.jobId as string);
        expect(job).toMatchObject({
          state: 'failed',
          attempts: 1,
          error: { code: 'WORKFLOW_SKEW' },
        });
      },
      { timeout: 15_000 },
    );
  });

  it('dead-letters a step of a workflow the worker was not given (UNKNOWN_WORKFLOW) and fails the workflow', async () => {
    const elsewhere = defineWorkflow({
      name: 'wf.elsewhere',
      input: Order,
      steps: (flow) => flow.step('ship', ship, { input: (_, o) => ({ orderId: o.orderId }) }),
    });
    const known = defineWorkflow({
      name: 'wf.known',
      input: Order,
      steps: (flow) => flow.step('ship', ship, { input: (_, o) => ({ orderId: o.orderId }) }),
    });
    const { transport } = workers.start({ workflows: [known] });
    const id = await startWorkflow(transport, elsewhere, { orderId: 'o4', items: [] });
    const record = await settledAs(transport, id, 'failed');
    const error = record.steps[0]?.error;
    expect(error?.code).toBe('UNKNOWN_WORKFLOW');
    expect(error?.message).toContain('"wf.elsewhere" (known: wf.known)');
    expect(error?.message).toContain('createWorker({ workflows })');
    await vi.waitFor(
      async () => {
        const job = await transport.getJob(record.steps[0]?.jobId as string);
        expect(job?.state).toBe('dead');
      },
      { timeout: 15_000 },
    );
  });
});
