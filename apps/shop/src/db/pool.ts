import pg from 'pg';

/**
 * A node-postgres pool. The same code talks to a real PostgreSQL server and to the
 * embedded PGlite, which the shop serves over the Postgres wire protocol.
 *
 * @example
 * const pool = createPool(process.env.DATABASE_URL);
 */
export function createPool(url: string, max = 5): pg.Pool {
  // allowExitOnIdle: idle connections do not keep a finished worker process alive.
  const pool = new pg.Pool({
    connectionString: url,
    max,
    idleTimeoutMillis: 10_000,
    allowExitOnIdle: true,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  return pool;
}

/** Runs `work` in a transaction on one connection: COMMIT if it resolves, ROLLBACK if it throws. */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

export type Queryable = Pick<pg.Pool, 'query'>;
