import { type Client, createClient, silentLogger } from '@conveyor/core';
import { type RedisTransport, redisTransport } from '@conveyor/redis';
import { type RedisServer, type RedisServerOptions, startRedis } from '@conveyor/test-redis';
import { indexLedger } from './analysis.js';
import { createFleet, type Fleet } from './fleet.js';
import { openHarnessLedger } from './harness.js';
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
  close(): Promise<void>;
}

/** A private redis-server, a producer client and a fleet of `workers` worker processes. */
export async function startRig(options: {
  dir: string;
  workers: number;
  worker: Partial<WorkerSettings>;
  redis?: RedisServerOptions;
  respawnCrashed?: boolean;
}): Promise<Rig> {
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
  return {
    redis,
    transport,
    client,
    fleet,
    ledger,
    settings,
    index: () => indexLedger(readLedger(options.dir)),
    async close() {
      await fleet.stopAll(5_000);
      await transport.close().catch(() => {});
      ledger.close();
      await redis.stop();
    },
  };
}
