// Entries in Redis that no Conveyor wrote: a worker record of the wrong shape and a queue
// name no queue can have. `status` leaves each out with a note saying where it is and how to
// remove it, instead of failing as if the user had typed it.
import { makeEnvelope } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { cli, json, producerSetup, usePrivateRedis } from './helpers.js';

const redis = usePrivateRedis();

describe('status with entries in Redis that are not ours', () => {
  it('skips them with a note naming the key and how to remove each', async () => {
    const env = producerSetup(redis.url);
    try {
      await env.transport.enqueue([{ envelope: makeEnvelope('emails') }]);
      const records = `${env.prefix}:{@workers}:records`;
      await redis.raw.hset(records, 'w:garbage', '{"id":"w:garbage"}', 'w:noid', '[1,2]');
      await redis.raw.sadd(`${env.prefix}:queues`, 'bad queue!');
      const human = await cli(['status', ...env.args]);
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(/^emails +1 /m);
      expect(human.stderr).toContain(
        `warning: [conveyor] [redis] The Redis set ${env.prefix}:queues holds "bad queue!", which is not a queue name`,
      );
      expect(human.stderr).toContain(`SREM '${env.prefix}:queues' 'bad queue!'`);
      expect(human.stderr).toContain(`Remove it with \`redis-cli HDEL '${records}' 'w:garbage'\``);
      // Without an id: two commands, not prose between backticks ("`HGETALL … finds its field;
      // HDEL removes it`").
      expect(human.stderr).toContain(
        `Find its field with \`redis-cli HGETALL '${records}'\`, then remove it with \`redis-cli HDEL '${records}' <field>\`.`,
      );
      // Once each, however often the command reads the lists.
      expect(human.stderr.split('\n').filter((line) => line.includes('SREM'))).toHaveLength(1);
      const snapshot = await cli(['status', '--json', ...env.args]);
      expect(snapshot.code).toBe(0);
      const parsed = json<{ queues: Array<{ queue: string }>; workers: unknown[] }>(snapshot);
      expect(parsed.queues.map((row) => row.queue)).toEqual(['emails']);
      expect(parsed.workers).toEqual([]);
    } finally {
      await env.close();
    }
  });
  it('leaves out a queue whose key holds the wrong type, naming the key, and shows the others', async () => {
    const env = producerSetup(redis.url);
    try {
      await env.transport.enqueue([
        { envelope: makeEnvelope('emails') },
        { envelope: makeEnvelope('reports') },
      ]);
      const key = `${env.prefix}:{reports}:w5`;
      await redis.raw.del(key);
      await redis.raw.set(key, 'garbage');
      const human = await cli(['status', ...env.args]);
      expect(human.code, human.stderr).toBe(0);
      expect(human.stdout).toMatch(/^emails +1 /m);
      expect(human.stdout).not.toMatch(/^reports /m);
      expect(human.stderr).toContain('warning: queue "reports" left out: ');
      expect(human.stderr).toContain(`redis-cli DEL '${key}'`);
      const snapshot = await cli(['status', '--json', ...env.args]);
      const parsed = json<{
        queues: Array<{ queue: string }>;
        unreadableQueues: Array<{ queue: string; error: string }>;
      }>(snapshot);
      expect(parsed.queues.map((row) => row.queue)).toEqual(['emails']);
      expect(parsed.unreadableQueues.map((row) => row.queue)).toEqual(['reports']);
      expect(parsed.unreadableQueues[0]?.error).toContain(`Key "${key}" of queue "reports"`);
    } finally {
      await env.close();
    }
  });

  it('leaves out the only queue when its key holds the wrong type, and still shows the workers', async () => {
    const env = producerSetup(redis.url);
    try {
      await env.transport.enqueue([{ envelope: makeEnvelope('reports') }]);
      const key = `${env.prefix}:{reports}:dead`;
      await redis.raw.set(key, 'hello');
      const human = await cli(['status', ...env.args]);
      expect(human.code, human.stderr).toBe(0);
      expect(human.stdout).not.toMatch(/^reports /m);
      expect(human.stdout).toContain(
        'No queue could be read: its keys hold data Conveyor did not write (see the warning on stderr).',
      );
      expect(human.stdout).not.toContain('No queues yet');
      expect(human.stderr).toContain('warning: queue "reports" left out: ');
      expect(human.stderr).toContain(`redis-cli DEL '${key}'`);
      const snapshot = await cli(['status', '--json', ...env.args]);
      expect(snapshot.code, snapshot.stderr).toBe(0);
      const parsed = json<{
        queues: unknown[];
        workers: unknown[];
        unreadableQueues: Array<{ queue: string }>;
      }>(snapshot);
      expect(parsed.queues).toEqual([]);
      expect(parsed.workers).toEqual([]);
      expect(parsed.unreadableQueues.map((row) => row.queue)).toEqual(['reports']);
    } finally {
      await env.close();
    }
  });
});
