import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Io, runCli } from '../src/index.js';
import { echo } from './fixtures/tasks.js';
import { producer, uniquePrefix } from './helpers.js';

// The terminal prompt cannot be driven through a pipe (stdin is then not a TTY), so this
// runs the same command line in-process with an interactive Io whose answer is scripted.
let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

function terminal(answer: boolean) {
  const out: string[] = [];
  const err: string[] = [];
  const questions: string[] = [];
  const io: Io = {
    stdout: (line) => out.push(line),
    stderr: (line) => err.push(line),
    interactive: true,
    async confirm(question) {
      questions.push(question);
      return answer;
    },
    env: {},
    cwd: process.cwd(),
  };
  return { io, out, err, questions };
}

describe('conveyor purge on a terminal', () => {
  it('asks with the counts, and purges only on yes', async () => {
    const prefix = uniquePrefix();
    const env = producer(redis.url, prefix);
    try {
      await env.client.enqueueMany(echo, [{ n: 1 }, { n: 2 }], { queue: 'cli-prompt' });
      await env.client.enqueue(echo, { n: 3 }, { queue: 'cli-prompt', delay: 60_000 });
      const argv = ['purge', 'cli-prompt', '--redis', redis.url, '--prefix', prefix];

      const no = terminal(false);
      expect(await runCli(argv, no.io)).toBe(5);
      expect(no.questions).toEqual([
        'Delete 2 waiting and 1 delayed jobs of queue cli-prompt? [y/N] ',
      ]);
      expect(no.err).toEqual(['error: Not purged: queue cli-prompt is unchanged.']);
      expect((await env.transport.admin?.queueCounts(['cli-prompt']))?.[0]).toMatchObject({
        waiting: 2,
        delayed: 1,
      });

      const yes = terminal(true);
      expect(await runCli(argv, yes.io)).toBe(0);
      expect(yes.out).toEqual(['Purged 3 waiting/delayed jobs from queue cli-prompt.']);
      expect((await env.transport.admin?.queueCounts(['cli-prompt']))?.[0]).toMatchObject({
        waiting: 0,
        delayed: 0,
      });
    } finally {
      await env.close();
    }
  });
});
