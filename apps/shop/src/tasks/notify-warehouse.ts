import { defineTask, NonRetryableError } from '@conveyor/core';
import { z } from 'zod';
import { warehouseClient } from '../services.js';

const orderItem = z.object({ sku: z.string().min(1), quantity: z.number().int().positive() });

/**
 * Asks the warehouse to prepare the shipment: a signed HTTP POST carrying an
 * idempotency key derived from the order, so every retry and every duplicate job of
 * one order maps to the same shipment. A busy warehouse (5xx) is retried with
 * exponential back-off, or after its Retry-After; a refusal (4xx) is final.
 */
export const notifyWarehouse = defineTask({
  name: 'shop.notifyWarehouse',
  input: z.object({
    orderId: z.string().min(1),
    email: z.email(),
    items: z.array(orderItem).min(1),
  }),
  output: z.object({ shipmentId: z.string(), replayed: z.boolean() }),
  queue: 'warehouse',
  priority: 5,
  index: ['orderId', 'email'],
  retry: { attempts: 8, backoff: { type: 'exponential', delay: 200, maxDelay: 3_000 } },
  timeout: 15_000,
  async run(order, ctx) {
    const answer = await warehouseClient().requestShipment(order, {
      idempotencyKey: `shipment-${order.orderId}`,
      signal: ctx.signal,
    });
    switch (answer.kind) {
      case 'shipped':
        ctx.logger.info(
          { orderId: order.orderId, shipment: answer.shipment.id, replayed: answer.replayed },
          'warehouse accepted the shipment',
        );
        return { shipmentId: answer.shipment.id, replayed: answer.replayed };
      case 'unavailable':
        // Celery's self.retry(countdown=…): honour the warehouse's Retry-After when it sends one.
        if (answer.retryAfterMs !== undefined) {
          ctx.retry({ countdown: answer.retryAfterMs, reason: answer.reason });
        }
        throw new Error(answer.reason);
      case 'refused':
        throw new NonRetryableError(`${answer.reason} (order ${order.orderId})`);
    }
  },
});
