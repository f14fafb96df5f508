import { defineTask, defineWorkflow, memoryTransport, type Transport } from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createWorker, workflowsIn } from '../src/index.js';
import { captureLogger } from './helpers.js';

const make = (name: string, queue: string) =>
  defineTask({ name, queue, input: z.unknown(), run: () => name });

const pick = make('wo.pick', 'picking');
const pack = make('wo.pack', 'packing');
const undo = make('wo.undo', 'undo');
const order = defineWorkflow({
  name: 'wo.order',
  input: z.object({}),
  steps: (flow) =>
    flow
      .step('pick', pick, { onFailure: { compensate: 'undo' } })
      .step('pack', pack)
      .compensation('undo', undo),
});

describe('createWorker({ workflows })', () => {
  it("registers the steps' tasks (compensations too) and consumes their queues", async () => {
    const logger = captureLogger();
    const worker = createWorker({
      transport: memoryTransport(),
      tasks: [pick],
      workflows: [order],
      logger,
    });
    const running = worker.start();
    await worker.stop({ graceMs: 0 });
    await running;
    const started = logger.lines.find((line) => line.message === 'worker started');
    expect(started?.fields).toMatchObject({
      queues: ['packing', 'picking', 'undo'],
      tasks: ['wo.pack', 'wo.pick', 'wo.undo'],
    });
  });

  it("accepts codegen's registry copy of a step's task (stamped with its fingerprint), and runs that copy", async () => {
    const logger = captureLogger();
    const stamped = Object.freeze({ ...pick, fingerprint: 'f00dfeedf00dfeed' });
    const worker = createWorker({
      transport: memoryTransport(),
      tasks: [stamped],
      workflows: [order],
      logger,
    });
    const running = worker.start();
    await worker.stop({ graceMs: 0 });
    await running;
    const started = logger.lines.find((line) => line.message === 'worker started');
    expect(started?.fields).toMatchObject({ tasks: ['wo.pack', 'wo.pick', 'wo.undo'] });
  });

  it("rejects another definition under a step task's name, a non-workflow, and a transport without workflows", () => {
    const base = { transport: memoryTransport(), logger: captureLogger() };
    const impostor = make('wo.pick', 'picking');
    expect(() => createWorker({ ...base, tasks: [impostor], workflows: [order] })).toThrow(
      'Invalid workflows "task wo.pick of step pick of workflow wo.order"',
    );
    expect(() => createWorker({ ...base, tasks: [], workflows: [{ name: 'x' }] as never })).toThrow(
      /Invalid workflows .*defineWorkflow/,
    );
    const again = defineWorkflow({
      name: 'wo.order',
      input: z.object({}),
      steps: (flow) => flow.step('pick', pick),
    });
    expect(() => createWorker({ ...base, tasks: [], workflows: [order, again] })).toThrow(
      'one definition per workflow name',
    );
    // A workflow named as a task is (given or a step's) was taken; `conveyor enqueue` then
    // could reach only one of them.
    const named = (name: string) =>
      defineWorkflow({ name, input: z.object({}), steps: (flow) => flow.step('pick', pick) });
    for (const name of ['wo.pick', 'wo.pack']) {
      expect(() =>
        createWorker({ ...base, tasks: [make('wo.pack', 'x')], workflows: [named(name)] }),
      ).toThrow(`Invalid workflows "${name}": expected a workflow name no task has`);
    }
    const { workflows: _none, ...bare } = memoryTransport();
    expect(() =>
      createWorker({ ...base, transport: bare as Transport, tasks: [], workflows: [order] }),
    ).toThrow(expect.objectContaining({ code: 'CAPABILITY_MISSING' }));
    expect(() => createWorker({ ...base, tasks: [pick], maxWorkflowChildren: 100_001 })).toThrow(
      'Invalid maxWorkflowChildren 100001',
    );
  });
});

describe('workflowsIn (conveyor worker --tasks)', () => {
  it("finds the workflows export, the default export's, or every exported workflow", () => {
    expect(workflowsIn({ tasks: [pick], workflows: [order] }, 'm.ts')).toEqual([order]);
    expect(workflowsIn({ workflows: { order } }, 'm.ts')).toEqual([order]);
    expect(workflowsIn({ default: { tasks: [pick], workflows: [order] } }, 'm.ts')).toEqual([
      order,
    ]);
    expect(workflowsIn({ pick, order, again: order }, 'm.ts')).toEqual([order]);
    expect(workflowsIn({ pick }, 'm.ts')).toEqual([]);
    expect(() => workflowsIn({ workflows: [pick] }, 'm.ts')).toThrow(
      expect.objectContaining({ code: 'TASK_MODULE_FAILED' }),
    );
  });
});
