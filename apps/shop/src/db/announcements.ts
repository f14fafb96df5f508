import type { Queryable } from './pool.js';

export interface Announcement {
  id: string;
  subject: string;
  body: string;
  /** When it was first stored (ms since the epoch). */
  createdAt: number;
}

const COLUMNS = `id, subject, body, (extract(epoch from created_at) * 1000)::float8 AS "createdAt"`;

/** Someone the shop can write to: a registered user or a customer who ordered. */
export interface Customer {
  email: string;
  name: string;
  /** The address in lower case: one customer per address, whatever its case. */
  key: string;
}

/**
 * Inserts an announcement; when its `idempotencyKey` is taken, inserts nothing and returns
 * the announcement holding the key (`created: false`), as a retried request finds its own.
 */
export async function insertAnnouncement(
  db: Queryable,
  announcement: Omit<Announcement, 'createdAt'> & { idempotencyKey: string },
): Promise<{ announcement: Announcement; created: boolean }> {
  const { id, subject, body, idempotencyKey } = announcement;
  const inserted = await db.query<Announcement>(
    `INSERT INTO shop.announcements (id, subject, body, idempotency_key) VALUES ($1, $2, $3, $4)
     ON CONFLICT (idempotency_key) DO NOTHING RETURNING ${COLUMNS}`,
    [id, subject, body, idempotencyKey],
  );
  const row = inserted.rows[0];
  if (row) return { announcement: row, created: true };
  const { rows } = await db.query<Announcement>(
    `SELECT ${COLUMNS} FROM shop.announcements WHERE idempotency_key = $1`,
    [idempotencyKey],
  );
  const held = rows[0];
  if (!held) throw new Error(`Announcement ${id} was neither inserted nor found by its key`);
  return { announcement: held, created: false };
}

export async function findAnnouncement(db: Queryable, id: string): Promise<Announcement | null> {
  const { rows } = await db.query<Announcement>(
    `SELECT ${COLUMNS} FROM shop.announcements WHERE id = $1`,
    [id],
  );
  return rows[0] ?? null;
}

/**
 * The customers after `afterKey` (an address in lower case; from the start when null), by
 * address, at most `limit`: registered users and everyone who placed an order, each address
 * once whatever its case (`Ada@Example.com` ordered as `ada@example.com` is one customer, a
 * user's own spelling and name first). Keyset pages, so that a large list is read a page at
 * a time.
 */
export async function customerPage(
  db: Queryable,
  afterKey: string | null,
  limit: number,
): Promise<Customer[]> {
  const { rows } = await db.query<Customer>(
    `SELECT DISTINCT ON (key) email, name, key FROM (
       SELECT email, name, lower(email) AS key, 0 AS rank FROM shop.users
       UNION ALL
       SELECT email, name, lower(email) AS key, 1 AS rank FROM shop.orders
     ) AS customers
     WHERE $1::text IS NULL OR key > $1
     ORDER BY key, rank, email
     LIMIT $2`,
    [afterKey, limit],
  );
  return rows;
}
