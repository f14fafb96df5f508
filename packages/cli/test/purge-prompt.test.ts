import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echo } from './fixtures/tasks.js';
import { producer, startCli, uniquePrefix } from './helpers.js';

// The terminal prompt cannot be driven through a pipe (stdin is then not a TTY), so this
// runs the same command line in-process, on a terminal whose answer is scripted.
let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

describe('conveyor purge on a terminal', () => {
  it('asks with the counts, and purges only on yes', async () => {
    const prefix = uniquePrefix();
    const env = producer(redis.url, prefix);
    try {
      await env.client.enqueueMany(echo, [{ n: 1 }, { n: 2 }], { queue: 'cli-prompt' });
      await env.client.enqueue(echo, { n: 3 }, { queue: 'cli-prompt', delay: 60_000 });
      const argv = ['purge', 'cli-prompt', '--redis', redis.url, '--prefix', prefix];

      const no = startCli(argv, { answer: false });
      const refused = await no.done;
      expect(refused.code).toBe(5);
      expect(no.questions).toEqual([
        'Delete 2 waiting and 1 delayed jobs of queue cli-prompt? [y/N] ',
      ]);
      expect(refused.stderr).toBe('error: Not purged: queue cli-prompt is unchanged.\n');
      expect((await env.transport.admin?.queueCounts(['cli-prompt']))?.[0]).toMatchObject({
        waiting: 2,
        delayed: 1,
      });

      const yes = await startCli(argv, { answer: true }).done;
      expect(yes.code).toBe(0);
      expect(yes.stdout).toBe('Purged 3 waiting/delayed jobs from queue cli-prompt.\n');
      expect((await env.transport.admin?.queueCounts(['cli-prompt']))?.[0]).toMatchObject({
        waiting: 0,
        delayed: 0,
      });

      // Nothing left to delete: nothing to confirm.
      const empty = startCli(argv, { answer: false });
      const emptied = await empty.done;
      expect(empty.questions).toEqual([]);
      expect(emptied.code).toBe(0);
      expect(emptied.stdout).toBe('Purged 0 waiting/delayed jobs from queue cli-prompt.\n');
    } finally {
      await env.close();
    }
  });
});
