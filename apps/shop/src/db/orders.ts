import type { Queryable } from './pool.js';

export interface OrderItem {
  sku: string;
  quantity: number;
}

export interface OrderRow {
  id: string;
  email: string;
  name: string;
  items: OrderItem[];
  /** Job ids by role, written once the jobs are enqueued. */
  jobs: Record<string, string> | null;
  createdAt: string;
}

export async function insertOrder(
  db: Queryable,
  order: { id: string; email: string; name: string; items: readonly OrderItem[] },
): Promise<void> {
  await db.query('INSERT INTO shop.orders (id, email, name, items) VALUES ($1, $2, $3, $4)', [
    order.id,
    order.email,
    order.name,
    JSON.stringify(order.items),
  ]);
}

export async function setOrderJobs(
  db: Queryable,
  orderId: string,
  jobs: Record<string, string>,
): Promise<void> {
  await db.query('UPDATE shop.orders SET jobs = $2 WHERE id = $1', [orderId, JSON.stringify(jobs)]);
}

export async function findOrder(db: Queryable, id: string): Promise<OrderRow | null> {
  const { rows } = await db.query<{
    id: string;
    email: string;
    name: string;
    items: OrderItem[];
    jobs: Record<string, string> | null;
    created_at: Date;
  }>('SELECT id, email, name, items, jobs, created_at FROM shop.orders WHERE id = $1', [id]);
  const row = rows[0];
  if (!row) return null;
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    items: row.items,
    jobs: row.jobs,
    createdAt: new Date(row.created_at).toISOString(),
  };
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
