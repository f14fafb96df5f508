/**
 * Starts everything the shop needs, each part real: the mailbox (SMTP), the warehouse
 * (HTTP), PostgreSQL (the given server, or embedded PGlite), the API and two workers.
 * The demo and the end-to-end test both run on this.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { type Client, createClient, memoryTransport } from '@conveyor/core';
import { redisTransport } from '@conveyor/redis';
import { createWorker, type Worker } from '@conveyor/worker';
import type pg from 'pg';
import { pino } from 'pino';
import {
  ADMIN_AUTH_ENV,
  ADMIN_PATH,
  type AdminCredentials,
  adminCredentials,
  formatAdminAuth,
} from '../api/admin.js';
import { buildApi } from '../api/app.js';
import { createPool } from '../db/pool.js';
import { migrateWhenReachable, type Product, seedProducts } from '../db/schema.js';
import { schedules, tasks, workflows } from '../generated/registry.js';
import { useClient } from '../producer.js';
import { closeServices } from '../services.js';
import type { Broker } from './broker.js';
import { type ServiceProcess, spawnService } from './processes.js';

/** The `conveyor` command of @conveyor/cli. */
const CONVEYOR_BIN = fileURLToPath(
  new URL('../../node_modules/@conveyor/cli/bin/conveyor.js', import.meta.url),
);

export interface WorkerSpec {
  name: string;
  queues: readonly string[];
  concurrency: number;
}

/** Mail gets a worker of its own, so it never waits behind the warehouse; both take inventory. */
export const DEFAULT_WORKERS: readonly WorkerSpec[] = [
  { name: 'worker-1', queues: ['emails', 'inventory'], concurrency: 8 },
  { name: 'worker-2', queues: ['warehouse', 'inventory'], concurrency: 8 },
];

export interface StackOptions {
  broker: Broker;
  /** A PostgreSQL server to use; without it, PGlite is embedded. */
  databaseUrl?: string | undefined;
  products: readonly Product[];
  warehouse?: { failEvery?: number; failMode?: 'reject' | 'after-commit' };
  workers?: readonly WorkerSpec[];
  logDir: string;
  /** Told about each part as it comes up. */
  onStarted?: (part: string, detail: string) => void;
}

export interface Stack {
  readonly apiUrl: string;
  /** Conveyor's dashboard on the API, behind basic auth with {@link admin}. */
  readonly adminUrl: string;
  /** The `/admin` credentials: `SHOP_ADMIN_AUTH`, else generated for this run. */
  readonly admin: AdminCredentials;
  readonly mailboxUrl: string;
  readonly warehouseUrl: string;
  readonly databaseUrl: string;
  readonly database: 'postgres' | 'pglite';
  /** A producer client on the same broker, to enqueue and to read job records. */
  readonly client: Client;
  /** A pool on the shop's database, to read stock. */
  readonly db: pg.Pool;
  /** Every process started, with its pid and log file. */
  readonly processes: readonly ServiceProcess[];
  /** Stops everything, in reverse order. Safe to call twice. */
  stop(): Promise<void>;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const processes: ServiceProcess[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  const note = options.onStarted ?? (() => {});
  const spawn = async (name: string, entry: string, env: NodeJS.ProcessEnv, args?: string[]) => {
    const started = await spawnService({
      name,
      entry,
      env: { ...process.env, ...env },
      logDir: options.logDir,
      ...(args && { args }),
    });
    processes.push(started);
    cleanups.push(() => started.stop());
    return started;
  };
  // Celery's `celery -A app worker -Q emails`: the conveyor CLI runs the generated registry,
  // on the transport of conveyor.config.ts (REDIS_URL and CONVEYOR_PREFIX from `env`), as
  // `conveyor worker` run by hand in this directory does.
  const spawnWorker = async (spec: WorkerSpec, env: NodeJS.ProcessEnv) => {
    const started = await spawnService({
      name: spec.name,
      entry: CONVEYOR_BIN,
      args: [
        'worker',
        '--tasks',
        'src/generated/registry.ts',
        '--queues',
        spec.queues.join(','),
        '--concurrency',
        String(spec.concurrency),
        '--worker-id',
        spec.name,
        '--grace-ms',
        '10000',
      ],
      env: { ...process.env, ...env },
      logDir: options.logDir,
      readyLine: /^Ready\./m,
    });
    processes.push(started);
    cleanups.push(() => started.stop());
    return started;
  };
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    })();
    return stopped;
  };

  try {
    // Every service listens on a port of the kernel's choosing (`0`) and announces where it
    // is; the second stage is told where the first stage's services are. Ports chosen up
    // front and bound seconds later (PGlite's start) were taken in between by another
    // process's server on a busy machine (EADDRINUSE in CI).
    const secret = randomBytes(24).toString('hex');
    const admin = adminCredentials(process.env);
    // In two stages: first the systems the shop talks to, then the API (which migrates the
    // database as it starts) and the workers. Half as many processes start at once on a busy
    // machine, and the API never waits for a database that is still starting.
    const [mailbox, warehouse, postgres] = await allStarted([
      spawn('mailbox', 'mail/main.ts', { SMTP_PORT: '0', HTTP_PORT: '0' }),
      spawn('warehouse', 'warehouse/main.ts', {
        PORT: '0',
        WAREHOUSE_SECRET: secret,
        WAREHOUSE_FAIL_EVERY: String(options.warehouse?.failEvery ?? 0),
        WAREHOUSE_FAIL_MODE: options.warehouse?.failMode ?? 'reject',
      }),
      options.databaseUrl ? undefined : spawn('postgres', 'db/main.ts', { PORT: '0' }),
    ]);
    const databaseUrl = options.databaseUrl ?? announcedUrl(postgres, 'url');
    const serviceEnv = {
      DATABASE_URL: databaseUrl,
      SMTP_URL: announcedUrl(mailbox, 'smtpUrl'),
      WAREHOUSE_URL: announcedUrl(warehouse, 'url'),
      WAREHOUSE_SECRET: secret,
    };
    const workers = options.workers ?? DEFAULT_WORKERS;
    const inProcess = options.broker.mode === 'memory';
    const brokerEnv =
      options.broker.mode === 'memory'
        ? {}
        : { REDIS_URL: options.broker.url, CONVEYOR_PREFIX: options.broker.prefix };
    const env = { ...serviceEnv, ...brokerEnv };
    let api: ServiceProcess | undefined;
    if (!inProcess) {
      [api] = await allStarted([
        spawn('api', 'api/main.ts', {
          ...env,
          PORT: '0',
          [ADMIN_AUTH_ENV]: formatAdminAuth(admin),
        }),
        ...workers.map((spec) => spawnWorker(spec, env)),
      ]);
    }
    note('mailbox', `SMTP ${mailbox.info.smtpUrl}, messages at ${mailbox.info.httpUrl}/messages`);
    const failEvery = options.warehouse?.failEvery;
    note(
      'warehouse',
      `${warehouse.info.url} (HMAC-signed${failEvery ? `, every request #n×${failEvery} answered 503` : ''})`,
    );
    note(
      'database',
      options.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `PGlite, embedded, at ${databaseUrl}`,
    );

    const db = createPool(databaseUrl);
    cleanups.push(() => db.end());
    let apiUrl: string;
    let client: Client;
    if (options.broker.mode === 'memory') {
      ({ apiUrl, client } = await startInProcess(
        serviceEnv,
        workers,
        admin,
        options.logDir,
        cleanups,
      ));
      note(
        'api + workers',
        `${apiUrl} and ${workers.length} workers, in this process (in-memory broker)`,
      );
    } else {
      apiUrl = announcedUrl(api, 'url');
      const transport = redisTransport({ url: options.broker.url, prefix: options.broker.prefix });
      client = createClient({ transport });
      cleanups.push(() => client.close());
      note('api', apiUrl);
      for (const spec of workers) {
        note(spec.name, `queues ${spec.queues.join(', ')}, concurrency ${spec.concurrency}`);
      }
    }
    // The API created the tables at start-up; now the demo's stock.
    await seedProducts(db, options.products);

    return {
      apiUrl,
      adminUrl: `${apiUrl}${ADMIN_PATH}`,
      admin,
      mailboxUrl: String(mailbox.info.httpUrl),
      warehouseUrl: String(warehouse.info.url),
      databaseUrl,
      database: options.databaseUrl ? 'postgres' : 'pglite',
      client,
      db,
      processes,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A URL a started service announced, as `name`; one missing is the service's bug. */
function announcedUrl(service: ServiceProcess | undefined, name: string): string {
  const url = service?.info[name];
  if (typeof url !== 'string') {
    throw new Error(
      `The shop's ${service ? `${service.name} process` : 'stack'} announced no ${name}: ${JSON.stringify(service?.info ?? null)}`,
    );
  }
  return url;
}

/**
 * `Promise.all` for one stage's starts, but settled only once every start has: each process
 * that did start has its cleanup registered before a failure reaches `stop()`.
 */
async function allStarted<T extends readonly unknown[] | []>(
  starts: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  await Promise.allSettled(starts);
  return Promise.all(starts);
}

/** The in-memory fallback: the broker lives in this process, so the API and workers do too. */
async function startInProcess(
  serviceEnv: Record<string, string>,
  specs: readonly WorkerSpec[],
  admin: AdminCredentials,
  logDir: string,
  cleanups: Array<() => Promise<void>>,
): Promise<{ apiUrl: string; client: Client }> {
  Object.assign(process.env, serviceEnv); // the tasks read their services from the environment
  const transport = memoryTransport();
  const client = createClient({ transport });
  const db = createPool(serviceEnv.DATABASE_URL ?? '');
  await migrateWhenReachable(db);
  const app = buildApi({
    db,
    tasks: useClient(client),
    admin: { transport, credentials: admin },
  });
  const apiUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  const logger = pino({ name: 'shop-workers' }, pino.destination(`${logDir}/workers.log`));
  const workers: Worker[] = specs.map((spec) =>
    createWorker({
      transport,
      tasks,
      queues: spec.queues,
      concurrency: spec.concurrency,
      // The registry's schedules, as `conveyor worker --tasks` runs them: every worker ticks.
      schedules,
      // And its workflows: each worker runs the step jobs of its queues.
      workflows,
      logger,
      id: spec.name,
    }),
  );
  const running = workers.map((worker) => worker.start());
  cleanups.push(async () => {
    await app.close();
    await Promise.all(workers.map((worker) => worker.stop()));
    await Promise.all(running);
    await closeServices();
    await db.end();
    await client.close();
  });
  return { apiUrl, client };
}
