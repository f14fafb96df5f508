import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTask } from '../../src/task.js';
import { defineWorkflow } from '../../src/workflow/define-workflow.js';
import { canonicalJson, planFingerprint, workflowPlan } from '../../src/workflow/plan.js';
import { notifyWarehouse, OrderInput, placeOrder, updateInventory } from './fixtures.js';

/** docs/workflows.md §1: the plan a transport stores, and its fingerprint. */

describe('workflowPlan', () => {
  it('lists the stages in order with each step routing, attempts, priority and policy', () => {
    const plan = workflowPlan(placeOrder);
    const { fingerprint, ...body } = plan;
    expect(body).toEqual({
      workflow: 'shop.placeOrder',
      stages: [
        {
          kind: 'step',
          steps: [
            {
              name: 'reserve',
              task: 'shop.updateInventory',
              queue: 'inventory',
              maxAttempts: 5,
              priority: 5,
              onFailure: { compensate: 'reject' },
              mapped: true,
            },
          ],
        },
        {
          kind: 'parallel',
          steps: [
            {
              name: 'ship',
              task: 'shop.notifyWarehouse',
              queue: 'default',
              maxAttempts: 3,
              priority: 7,
              onFailure: 'fail',
              mapped: true,
            },
            {
              name: 'confirm',
              task: 'shop.sendOrderConfirmation',
              queue: 'default',
              maxAttempts: 3,
              priority: 5,
              onFailure: 'continue',
              mapped: true,
            },
          ],
        },
        {
          kind: 'map',
          steps: [
            {
              name: 'charge',
              task: 'shop.chargeLine',
              queue: 'default',
              maxAttempts: 3,
              priority: 5,
              onFailure: 'fail',
              mapped: false,
            },
          ],
        },
        {
          kind: 'step',
          steps: [
            {
              name: 'fulfil',
              task: 'shop.markOrderFulfilled',
              queue: 'default',
              maxAttempts: 3,
              priority: 5,
              onFailure: 'fail',
              mapped: true,
            },
          ],
        },
      ],
      compensations: [
        {
          name: 'reject',
          task: 'shop.rejectOrder',
          queue: 'default',
          maxAttempts: 3,
          priority: 5,
          onFailure: 'fail',
          mapped: true,
        },
        {
          name: 'log',
          task: 'shop.logFailure',
          queue: 'default',
          maxAttempts: 3,
          priority: 5,
          onFailure: 'fail',
          mapped: false,
        },
      ],
    });
    expect(fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(fingerprint).toBe(planFingerprint(body));
  });

  it('is JSON: it survives the trip unchanged, and is frozen and computed once', () => {
    const plan = workflowPlan(placeOrder);
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
    expect(Object.isFrozen(plan)).toBe(true);
    expect(Object.isFrozen(plan.stages[0]?.steps[0]?.onFailure)).toBe(true);
    expect(workflowPlan(placeOrder)).toBe(plan);
  });
});

describe('the plan fingerprint', () => {
  const build = (options: { queue?: string; continueOnFailure?: boolean } = {}) => {
    const ship = defineTask({
      name: 'shop.notifyWarehouse',
      input: z.object({ orderId: z.string() }),
      ...(options.queue !== undefined && { queue: options.queue }),
      run: () => ({ shipmentId: 's' }),
    });
    return defineWorkflow({
      name: 't.fingerprint',
      input: OrderInput,
      steps: (flow) =>
        flow.step('reserve', updateInventory).step('ship', ship, {
          input: (_, order) => ({ orderId: order.orderId }),
          onFailure: options.continueOnFailure === true ? 'continue' : 'fail',
        }),
    });
  };

  it('is the same for the same shape, defined twice or read in another key order', () => {
    const a = workflowPlan(build());
    const b = workflowPlan(build());
    expect(a).not.toBe(b);
    expect(a.fingerprint).toBe(b.fingerprint);
    const { fingerprint, ...body } = a;
    const reordered = JSON.parse(
      JSON.stringify(body, (_key, value: unknown) =>
        typeof value === 'object' && value !== null && !Array.isArray(value)
          ? Object.fromEntries(Object.entries(value).reverse())
          : value,
      ),
    );
    expect(Object.keys(reordered)).not.toEqual(Object.keys(body));
    expect(planFingerprint(reordered)).toBe(fingerprint);
  });

  it('changes when a queue, a failure policy or a mapping changes', () => {
    const base = workflowPlan(build()).fingerprint;
    expect(workflowPlan(build({ queue: 'warehouse' })).fingerprint).not.toBe(base);
    expect(workflowPlan(build({ continueOnFailure: true })).fingerprint).not.toBe(base);
    const taskChanged = defineWorkflow({
      name: 't.fingerprint',
      input: OrderInput,
      steps: (flow) =>
        flow
          .step('reserve', updateInventory)
          .step('ship', notifyWarehouse, { input: (_, order) => ({ orderId: order.orderId }) }),
    });
    // The same shape with the fixture's task, whose priority is 7.
    expect(workflowPlan(taskChanged).fingerprint).not.toBe(base);
    const direct = defineWorkflow({
      name: 't.mapped',
      input: OrderInput,
      steps: (flow) => flow.step('reserve', updateInventory),
    });
    const mapped = defineWorkflow({
      name: 't.mapped',
      input: OrderInput,
      steps: (flow) => flow.step('reserve', updateInventory, { input: (order) => order }),
    });
    expect(workflowPlan(direct).fingerprint).not.toBe(workflowPlan(mapped).fingerprint);
  });

  it('is SHA-256 of the canonical JSON, keys sorted at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}',
    );
  });
});
