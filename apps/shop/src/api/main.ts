/**
 * Runs the API on its own:
 *
 *   REDIS_URL=redis://127.0.0.1:6379 DATABASE_URL=postgres://… PORT=3000 \
 *     SHOP_ADMIN_AUTH=admin:s3cret node --conditions=@conveyor/source --import tsx src/api/main.ts
 *
 * Without SHOP_ADMIN_AUTH, /admin gets a random password, announced with the URLs.
 */
import { createClient } from '@conveyor/core';
import { redisTransport } from '@conveyor/redis';
import { createPool } from '../db/pool.js';
import { migrateWhenReachable } from '../db/schema.js';
import { useClient } from '../producer.js';
import { ShopConfigError } from '../services.js';
import { announceReady, intFromEnv, onShutdown } from '../stack/service-process.js';
import { ADMIN_PATH, adminCredentials } from './admin.js';
import { buildApi } from './app.js';

const credentials = adminCredentials(process.env);
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
const app = buildApi({
  db,
  tasks: useClient(client),
  admin: { transport, credentials },
});
const url = await app.listen({ port: intFromEnv('PORT', 0), host: '127.0.0.1' });
announceReady({
  url,
  adminUrl: `${url}${ADMIN_PATH}`,
  // Only a password made up here is told: one from SHOP_ADMIN_AUTH is known already.
  ...(credentials.generated && {
    adminUser: credentials.username,
    adminPassword: credentials.password,
  }),
});
onShutdown(async () => {
  await app.close();
  await client.close();
  await db.end();
});
