// `conveyor retry` into a paused queue says that the jobs wait for a resume, as `promote` and
// the dashboard's retry do: it used to say only "back in queue", and nothing ran. In-process
// runs on a private Redis.
import { makeEnvelope } from '@conveyor/core/testing';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, json, producer, uniquePrefix } from './helpers.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

async function setup() {
  const prefix = uniquePrefix();
  const conn = producer(redis.url, prefix);
  const args = ['--redis', redis.url, '--prefix', prefix];
  /** `count` jobs of `queue`, dead-lettered; answers their ids. */
  const bury = async (queue: string, count: number) => {
    const envelopes = Array.from({ length: count }, () =>
      makeEnvelope(queue, { task: 'cli.plain' }),
    );
    await conn.transport.enqueue(envelopes.map((envelope) => ({ envelope })));
    const held = await conn.transport.reserve({
      queues: [queue],
      max: count,
      leaseMs: 60_000,
      consumer: 'cli-test',
    });
    const error = { name: 'Error', message: 'boom' };
    await conn.transport.settle(
      held.map((job) => ({
        type: 'fail' as const,
        id: job.envelope.id,
        token: job.token,
        error,
        deadLetter: true,
      })),
    );
    return envelopes.map((envelope) => envelope.id);
  };
  const run = (argv: string[]) => cli([...argv, ...args]);
  return { flags: args.join(' '), bury, run, ...conn };
}

describe('conveyor retry into a paused queue', () => {
  it('retry <id> says the job runs after a resume, and --json names the paused queue', async () => {
    const e = await setup();
    try {
      const [first, second] = (await e.bury('cli-held', 2)) as [string, string];
      expect((await e.run(['pause', 'cli-held'])).code).toBe(0);
      const done = await e.run(['retry', first]);
      expect(done.code).toBe(0);
      expect(done.stdout).toBe(
        `Retried ${first}: back in queue cli-held with a fresh attempt budget.\nQueue "cli-held" is paused: it runs after \`conveyor resume cli-held ${e.flags}\`.\n`,
      );
      expect(json(await e.run(['retry', second, '--json']))).toEqual({
        id: second,
        queue: 'cli-held',
        retried: 1,
        paused: ['cli-held'],
      });
    } finally {
      await e.close();
    }
  });

  it('retry --all-dead says so for the queue, and for the paused partitions of a partitioned one', async () => {
    const e = await setup();
    try {
      await e.bury('cli-all', 2);
      expect((await e.run(['pause', 'cli-all'])).code).toBe(0);
      const all = await e.run(['retry', '--all-dead', '--queue', 'cli-all', '--yes']);
      expect(all.stdout).toBe(
        `Retried 2 dead jobs of queue cli-all.\nQueue "cli-all" is paused: they run after \`conveyor resume cli-all ${e.flags}\`.\n`,
      );
      await e.bury('cli-parts~0of2', 1);
      await e.bury('cli-parts~1of2', 1);
      await e.transport.admin.pauseQueue('cli-parts~1of2');
      const text = await e.run(['retry', '--all-dead', '--queue', 'cli-parts', '--yes']);
      expect(text.stdout).toContain(
        `Queue "cli-parts" is paused in part (cli-parts~1of2): the jobs retried there run after \`conveyor resume cli-parts ${e.flags}\`.\n`,
      );
      await e.bury('cli-json', 1);
      expect((await e.run(['pause', 'cli-json'])).code).toBe(0);
      const named = await e.run(['retry', '--all-dead', '--queue', 'cli-json', '--json', '--yes']);
      expect(json(named)).toMatchObject({ retried: 1, paused: ['cli-json'] });
    } finally {
      await e.close();
    }
  });
});
