/**
 * The shop's order workflow in the types (compiled by `pnpm typecheck`): what producers
 * pass and get back, and that a hand-off between the shop's own tasks that does not fit
 * is a compile error.
 */
import { defineWorkflow, type WorkflowInput, type WorkflowResult } from '@conveyor/core';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { markOrderFulfilled } from '../src/tasks/mark-order-fulfilled.js';
import { notifyWarehouse } from '../src/tasks/notify-warehouse.js';
import type { placeOrder } from '../src/tasks/place-order.js';
import { rejectOrder } from '../src/tasks/reject-order.js';
import { updateInventory } from '../src/tasks/update-inventory.js';

const Order = z.object({
  orderId: z.string(),
  email: z.email(),
  items: z.array(z.object({ sku: z.string(), quantity: z.number().int() })),
});

describe('shop.placeOrder', () => {
  it('takes the order and ends with the fulfilled order', () => {
    expectTypeOf<WorkflowInput<typeof placeOrder>>().toEqualTypeOf<{
      orderId: string;
      email: string;
      name: string;
      items: Array<{ sku: string; quantity: number }>;
    }>();
    expectTypeOf<WorkflowResult<typeof placeOrder>>().toEqualTypeOf<{
      orderId: string;
      status: 'fulfilled';
      shipmentId: string;
      applied: boolean;
    }>();
  });

  it('does not compile when a step cannot take what flows into it', () => {
    defineWorkflow({
      name: 'shop.badFulfil',
      input: Order,
      steps: (flow) =>
        flow
          .step('reserve', updateInventory, { input: (_, order) => order })
          .parallel({ ship: { task: notifyWarehouse, input: (_, order) => order } })
          // @ts-expect-error step "fulfil" cannot take the output of parallel "ship"
          .step('fulfil', markOrderFulfilled),
    });
  });

  it('does not compile when a mapping returns the wrong shape', () => {
    defineWorkflow({
      name: 'shop.badMapping',
      input: Order,
      steps: (flow) =>
        flow
          .step('reserve', updateInventory, { input: (_, order) => order })
          .parallel({ ship: { task: notifyWarehouse, input: (_, order) => order } })
          .step('fulfil', markOrderFulfilled, {
            // @ts-expect-error the warehouse's result has shipmentId, not id
            input: ({ ship }, order) => ({ orderId: order.orderId, shipmentId: ship.id }),
          }),
    });
  });

  it('does not compile when onFailure names an undeclared compensation', () => {
    defineWorkflow(
      // @ts-expect-error onFailure names compensation "refund", which is not declared
      {
        name: 'shop.badCompensation',
        input: Order,
        steps: (flow) =>
          flow
            .step('reserve', updateInventory, {
              input: (_, order) => order,
              onFailure: { compensate: 'refund' },
            })
            .compensation('reject', rejectOrder, {
              input: (failure, order) => ({ orderId: order.orderId, reason: failure.message }),
            }),
      },
    );
  });
});
