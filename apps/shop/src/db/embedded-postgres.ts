/**
 * The embedded database: PGlite (PostgreSQL compiled to WebAssembly) served over the
 * Postgres wire protocol, so the API and every worker process reach it with the same
 * `pg` driver and SQL they would use against a PostgreSQL server.
 *
 * PGlite runs one backend; `serveOverTcp` lets connections take turns on it, a whole
 * protocol exchange or transaction at a time: slower than a server, but correct.
 */

import { existsSync, readFileSync } from 'node:fs';
import { access, cp, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { serveOverTcp } from './pglite-wire.js';

/**
 * An initialised, empty cluster is kept here and copied for each run: PGlite's initdb
 * takes several seconds, a copy a fraction of that.
 */
const TEMPLATE_DIR = fileURLToPath(
  new URL(`../../node_modules/.cache/conveyor-shop/pglite-${pgliteVersion()}`, import.meta.url),
);

/** The cluster format can change between PGlite releases, so the template is per version. */
function pgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  let dir = dirname(entry);
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string })
    .version;
}

export interface EmbeddedPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts PGlite on a fresh copy of the template cluster (or on `dataDir`, kept) and
 * serves it on a free port.
 *
 * @example
 * const db = await startEmbeddedPostgres();
 * const pool = createPool(db.url);
 */
export async function startEmbeddedPostgres(
  options: { dataDir?: string; port?: number } = {},
): Promise<EmbeddedPostgres> {
  const scratch = options.dataDir ? undefined : await freshDataDir();
  const db = await PGlite.create(options.dataDir ?? scratch ?? 'memory://');
  const server = await serveOverTcp(db, { port: options.port ?? 0 });
  return {
    url: `postgres://postgres@127.0.0.1:${server.port}/postgres?sslmode=disable`,
    async close() {
      await server.close();
      await db.close();
      if (scratch) await rm(scratch, { recursive: true, force: true });
    },
  };
}

/**
 * Creates the template cluster unless it exists: PGlite's initdb, several seconds on an idle
 * machine and minutes on a loaded one. The shop's test setup runs it once before any test
 * starts a database, so that no service's start-up wait includes it.
 */
export async function ensureTemplate(): Promise<void> {
  // PG_VERSION is written by initdb: its presence means the template is complete.
  await access(join(TEMPLATE_DIR, 'PG_VERSION')).catch(createTemplate);
}

/** A private copy of the template cluster, creating the template on first use. */
async function freshDataDir(): Promise<string> {
  await ensureTemplate();
  const dir = await mkdtemp(join(tmpdir(), 'conveyor-shop-pglite-'));
  await cp(TEMPLATE_DIR, dir, { recursive: true });
  return dir;
}

async function createTemplate(): Promise<void> {
  await mkdir(join(TEMPLATE_DIR, '..'), { recursive: true });
  const building = await mkdtemp(join(TEMPLATE_DIR, '..', 'building-'));
  const db = await PGlite.create(building);
  await db.close();
  // Two runs may build at once: the first rename wins and the other copy is dropped.
  await rename(building, TEMPLATE_DIR).catch(() => rm(building, { recursive: true, force: true }));
}
