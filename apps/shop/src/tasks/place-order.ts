import { defineWorkflow } from '@conveyor/core';
import { z } from 'zod';
import { markOrderFulfilled } from './mark-order-fulfilled.js';
import { notifyWarehouse } from './notify-warehouse.js';
import { rejectOrder } from './reject-order.js';
import { sendOrderConfirmation } from './send-order-confirmation.js';
import { updateInventory } from './update-inventory.js';

const orderItem = z.object({ sku: z.string().min(1), quantity: z.number().int().positive() });

/**
 * An order, from stock to shipment, as one workflow (Celery's chain and chord): the stock
 * is taken first; only then do the warehouse and the confirmation email run, side by side,
 * and once both are done the order is marked fulfilled with the shipment id. When the
 * stock cannot be taken (`updateInventory` throws a `NonRetryableError`), the compensation
 * rejects the order and emails the customer instead: no shipment, no confirmation.
 */
export const placeOrder = defineWorkflow({
  name: 'shop.placeOrder',
  input: z.object({
    orderId: z.string().min(1),
    email: z.email(),
    name: z.string().min(1),
    items: z.array(orderItem).min(1),
  }),
  steps: (flow) =>
    flow
      .step('reserve', updateInventory, {
        input: (_, order) => ({ orderId: order.orderId, items: order.items }),
        onFailure: { compensate: 'reject' },
      })
      .parallel({
        ship: {
          task: notifyWarehouse,
          input: (_, order) => ({ orderId: order.orderId, email: order.email, items: order.items }),
        },
        confirm: { task: sendOrderConfirmation, input: (_, order) => order },
      })
      .step('fulfil', markOrderFulfilled, {
        input: ({ ship }, order) => ({ orderId: order.orderId, shipmentId: ship.shipmentId }),
      })
      .compensation('reject', rejectOrder, {
        input: (failure, order) => ({ orderId: order.orderId, reason: failure.message }),
      }),
});
