import type pg from 'pg';
import type { OrderItem } from './orders.js';
import { inTransaction } from './pool.js';

export type InventoryOutcome =
  | { kind: 'applied'; levels: Array<{ sku: string; stock: number }> }
  /** A retried or duplicated job: the order's stock was already taken. */
  | { kind: 'already-applied' }
  | { kind: 'insufficient'; sku: string; requested: number; available: number }
  | { kind: 'unknown-sku'; sku: string };

/**
 * Takes an order's items out of stock, all or nothing, at most once per order.
 *
 * One transaction: first claim the order's row in `processed_orders` (its primary key
 * makes a second claim a no-op, and a concurrent duplicate waits on the row lock until
 * this one commits or rolls back), then decrement each SKU only where enough is left.
 * Any shortfall rolls everything back, the claim included.
 */
export async function applyOrderToInventory(
  pool: pg.Pool,
  orderId: string,
  items: readonly OrderItem[],
): Promise<InventoryOutcome> {
  return inTransaction<InventoryOutcome>(pool, async (tx) => {
    const claim = await tx.query(
      'INSERT INTO shop.processed_orders (order_id) VALUES ($1) ON CONFLICT DO NOTHING',
      [orderId],
    );
    if (claim.rowCount === 0) return { kind: 'already-applied' };
    const levels: Array<{ sku: string; stock: number }> = [];
    // Same lock order in every transaction, so two orders never deadlock.
    for (const { sku, quantity } of mergeItems(items)) {
      const updated = await tx.query<{ stock: number }>(
        'UPDATE shop.products SET stock = stock - $2 WHERE sku = $1 AND stock >= $2 RETURNING stock',
        [sku, quantity],
      );
      const row = updated.rows[0];
      if (row) {
        levels.push({ sku, stock: row.stock });
        continue;
      }
      const current = await tx.query<{ stock: number }>(
        'SELECT stock FROM shop.products WHERE sku = $1',
        [sku],
      );
      const available = current.rows[0]?.stock;
      throw new Shortfall(
        available === undefined
          ? { kind: 'unknown-sku', sku }
          : { kind: 'insufficient', sku, requested: quantity, available },
      );
    }
    return { kind: 'applied', levels } as const;
  }).catch((error: unknown) => {
    if (error instanceof Shortfall) return error.outcome;
    throw error;
  });
}

/** Thrown inside the transaction so that it rolls back; turned back into an outcome outside. */
class Shortfall extends Error {
  constructor(readonly outcome: InventoryOutcome) {
    super(outcome.kind);
  }
}

function mergeItems(items: readonly OrderItem[]): OrderItem[] {
  const bySku = new Map<string, number>();
  for (const { sku, quantity } of items) bySku.set(sku, (bySku.get(sku) ?? 0) + quantity);
  return [...bySku]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([sku, quantity]) => ({ sku, quantity }));
}
