/**
 * Runs the embedded PostgreSQL (PGlite) on its own: `PORT=5433 node … src/db/main.ts`,
 * then `psql postgres://postgres@127.0.0.1:5433/postgres`.
 */
import { announceReady, intFromEnv, onShutdown } from '../stack/service-process.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';

const db = await startEmbeddedPostgres({
  port: intFromEnv('PORT', 0),
  ...(process.env.PGLITE_DATA_DIR && { dataDir: process.env.PGLITE_DATA_DIR }),
});
announceReady({ url: db.url });
onShutdown(() => db.close());
