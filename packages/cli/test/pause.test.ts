// `conveyor pause` and `resume` on a private redis-server: a paused queue is marked by status,
// a partitioned queue is paused in every partition of its count (stored or not yet), and a
// name the broker has never seen is refused as a likely typo unless --new says otherwise.
import type { JobEnvelope } from '@conveyor/core';
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
  const enqueue = async (queue: string, count: number) => {
    const envelopes: JobEnvelope[] = [];
    for (let i = 0; i < count; i++) envelopes.push(makeEnvelope(queue, { task: 'mail.send' }));
    await conn.transport.enqueue(envelopes.map((envelope) => ({ envelope })));
  };
  const paused = async (queues: string[]) =>
    (await conn.transport.admin.queueCounts(queues)).map((row) => row.paused === true);
  return { prefix, args, enqueue, paused, ...conn };
}

describe('conveyor pause and resume', () => {
  it('pauses a queue, which status marks, and resumes it; repeats say so', async () => {
    const env = await setup();
    try {
      await env.enqueue('mail', 2);
      await env.enqueue('orders', 1);
      const paused = await cli(['pause', 'mail', ...env.args]);
      expect(paused.code).toBe(0);
      expect(paused.stdout).toContain('Paused queue mail: workers take none of its jobs until');
      expect(paused.stdout).toContain(`conveyor resume mail --redis ${redis.url}`);
      expect(await env.paused(['mail', 'orders'])).toEqual([true, false]);
      // The transport refuses nothing to a paused queue's producers.
      await env.enqueue('mail', 1);

      const status = await cli(['status', ...env.args]);
      expect(status.stdout).toMatch(/^mail \(paused\)\s+3\s/m);
      expect(status.stdout).toMatch(/^orders\s+1\s/m);
      expect(status.stdout).toContain('Paused: mail. Workers take none of its jobs until');
      const snapshot = json<{ queues: Array<{ queue: string; paused?: boolean }> }>(
        await cli(['status', '--json', ...env.args]),
      );
      expect(snapshot.queues.map((q) => [q.queue, q.paused ?? false])).toEqual([
        ['mail', true],
        ['orders', false],
      ]);

      expect((await cli(['pause', 'mail', ...env.args])).stdout).toBe(
        'Queue mail was paused already.\n',
      );
      const resumed = await cli(['resume', 'mail', '--json', ...env.args]);
      expect(json(resumed)).toEqual({ queue: 'mail', paused: false, changed: ['mail'] });
      expect(await env.paused(['mail'])).toEqual([false]);
      expect((await cli(['resume', 'mail', ...env.args])).stdout).toBe(
        'Queue mail was not paused.\n',
      );
      expect((await cli(['status', ...env.args])).stdout).not.toContain('paused');
    } finally {
      await env.close();
    }
  });

  it('pauses every partition of a partitioned queue, those without a job yet too', async () => {
    const env = await setup();
    try {
      // Only partition 1 of 3 has held a job.
      await env.enqueue('mail~1of3', 2);
      const paused = await cli(['pause', 'mail', '--json', ...env.args]);
      const all = ['mail~0of3', 'mail~1of3', 'mail~2of3'];
      // The plain name too: every worker of the queue reads it, where a producer that does
      // not know the partitions puts its jobs. Before, it was left running.
      const targets = ['mail', ...all];
      expect(json(paused)).toEqual({
        queue: 'mail',
        paused: true,
        changed: targets,
        partitions: targets,
      });
      expect(await env.paused(targets)).toEqual([true, true, true, true]);
      expect((await cli(['status', ...env.args])).stdout).toMatch(
        /^mail \(3 partitions\) \(paused\)\s+2\s/m,
      );
      // The plain name the pause stored holds nothing: no command mentions it.
      expect((await cli(['dead', 'mail', ...env.args])).stdout).toBe(
        'Queue mail (3 partitions) has no dead jobs.\n',
      );

      // One partition alone, by its name.
      expect((await cli(['resume', 'mail~2of3', ...env.args])).stdout).toBe(
        'Resumed queue mail~2of3: workers take its jobs again.\n',
      );
      expect(await env.paused(all)).toEqual([true, true, false]);
      expect((await cli(['status', ...env.args])).stdout).toMatch(
        /^mail \(3 partitions, 2 paused\)\s+2\s/m,
      );
    } finally {
      await env.close();
    }
  });

  it('status names the partition paused, not its whole queue, when one partition is', async () => {
    const env = await setup();
    try {
      await env.enqueue('mail~0of4', 1);
      await env.enqueue('mail~1of4', 2);
      expect((await cli(['pause', 'mail~1of4', ...env.args])).code).toBe(0);
      const status = await cli(['status', ...env.args]);
      expect(status.stdout).toMatch(/^mail \(4 partitions, 1 paused\)\s+3\s/m);
      // Before: "Paused: mail. Workers take none of its jobs", as if the whole queue were.
      expect(status.stdout).toContain('Paused: mail~1of4. Workers take none of its jobs until');
      expect(status.stdout).not.toContain('Paused: mail.');
    } finally {
      await env.close();
    }
  });

  it('refuses a queue the broker has never seen unless --new, which pauses it (with --partitions, each partition)', async () => {
    const env = await setup();
    try {
      await env.enqueue('mail', 1);
      const typo = await cli(['pause', 'mial', ...env.args]);
      expect(typo.code).toBe(2);
      expect(typo.stderr).toContain('No queue named "mial" has held a job or has a worker');
      expect(typo.stderr).toContain('did you mean mail?');
      expect(typo.stderr).toContain('Nothing was paused.');
      expect(await env.paused(['mial'])).toEqual([false]);
      expect(await env.transport.admin.listQueues()).toEqual(['mail']);

      const fresh = await cli([
        'pause',
        'reports',
        '--new',
        '--partitions',
        '2',
        '--json',
        ...env.args,
      ]);
      expect(fresh.code).toBe(0);
      // Its partitions, and its plain name, which every worker of the queue reads too.
      expect(json(fresh)).toMatchObject({ changed: ['reports', 'reports~0of2', 'reports~1of2'] });
      await env.enqueue('reports~1of2', 1);
      expect(
        await env.transport.reserve({
          queues: ['reports~1of2'],
          max: 1,
          leaseMs: 1_000,
          consumer: 't',
        }),
      ).toEqual([]);
    } finally {
      await env.close();
    }
  });

  it('refuses to resume a name never seen, and a --partitions count the queue is not stored in', async () => {
    const env = await setup();
    try {
      await env.enqueue('mail~1of4', 1);
      // Before: "Queue mial was not paused.", exit 0, which reads as all clear.
      const typo = await cli(['resume', 'mial', ...env.args]);
      expect(typo.code).toBe(2);
      expect(typo.stderr).toContain('No queue named "mial" has held a job or has a worker');
      expect(typo.stderr).toContain('Nothing was resumed: check the name, and --redis/--prefix.');

      // Before: 8 partition names paused and listed for good beside the 4 in use.
      const wrong = await cli(['pause', 'mail', '--partitions', '8', ...env.args]);
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toContain(
        'Queue "mail" is stored in 4 partitions, not 8: --partitions 8 would pause 8 partition names that nothing uses',
      );
      expect(await env.transport.admin.listQueues()).toEqual(['mail~1of4']);
      expect((await cli(['pause', 'mail', '--partitions', '4', ...env.args])).code).toBe(0);
      expect(await env.paused(['mail~0of4', 'mail~3of4'])).toEqual([true, true]);
    } finally {
      await env.close();
    }
  });

  it('--new on a plain name says that partitions need --partitions', async () => {
    const env = await setup();
    try {
      const fresh = await cli(['pause', 'parts', '--new', ...env.args]);
      expect(fresh.code).toBe(0);
      expect(fresh.stderr).toBe(
        'note: if the tasks of "parts" declare partitions, pause it with --partitions <n> too: only its plain name is paused now, and a partition\'s jobs would run.\n',
      );
      // Once the queue is known, a pause says nothing more.
      expect((await cli(['pause', 'parts', ...env.args])).stderr).toBe('');
    } finally {
      await env.close();
    }
  });
});
