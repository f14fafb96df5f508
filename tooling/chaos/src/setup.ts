import { type Client, createClient, silentLogger } from '@conveyor/core';
import { type RedisTransport, redisTransport } from '@conveyor/redis';
import { type RedisServer, type RedisServerOptions, startRedis } from '@conveyor/test-redis';
import { Redis } from 'ioredis';
import { type CountOptions, indexLedger } from './analysis.js';
import { createFleet, type Fleet } from './fleet.js';
import { ackedIds, type Finished, finishJobs, openHarnessLedger } from './harness.js';
import { type LedgerWriter, readLedger } from './ledger.js';
import type { WorkerSettings } from './worker-settings.js';

export const PREFIX = 'chaos';

export interface Rig {
  redis: RedisServer;
  transport: RedisTransport;
  client: Client;
  fleet: Fleet;
  ledger: LedgerWriter;
  settings: WorkerSettings;
  /** The ledger so far, indexed by job. */
  index(): ReturnType<typeof indexLedger>;
  /** The jobs whose enqueue was acknowledged so far. */
  ackedIds(): string[];
  /** Waits for the acknowledged jobs (or `ids`) to be final, then counts them (see `finishJobs`). */
  finish(options: {
    timeoutMs: number;
    ids?: readonly string[];
    expected?: CountOptions['expected'];
    afterWait?: () => Promise<void>;
  }): Promise<Finished>;
  /** A plain connection to the server (CLIENT PAUSE, raw writes); closed with the rig. */
  admin(): Redis;
  close(): Promise<void>;
}

export interface RigOptions {
  dir: string;
  workers: number;
  worker: Partial<WorkerSettings>;
  redis?: RedisServerOptions;
  respawnCrashed?: boolean;
}

/** Runs `body` on a fresh rig, and closes the rig afterwards whatever happens. */
export async function withRig<T>(options: RigOptions, body: (rig: Rig) => Promise<T>): Promise<T> {
  const rig = await startRig(options);
  try {
    return await body(rig);
  } finally {
    await rig.close();
  }
}

/** A private redis-server, a producer client and a fleet of `workers` worker processes. */
export async function startRig(options: RigOptions): Promise<Rig> {
  const redis = await startRedis(options.redis);
  const transport = redisTransport({ url: redis.url, prefix: PREFIX, logger: silentLogger });
  await transport.ready();
  const client = createClient({ transport });
  const ledger = openHarnessLedger(options.dir);
  const settings: WorkerSettings = {
    ledgerDir: options.dir,
    url: redis.url,
    prefix: PREFIX,
    queues: ['chaos'],
    concurrency: 10,
    leaseMs: 3_000,
    reserveWaitMs: 1_000,
    shutdownGraceMs: 15_000,
    ...options.worker,
  };
  const fleet = createFleet(settings, { respawnCrashed: options.respawnCrashed });
  try {
    await Promise.all(Array.from({ length: options.workers }, () => fleet.spawn()));
  } catch (error) {
    await fleet.stopAll(1_000);
    await transport.close();
    await redis.stop();
    throw error;
  }
  const index = () => indexLedger(readLedger(options.dir));
  let admin: Redis | undefined;
  return {
    redis,
    transport,
    client,
    fleet,
    ledger,
    settings,
    index,
    ackedIds: () => ackedIds(index()),
    finish: (finish) =>
      finishJobs({ ...finish, transport, index, ids: finish.ids ?? ackedIds(index()) }),
    admin() {
      admin ??= new Redis(redis.url);
      return admin;
    },
    async close() {
      admin?.disconnect();
      await fleet.stopAll(5_000);
      await transport.close().catch(() => {});
      ledger.close();
      await redis.stop();
    },
  };
}
