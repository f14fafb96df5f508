import type pg from 'pg';
import { inTransaction, type Queryable } from './pool.js';

export interface OrderItem {
  sku: string;
  quantity: number;
}

/** `pending` until the order's workflow ends: `fulfilled` (shipped) or `rejected` (not). */
export type OrderStatus = 'pending' | 'fulfilled' | 'rejected';

export interface OrderRow {
  id: string;
  email: string;
  name: string;
  items: OrderItem[];
  status: OrderStatus;
  /** The warehouse's shipment, once fulfilled. */
  shipmentId: string | null;
  /** Why the order was rejected. */
  reason: string | null;
  /** The run of `shop.placeOrder` for this order, once started. */
  workflowId: string | null;
  createdAt: string;
  /** When the order became fulfilled or rejected. */
  settledAt: string | null;
}

/**
 * Inserts an order; with an `idempotencyKey` already taken, inserts nothing and returns the
 * order that holds the key instead (`created: false`). A concurrent insert with the same
 * key waits on the unique index, then finds the row.
 */
export async function insertOrder(
  db: Queryable,
  order: {
    id: string;
    email: string;
    name: string;
    items: readonly OrderItem[];
    idempotencyKey?: string | undefined;
  },
): Promise<{ order: OrderRow; created: boolean }> {
  const inserted = await db.query<OrderColumns>(
    `INSERT INTO shop.orders (id, email, name, items, idempotency_key) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (idempotency_key) DO NOTHING RETURNING ${ORDER_COLUMNS}`,
    [order.id, order.email, order.name, JSON.stringify(order.items), order.idempotencyKey ?? null],
  );
  const row = inserted.rows[0];
  if (row) return { order: toOrder(row), created: true };
  const { rows } = await db.query<OrderColumns>(
    `SELECT ${ORDER_COLUMNS} FROM shop.orders WHERE idempotency_key = $1`,
    [order.idempotencyKey],
  );
  const held = rows[0];
  if (!held) throw new Error(`Order ${order.id} was neither inserted nor found by its key`);
  return { order: toOrder(held), created: false };
}

export async function setOrderWorkflow(
  db: Queryable,
  orderId: string,
  workflowId: string,
): Promise<void> {
  await db.query('UPDATE shop.orders SET workflow_id = $2 WHERE id = $1', [orderId, workflowId]);
}

/**
 * Rejects a pending order whose workflow never started, with `reason`; returns false when it
 * had started or ended meanwhile. For an order no retry can reach: it must not stay pending.
 */
export async function withdrawOrder(
  db: Queryable,
  orderId: string,
  reason: string,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE shop.orders SET status = 'rejected', reason = $2, settled_at = now()
     WHERE id = $1 AND status = 'pending' AND workflow_id IS NULL`,
    [orderId, reason],
  );
  return rowCount === 1;
}

const ORDER_COLUMNS =
  'id, email, name, items, status, shipment_id, reason, workflow_id, created_at, settled_at';

interface OrderColumns {
  id: string;
  email: string;
  name: string;
  items: OrderItem[];
  status: OrderStatus;
  shipment_id: string | null;
  reason: string | null;
  workflow_id: string | null;
  created_at: Date;
  settled_at: Date | null;
}

function toOrder(row: OrderColumns): OrderRow {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    items: row.items,
    status: row.status,
    shipmentId: row.shipment_id,
    reason: row.reason,
    workflowId: row.workflow_id,
    createdAt: new Date(row.created_at).toISOString(),
    settledAt: row.settled_at === null ? null : new Date(row.settled_at).toISOString(),
  };
}

export async function findOrder(db: Queryable, id: string): Promise<OrderRow | null> {
  const { rows } = await db.query<OrderColumns>(
    `SELECT ${ORDER_COLUMNS} FROM shop.orders WHERE id = $1`,
    [id],
  );
  const row = rows[0];
  return row ? toOrder(row) : null;
}

/** The given orders, in the order of `ids` (missing ones left out). */
export async function findOrders(db: Queryable, ids: readonly string[]): Promise<OrderRow[]> {
  const { rows } = await db.query<OrderColumns>(
    `SELECT ${ORDER_COLUMNS} FROM shop.orders WHERE id = ANY($1)`,
    [ids],
  );
  const byId = new Map(rows.map((row) => [row.id, toOrder(row)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

export type FulfilOutcome =
  | { kind: 'fulfilled' }
  /** A retried or duplicated job: the order was already fulfilled with this shipment. */
  | { kind: 'already-fulfilled' }
  /** Rejected, or fulfilled with another shipment: nothing changed. */
  | { kind: 'conflict'; status: OrderStatus; shipmentId: string | null }
  | { kind: 'unknown-order' };

/**
 * Marks a pending order fulfilled with its shipment, once: the `WHERE status = 'pending'`
 * makes a second call a no-op (a concurrent one waits on the row lock, then finds it done).
 */
export async function markFulfilled(
  db: Queryable,
  orderId: string,
  shipmentId: string,
): Promise<FulfilOutcome> {
  const updated = await db.query(
    `UPDATE shop.orders SET status = 'fulfilled', shipment_id = $2, settled_at = now()
     WHERE id = $1 AND status = 'pending'`,
    [orderId, shipmentId],
  );
  if (updated.rowCount === 1) return { kind: 'fulfilled' };
  const order = await findOrder(db, orderId);
  if (!order) return { kind: 'unknown-order' };
  if (order.status === 'fulfilled' && order.shipmentId === shipmentId) {
    return { kind: 'already-fulfilled' };
  }
  return { kind: 'conflict', status: order.status, shipmentId: order.shipmentId };
}

export type RejectOutcome =
  /** `mailed`: this call sent the out-of-stock email (false: an earlier one had). */
  | { kind: 'rejected'; mailed: boolean; messageId: string | null }
  | { kind: 'conflict'; status: OrderStatus }
  | { kind: 'unknown-order' };

/**
 * Marks an order rejected with `reason` and tells the customer, once however often it
 * runs. One transaction holds the order's row lock: it sets the status (a pending order
 * only; the first reason stays), calls `notify` unless the row says the email went out,
 * and records that it did. If `notify` throws, everything rolls back and a retry starts
 * over; a duplicate job waits on the lock, then finds the email recorded and sends none.
 */
export async function rejectOnce(
  pool: pg.Pool,
  orderId: string,
  reason: string,
  notify: (order: OrderRow) => Promise<{ messageId: string }>,
): Promise<RejectOutcome> {
  return inTransaction<RejectOutcome>(pool, async (tx) => {
    const { rows } = await tx.query<OrderColumns & { rejection_mailed_at: Date | null }>(
      `SELECT ${ORDER_COLUMNS}, rejection_mailed_at FROM shop.orders WHERE id = $1 FOR UPDATE`,
      [orderId],
    );
    const row = rows[0];
    if (!row) return { kind: 'unknown-order' };
    if (row.status === 'fulfilled') return { kind: 'conflict', status: row.status };
    if (row.status === 'pending') {
      await tx.query(
        `UPDATE shop.orders SET status = 'rejected', reason = $2, settled_at = now() WHERE id = $1`,
        [orderId, reason],
      );
    }
    if (row.rejection_mailed_at !== null)
      return { kind: 'rejected', mailed: false, messageId: null };
    const order = { ...toOrder(row), status: 'rejected' as const, reason: row.reason ?? reason };
    const { messageId } = await notify(order);
    await tx.query('UPDATE shop.orders SET rejection_mailed_at = now() WHERE id = $1', [orderId]);
    return { kind: 'rejected', mailed: true, messageId };
  });
}

/** Inserts a user; returns false when the email is already registered. */
export async function insertUser(
  db: Queryable,
  user: { id: string; email: string; name: string },
): Promise<boolean> {
  const { rowCount } = await db.query(
    'INSERT INTO shop.users (id, email, name) VALUES ($1, $2, $3) ON CONFLICT (email) DO NOTHING',
    [user.id, user.email, user.name],
  );
  return rowCount === 1;
}
