import type { Queryable } from './pool.js';
import type { Product } from './schema.js';

/**
 * The products whose stock is at or below `threshold`, scarcest first (then by SKU), as
 * the daily low-stock report lists them.
 *
 * @example
 * await lowStockProducts(pool, 5); // [{ sku: 'POT-02', name: 'Cast-iron teapot', stock: 1 }]
 */
export async function lowStockProducts(db: Queryable, threshold: number): Promise<Product[]> {
  const { rows } = await db.query<Product>(
    'SELECT sku, name, stock FROM shop.products WHERE stock <= $1 ORDER BY stock, sku',
    [threshold],
  );
  return rows;
}
