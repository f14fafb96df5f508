import type { Queryable } from './pool.js';

/**
 * The shop's tables, in their own `shop` schema so that a shared database keeps them
 * apart. Idempotent: safe to run at every start.
 */
const MIGRATION = `
CREATE SCHEMA IF NOT EXISTS shop;
CREATE TABLE IF NOT EXISTS shop.products (
  sku   text PRIMARY KEY,
  name  text NOT NULL,
  stock integer NOT NULL CHECK (stock >= 0)
);
CREATE TABLE IF NOT EXISTS shop.users (
  id         text PRIMARY KEY,
  email      text NOT NULL UNIQUE,
  name       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS shop.orders (
  id         text PRIMARY KEY,
  email      text NOT NULL,
  name       text NOT NULL,
  items      jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- What became of the order (the workflow shop.placeOrder writes it): pending until its last
-- step marks it fulfilled (with the warehouse's shipment id) or rejected (with the reason).
ALTER TABLE shop.orders ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'pending'
  CHECK (status IN ('pending', 'fulfilled', 'rejected'));
ALTER TABLE shop.orders ADD COLUMN IF NOT EXISTS shipment_id text;
ALTER TABLE shop.orders ADD COLUMN IF NOT EXISTS reason text;
ALTER TABLE shop.orders ADD COLUMN IF NOT EXISTS workflow_id text;
ALTER TABLE shop.orders ADD COLUMN IF NOT EXISTS settled_at timestamptz;
-- Set in the transaction that sent the out-of-stock email: a retried rejectOrder sends none.
ALTER TABLE shop.orders ADD COLUMN IF NOT EXISTS rejection_mailed_at timestamptz;
-- The client's Idempotency-Key for POST /orders: a retried request finds its order here.
ALTER TABLE shop.orders ADD COLUMN IF NOT EXISTS idempotency_key text;
CREATE UNIQUE INDEX IF NOT EXISTS orders_idempotency_key ON shop.orders (idempotency_key);
-- POST /announcements: one row per announcement, found again by the request's Idempotency-Key.
CREATE TABLE IF NOT EXISTS shop.announcements (
  id              text PRIMARY KEY,
  subject         text NOT NULL,
  body            text NOT NULL,
  idempotency_key text NOT NULL UNIQUE,
  created_at      timestamptz NOT NULL DEFAULT now()
);
-- Its customers are read a page at a time by address in lower case (customerPage).
CREATE INDEX IF NOT EXISTS users_email_lower ON shop.users (lower(email));
CREATE INDEX IF NOT EXISTS orders_email_lower ON shop.orders (lower(email));
-- One row per order whose stock was taken: the unique key that makes updateInventory idempotent.
CREATE TABLE IF NOT EXISTS shop.processed_orders (
  order_id     text PRIMARY KEY,
  processed_at timestamptz NOT NULL DEFAULT now()
);
`;

/** Creates the `shop` schema and its tables when missing. */
export async function migrate(db: Queryable): Promise<void> {
  await db.query(MIGRATION);
}

/**
 * {@link migrate}, retrying while the server refuses connections (it may still be
 * starting), for up to `timeoutMs`.
 */
export async function migrateWhenReachable(db: Queryable, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await migrate(db);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ECONNREFUSED' || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

export interface Product {
  sku: string;
  name: string;
  stock: number;
}

/** Sets these products' stock (inserting them when missing); other rows are left alone. */
export async function seedProducts(db: Queryable, products: readonly Product[]): Promise<void> {
  for (const { sku, name, stock } of products) {
    await db.query(
      `INSERT INTO shop.products (sku, name, stock) VALUES ($1, $2, $3)
       ON CONFLICT (sku) DO UPDATE SET name = EXCLUDED.name, stock = EXCLUDED.stock`,
      [sku, name, stock],
    );
  }
}

/** Current stock of the given SKUs (or all), sorted by SKU. */
export async function stockLevels(db: Queryable, skus?: readonly string[]): Promise<Product[]> {
  const { rows } = skus
    ? await db.query<Product>(
        'SELECT sku, name, stock FROM shop.products WHERE sku = ANY($1) ORDER BY sku',
        [skus],
      )
    : await db.query<Product>('SELECT sku, name, stock FROM shop.products ORDER BY sku');
  return rows;
}

/** The SKUs among `skus` that no product has, in the order given. */
export async function unknownSkus(db: Queryable, skus: readonly string[]): Promise<string[]> {
  const { rows } = await db.query<{ sku: string }>(
    'SELECT sku FROM shop.products WHERE sku = ANY($1)',
    [skus],
  );
  const known = new Set(rows.map((row) => row.sku));
  return [...new Set(skus)].filter((sku) => !known.has(sku));
}
