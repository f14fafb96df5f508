/**
 * What the tasks talk to: the database pool, the mailer and the warehouse client. Each
 * is made on first use from the environment, so a worker that loads the task registry
 * opens nothing it does not need, and tests can call {@link closeServices} between runs.
 *
 * - `DATABASE_URL`: PostgreSQL (a server, or the embedded PGlite the demo starts)
 * - `SMTP_URL`: where mail goes (the embedded mailbox by default); `MAIL_FROM`
 * - `WAREHOUSE_URL`, `WAREHOUSE_SECRET`: the warehouse service and its HMAC secret
 */
import type pg from 'pg';
import { createPool } from './db/pool.js';
import { createMailer, type Mailer } from './mail/mailer.js';
import { createWarehouseClient, type WarehouseClient } from './warehouse/warehouse-client.js';

/** A setting the shop needs is missing or malformed. */
export class ShopConfigError extends Error {
  readonly code = 'SHOP_CONFIG';
  override readonly name = 'ShopConfigError';
}

export const DEFAULT_MAIL_FROM = 'Conveyor Shop <shop@conveyor.local>';

let pool: pg.Pool | undefined;
let mailer: Mailer | undefined;
let warehouse: WarehouseClient | undefined;

export function database(): pg.Pool {
  pool ??= createPool(requireEnv('DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/shop'));
  return pool;
}

export function mail(): Mailer {
  mailer ??= createMailer({
    url: requireEnv('SMTP_URL', 'smtp://127.0.0.1:2525'),
    from: process.env.MAIL_FROM || DEFAULT_MAIL_FROM,
  });
  return mailer;
}

export function warehouseClient(): WarehouseClient {
  warehouse ??= createWarehouseClient({
    url: requireEnv('WAREHOUSE_URL', 'http://127.0.0.1:4100'),
    secret: requireEnv('WAREHOUSE_SECRET', 'a long random string shared with the warehouse'),
  });
  return warehouse;
}

/** Closes whatever was opened; the next use opens afresh. */
export async function closeServices(): Promise<void> {
  const open = pool;
  pool = undefined;
  mailer?.close();
  mailer = undefined;
  warehouse = undefined;
  await open?.end();
}

function requireEnv(name: string, example: string): string {
  const value = process.env[name];
  if (!value) {
    throw new ShopConfigError(`${name} is not set. Set it to e.g. ${JSON.stringify(example)}.`);
  }
  return value;
}
