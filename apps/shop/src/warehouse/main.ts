/**
 * Runs the warehouse service on its own.
 *
 *   WAREHOUSE_SECRET=s3cret WAREHOUSE_FAIL_EVERY=3 PORT=4100 \
 *     node --conditions=@conveyor/source --import tsx src/warehouse/main.ts
 */
import { announceReady, intFromEnv, onShutdown } from '../stack/service-process.js';
import { buildWarehouse } from './warehouse-server.js';

const secret = process.env.WAREHOUSE_SECRET;
if (!secret) {
  console.error(
    'WAREHOUSE_SECRET is not set: the warehouse needs the secret its callers sign with.',
  );
  process.exit(2);
}
const failMode = process.env.WAREHOUSE_FAIL_MODE ?? 'reject';
if (failMode !== 'reject' && failMode !== 'after-commit') {
  console.error(`WAREHOUSE_FAIL_MODE=${JSON.stringify(failMode)}: use "reject" or "after-commit".`);
  process.exit(2);
}
const app = buildWarehouse({
  secret,
  failEvery: intFromEnv('WAREHOUSE_FAIL_EVERY', 0),
  failMode,
});
const url = await app.listen({ port: intFromEnv('PORT', 0), host: '127.0.0.1' });
announceReady({ url });
onShutdown(() => app.close());
