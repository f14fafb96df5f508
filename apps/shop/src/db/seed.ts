/**
 * `pnpm seed`: puts the demo's three products (MUG-07, POT-02, TEA-01) in the database, for
 * running the parts by hand, where no demo seeds them:
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5433/postgres pnpm seed
 *
 * Creates the shop's tables when missing, then sets those products' stock as the demo starts
 * it (inserting them when missing). Other products, and every order, are left alone.
 */
import { PRODUCTS } from '../demo/scenario.js';
import { ShopConfigError } from '../services.js';
import { createPool } from './pool.js';
import { migrateWhenReachable, seedProducts } from './schema.js';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  throw new ShopConfigError('DATABASE_URL is not set: pnpm seed puts the products there.');
}
const db = createPool(databaseUrl);
try {
  await migrateWhenReachable(db);
  await seedProducts(db, PRODUCTS);
  const stock = PRODUCTS.map(({ sku, stock }) => `${sku} ${stock}`).join(', ');
  process.stdout.write(`Seeded ${PRODUCTS.length} products: ${stock}\n`);
} finally {
  await db.end();
}
