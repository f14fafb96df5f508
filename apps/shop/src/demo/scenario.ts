import { randomBytes } from 'node:crypto';
import type { Product } from '../db/schema.js';

export const PRODUCTS: readonly Product[] = [
  { sku: 'MUG-07', name: 'Enamel mug', stock: 12 },
  { sku: 'POT-02', name: 'Cast-iron teapot', stock: 3 },
  { sku: 'TEA-01', name: 'Sencha, 100 g', stock: 40 },
];

const CUSTOMERS = [
  { name: 'Ada Lovelace', email: 'ada@example.com' },
  { name: 'Grace Hopper', email: 'grace@example.com' },
  { name: 'Alan Turing', email: 'alan@example.com' },
  { name: 'Barbara Liskov', email: 'barbara@example.com' },
];

export interface DemoOrder {
  email: string;
  name: string;
  items: Array<{ sku: string; quantity: number }>;
}

/**
 * `count` orders; the last asks for five teapots when only three exist, so its stock
 * update fails for good with a clear reason (the others all fit in stock).
 */
export function demoOrders(count: number): DemoOrder[] {
  const orders: DemoOrder[] = [];
  for (let index = 0; index < count - 1; index += 1) {
    const customer = CUSTOMERS[index % CUSTOMERS.length] as (typeof CUSTOMERS)[number];
    const items = [{ sku: 'TEA-01', quantity: 1 + (index % 3) }];
    if (index % 2 === 0) items.push({ sku: 'MUG-07', quantity: 1 });
    if (index === 1) items.push({ sku: 'POT-02', quantity: 2 });
    orders.push({ ...customer, items });
  }
  orders.push({
    name: 'Edsger Dijkstra',
    email: 'edsger@example.com',
    items: [{ sku: 'POT-02', quantity: 5 }],
  });
  return orders;
}

/**
 * The user the demo registers, with an address of its own for each call: users are unique by
 * email, and a second run on the same DATABASE_URL must register without deleting the first.
 */
export function demoUser(): { name: string; email: string } {
  return {
    name: 'Margaret Hamilton',
    email: `margaret+${randomBytes(3).toString('hex')}@example.com`,
  };
}
