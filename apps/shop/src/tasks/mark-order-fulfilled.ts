import { defineTask, NonRetryableError } from '@conveyor/core';
import { z } from 'zod';
import { markFulfilled } from '../db/orders.js';
import { database } from '../services.js';

/**
 * The order workflow's fan-in step: once the warehouse has the shipment and the customer
 * has the confirmation, the order becomes `fulfilled`, with the shipment id. Once per
 * order however often the job runs (`markFulfilled` only moves a pending order).
 */
export const markOrderFulfilled = defineTask({
  name: 'shop.markOrderFulfilled',
  input: z.object({ orderId: z.string().min(1), shipmentId: z.string().min(1) }),
  output: z.object({
    orderId: z.string(),
    status: z.literal('fulfilled'),
    shipmentId: z.string(),
    /** False when a retried or duplicated job found the order already fulfilled. */
    applied: z.boolean(),
  }),
  // Both workers drain `inventory`: the order's database steps go there.
  queue: 'inventory',
  priority: 7,
  index: ['orderId'],
  retry: { attempts: 5, backoff: { type: 'exponential', delay: 250, maxDelay: 5_000 } },
  timeout: 20_000,
  async run({ orderId, shipmentId }, ctx) {
    const outcome = await markFulfilled(database(), orderId, shipmentId);
    switch (outcome.kind) {
      case 'fulfilled':
      case 'already-fulfilled': {
        const applied = outcome.kind === 'fulfilled';
        ctx.logger.info({ orderId, shipmentId, applied }, 'order fulfilled');
        return { orderId, status: 'fulfilled' as const, shipmentId, applied };
      }
      case 'conflict':
        throw new NonRetryableError(
          `Order ${orderId} is ${outcome.status}${outcome.shipmentId ? ` with shipment ${outcome.shipmentId}` : ''}; it cannot become fulfilled with shipment ${shipmentId}`,
        );
      case 'unknown-order':
        throw new NonRetryableError(`No order ${JSON.stringify(orderId)} to mark fulfilled`);
    }
  },
});
