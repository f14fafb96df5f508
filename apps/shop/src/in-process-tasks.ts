/**
 * Tasks for the in-process demo. State lives in this process (a Map, a Set) so the demo
 * needs nothing installed; the full shop app does the same work against SMTP,
 * PostgreSQL and an HTTP warehouse service.
 */
import { defineTask, NonRetryableError } from '@conveyor/core';
import { z } from 'zod';

export const inventory = new Map([
  ['TEA-01', 20],
  ['MUG-07', 5],
]);
const processedOrders = new Set<string>();
export const warehouseShipments = new Set<string>();
let warehouseCalls = 0;

export const sendOrderConfirmation = defineTask({
  name: 'shop.sendOrderConfirmation',
  input: z.object({ orderId: z.string(), email: z.email() }),
  queue: 'emails',
  priority: 7,
  run({ orderId, email }, ctx) {
    const subject = `Your order ${orderId} is confirmed`;
    ctx.logger.info({ email }, subject);
    return { to: email, subject };
  },
});

export const updateInventory = defineTask({
  name: 'shop.updateInventory',
  input: z.object({ orderId: z.string(), sku: z.string(), quantity: z.number().int().positive() }),
  queue: 'inventory',
  run({ orderId, sku, quantity }) {
    // Idempotent: a retried or duplicated job decrements once.
    if (processedOrders.has(orderId)) return { sku, remaining: inventory.get(sku) ?? 0 };
    const stock = inventory.get(sku) ?? 0;
    if (stock < quantity) {
      throw new NonRetryableError(
        `Insufficient stock for ${sku}: ${quantity} ordered, ${stock} left (order ${orderId})`,
      );
    }
    inventory.set(sku, stock - quantity);
    processedOrders.add(orderId);
    return { sku, remaining: stock - quantity };
  },
});

export const notifyWarehouse = defineTask({
  name: 'shop.notifyWarehouse',
  input: z.object({ orderId: z.string(), sku: z.string(), quantity: z.number().int().positive() }),
  queue: 'warehouse',
  retry: { attempts: 4, backoff: { type: 'fixed', delay: 100, jitter: false } },
  run({ orderId }, ctx) {
    // The warehouse answers every 3rd call with "busy", so retries show up.
    warehouseCalls += 1;
    if (warehouseCalls % 3 === 0) ctx.retry({ countdown: 100, reason: 'warehouse busy (503)' });
    warehouseShipments.add(orderId);
    return { shipment: `shp-${orderId}` };
  },
});

export const demoTasks = [sendOrderConfirmation, updateInventory, notifyWarehouse] as const;
