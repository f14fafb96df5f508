import { defineTask, NonRetryableError } from '@conveyor/core';
import { z } from 'zod';
import { applyOrderToInventory } from '../db/inventory.js';
import { database } from '../services.js';

const orderItem = z.object({ sku: z.string().min(1), quantity: z.number().int().positive() });

/**
 * Takes the order's items out of stock in one transaction, once per order however often
 * the job runs (see `applyOrderToInventory`). Not enough stock is final: retrying
 * cannot make more, so it fails at once with the reason, instead of being retried.
 */
export const updateInventory = defineTask({
  name: 'shop.updateInventory',
  input: z.object({ orderId: z.string().min(1), items: z.array(orderItem).min(1) }),
  output: z.object({
    orderId: z.string(),
    /** False when a retried or duplicated job found the stock already taken. */
    applied: z.boolean(),
    levels: z.array(z.object({ sku: z.string(), stock: z.number().int() })),
  }),
  queue: 'inventory',
  priority: 7,
  index: ['orderId'],
  retry: { attempts: 5, backoff: { type: 'exponential', delay: 250, maxDelay: 5_000 } },
  timeout: 20_000,
  async run({ orderId, items }, ctx) {
    const outcome = await applyOrderToInventory(database(), orderId, items);
    switch (outcome.kind) {
      case 'applied':
        ctx.logger.info({ orderId, levels: outcome.levels }, 'stock updated');
        return { orderId, applied: true, levels: outcome.levels };
      case 'already-applied':
        ctx.logger.info({ orderId }, 'stock was already taken for this order: nothing to do');
        return { orderId, applied: false, levels: [] };
      case 'insufficient':
        throw new NonRetryableError(
          `Insufficient stock for ${outcome.sku}: ${outcome.requested} ordered, ${outcome.available} left (order ${orderId})`,
        );
      case 'unknown-sku':
        throw new NonRetryableError(
          `Unknown SKU ${JSON.stringify(outcome.sku)} in order ${orderId}: no such product`,
        );
    }
  },
});
