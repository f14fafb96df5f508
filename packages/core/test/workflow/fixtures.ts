import { z } from 'zod';
import { defineTask } from '../../src/task.js';
import { defineWorkflow } from '../../src/workflow/define-workflow.js';

/** The shop's order as tasks, for workflow tests. No task here is run. */

export const OrderInput = z.object({
  orderId: z.string(),
  items: z.array(z.object({ sku: z.string(), quantity: z.number().int() })),
});

export const updateInventory = defineTask({
  name: 'shop.updateInventory',
  input: OrderInput,
  queue: 'inventory',
  retry: { attempts: 5 },
  run: () => ({ reserved: true, at: new Date() }),
});

export const notifyWarehouse = defineTask({
  name: 'shop.notifyWarehouse',
  input: z.object({ orderId: z.string() }),
  priority: 7,
  run: () => ({ shipmentId: 'ship-1' }),
});

export const sendOrderConfirmation = defineTask({
  name: 'shop.sendOrderConfirmation',
  input: z.object({ orderId: z.string() }),
  run: () => ({ sent: true }),
});

export const markOrderFulfilled = defineTask({
  name: 'shop.markOrderFulfilled',
  input: z.object({ orderId: z.string(), shipmentId: z.string() }),
  run: () => ({ status: 'fulfilled' as const }),
});

export const rejectOrder = defineTask({
  name: 'shop.rejectOrder',
  input: z.object({ orderId: z.string(), reason: z.string() }),
  run: () => ({ status: 'rejected' as const }),
});

export const chargeLine = defineTask({
  name: 'shop.chargeLine',
  input: z.object({ sku: z.string(), quantity: z.number() }),
  run: () => ({ cents: 100 }),
});

export const logFailure = defineTask({
  name: 'shop.logFailure',
  input: z.object({ step: z.string(), message: z.string(), code: z.string().optional() }),
  run: () => undefined,
});

/** docs/workflows.md §1's example, with a fan-out before the fan-in. */
export const placeOrder = defineWorkflow({
  name: 'shop.placeOrder',
  input: OrderInput,
  steps: (flow) =>
    flow
      .step('reserve', updateInventory, {
        input: (_, order) => ({ orderId: order.orderId, items: order.items }),
        onFailure: { compensate: 'reject' },
      })
      .parallel({
        ship: { task: notifyWarehouse, input: (_, order) => ({ orderId: order.orderId }) },
        confirm: {
          task: sendOrderConfirmation,
          input: (_, order) => ({ orderId: order.orderId }),
          onFailure: 'continue',
        },
      })
      .map('charge', chargeLine, { items: (_, order) => order.items })
      .step('fulfil', markOrderFulfilled, {
        input: (charges, order) => ({
          orderId: order.orderId,
          shipmentId: `paid-${charges.reduce((sum, line) => sum + line.cents, 0)}`,
        }),
      })
      .compensation('reject', rejectOrder, {
        input: (failure, order) => ({ orderId: order.orderId, reason: failure.message }),
      })
      .compensation('log', logFailure),
});
