import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnConveyor, uniquePrefix, WAIT_MS } from './helpers.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

// `conveyor status --watch 1 --json | head -n1`: the reader leaves after one line, and the
// next write fails with EPIPE. That was an unhandled 'error' event, its stack and exit 1.
describe('a stdout whose reader went away', () => {
  it(
    'ends `status --watch` silently with exit 0',
    async () => {
      const status = spawnConveyor([
        'status',
        '--watch',
        '1',
        '--json',
        '--redis',
        redis.url,
        '--prefix',
        uniquePrefix(),
      ]);
      await status.waitFor('"queues"');
      status.child.stdout?.destroy();
      const { code, stderr } = await status.exited;
      expect(stderr).toBe('');
      expect(code).toBe(0);
    },
    WAIT_MS,
  );
});
