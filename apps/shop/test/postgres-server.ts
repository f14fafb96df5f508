/**
 * The PostgreSQL server the tests create their databases on, and a connection to it that
 * waits for the server to take connections (it may be starting, or slow on a busy machine).
 */
import pg from 'pg';

export const POSTGRES_ADMIN_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Longest wait for the server: it guards against a hang; the wait ends once it answers. */
const READY_BOUND_MS = 180_000;
/** SQLSTATEs of a server that is starting (57P03) or full (53300): worth another try. */
const NOT_YET = new Set(['57P03', '53300']);

/**
 * Connects to the server at `url` once it takes connections, retrying refused, reset and
 * timed-out connects and "the database system is starting up", for up to `boundMs`; other
 * errors of the server (a wrong password, a missing database) fail at once.
 *
 * @example
 * const admin = await connectWhenReady(POSTGRES_ADMIN_URL, 'create the test database');
 */
export async function connectWhenReady(
  url: string,
  purpose: string,
  boundMs = READY_BOUND_MS,
): Promise<pg.Client> {
  const deadline = Date.now() + boundMs;
  for (let attempt = 1; ; attempt += 1) {
    const client = new pg.Client({
      connectionString: url,
      // One connect must not outlive the wait (pg's default is no limit).
      connectionTimeoutMillis: Math.max(1_000, deadline - Date.now()),
    });
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => {});
      const code = (error as { code?: unknown }).code;
      const retryable = !(error instanceof pg.DatabaseError) || NOT_YET.has(String(code));
      if (!retryable || Date.now() >= deadline) {
        const where = Object.assign(new URL(url), { password: '' }).toString();
        const what = retryable
          ? `took no connection within ${boundMs / 1_000} s (${attempt} attempts; is it running?)`
          : 'refused the connection';
        throw new Error(
          `PostgreSQL at ${where} ${what}, needed to ${purpose}: ${(error as Error).message}. Set TEST_POSTGRES_URL to use another server.`,
          { cause: error },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
