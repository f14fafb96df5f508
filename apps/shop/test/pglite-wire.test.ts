/**
 * The embedded PostgreSQL under concurrency: several pooled connections interleaving
 * parameterised queries and transactions on PGlite's single backend.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { applyOrderToInventory } from '../src/db/inventory.js';
import { createPool, inTransaction } from '../src/db/pool.js';
import { migrate, seedProducts, stockLevels } from '../src/db/schema.js';

describe('PGlite served over TCP', () => {
  let db: EmbeddedPostgres;
  let pool: ReturnType<typeof createPool>;

  beforeAll(async () => {
    db = await startEmbeddedPostgres();
    pool = createPool(db.url, 8);
    await migrate(pool);
  });
  afterAll(async () => {
    await pool.end();
    await db.close();
  });

  it('keeps concurrent parameterised queries from different connections apart', async () => {
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        pool.query<{ n: number; s: string }>('SELECT $1::int AS n, $2::text AS s', [
          index,
          `v${index}`,
        ]),
      ),
    );
    expect(answers.map(({ rows }) => rows[0])).toEqual(
      Array.from({ length: 40 }, (_, index) => ({ n: index, s: `v${index}` })),
    );
  });

  it('isolates transactions: a rolled-back one leaves nothing, others commit', async () => {
    await seedProducts(pool, [{ sku: 'W-1', name: 'widget', stock: 100 }]);
    const work = Array.from({ length: 10 }, (_, index) =>
      inTransaction(pool, async (tx) => {
        await tx.query('UPDATE shop.products SET stock = stock - 1 WHERE sku = $1', ['W-1']);
        if (index % 2 === 1) throw new Error('roll back');
      }).catch(() => 'rolled back'),
    );
    await Promise.all(work);
    expect(await stockLevels(pool, ['W-1'])).toEqual([{ sku: 'W-1', name: 'widget', stock: 95 }]);
  });

  it('applies each order once when duplicates race, and refuses a shortfall', async () => {
    await seedProducts(pool, [{ sku: 'W-2', name: 'gadget', stock: 5 }]);
    const outcomes = await Promise.all([
      applyOrderToInventory(pool, 'o-1', [{ sku: 'W-2', quantity: 2 }]),
      applyOrderToInventory(pool, 'o-1', [{ sku: 'W-2', quantity: 2 }]),
      applyOrderToInventory(pool, 'o-1', [{ sku: 'W-2', quantity: 2 }]),
      applyOrderToInventory(pool, 'o-2', [{ sku: 'W-2', quantity: 9 }]),
    ]);
    expect(outcomes.filter((outcome) => outcome.kind === 'applied')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.kind === 'already-applied')).toHaveLength(2);
    expect(outcomes[3]).toMatchObject({ kind: 'insufficient', sku: 'W-2', requested: 9 });
    expect(await stockLevels(pool, ['W-2'])).toEqual([{ sku: 'W-2', name: 'gadget', stock: 3 }]);
  });
});
