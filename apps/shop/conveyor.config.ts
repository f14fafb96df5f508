import { defineConfig } from '@conveyor/codegen/config';
import { redisTransport } from '@conveyor/redis';

// `conveyor generate` reads this: task files in, the typed producer client and the worker
// registry out. CI runs `conveyor generate --check` (the `lint` script) so they stay fresh.
export default defineConfig({
  tasks: ['src/tasks/*.ts'],
  client: 'src/generated/client.ts',
  registry: 'src/generated/registry.ts',
  // What the `conveyor` command acts on when run in this directory (`status`, `inspect`,
  // `pause`, `worker`): the shop's queues, where the API puts them (REDIS_URL, the key prefix
  // CONVEYOR_PREFIX, else `shop`). `--redis` and `--prefix` on the command line win over it.
  transport: ({ logger }) =>
    redisTransport({
      url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      prefix: process.env.CONVEYOR_PREFIX ?? 'shop',
      logger,
    }),
});
