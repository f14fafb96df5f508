/**
 * Runs the API on its own:
 *
 *   REDIS_URL=redis://127.0.0.1:6379 DATABASE_URL=postgres://… PORT=3000 \
 *     node --conditions=@conveyor/source --import tsx src/api/main.ts
 */
import { createClient } from '@conveyor/core';
import { redisTransport } from '@conveyor/redis';
import { createPool } from '../db/pool.js';
import { migrateWhenReachable } from '../db/schema.js';
import { useClient } from '../producer.js';
import { ShopConfigError } from '../services.js';
import { announceReady, intFromEnv, onShutdown } from '../stack/service-process.js';
import { buildApi } from './app.js';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl)
  throw new ShopConfigError('DATABASE_URL is not set: the API stores orders there.');
const db = createPool(databaseUrl);
await migrateWhenReachable(db);
const transport = redisTransport({
  url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  prefix: process.env.CONVEYOR_PREFIX ?? 'shop',
});
await transport.ready();
const client = createClient({ transport });
const app = buildApi({ db, client, tasks: useClient(client) });
const url = await app.listen({ port: intFromEnv('PORT', 0), host: '127.0.0.1' });
announceReady({ url });
onShutdown(async () => {
  await app.close();
  await client.close();
  await db.end();
});
