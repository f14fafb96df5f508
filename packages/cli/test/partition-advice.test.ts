// A partitioned queue whose producer and workers disagree on the partition count: what
// `status` advises, and what `purge --dry-run --json` counts per partition.
import type { JobEnvelope } from '@conveyor/core';
import { makeEnvelope } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { buryNext, cli, json, producerSetup, usePrivateRedis } from './helpers.js';

const redis = usePrivateRedis();

async function setup() {
  const env = producerSetup(redis.url);
  const enqueue = async (queue: string, count: number, delayMs?: number) => {
    const envelopes: JobEnvelope[] = [];
    for (let i = 0; i < count; i++) envelopes.push(makeEnvelope(queue, { task: 'pq.run' }));
    await env.transport.enqueue(
      envelopes.map((envelope) => ({ envelope, ...(delayMs ? { delayMs } : {}) })),
    );
  };
  return { ...env, enqueue };
}

describe('conveyor status: partitions of two counts', () => {
  it('suggests reading the count whose partitions hold the jobs, not the lowest', async () => {
    const env = await setup();
    try {
      // The producer uses 3 partitions: 20 waiting and 10 delayed jobs there. A worker of 2
      // read its partitions (one job each, dead now): nothing waits in them.
      for (const p of [0, 1, 2]) await env.enqueue(`pq~${p}of3`, p === 2 ? 6 : 7);
      await env.enqueue('pq~1of3', 10, 60_000);
      for (const p of [0, 1]) {
        await env.enqueue(`pq~${p}of2`, 1);
        await buryNext(env.transport, `pq~${p}of2`);
      }
      const human = await cli(['status', ...env.args]);
      expect(human.code).toBe(0);
      // Before: `conveyor worker --queues pq,pq~0of2,pq~1of2`, the count already read.
      expect(human.stdout).toContain(
        `The partitions of 3 hold its jobs to run (30 waiting, delayed or active; 0 in those of 2): name them to read them (queues: ['pq', ...partitionNames('pq', 3)], or \`conveyor worker --queues pq,pq~0of3,pq~1of3,pq~2of3 ${env.args.join(' ')}\`).`,
      );
    } finally {
      await env.close();
    }
  });
});

describe('conveyor purge --dry-run --json of a partitioned queue', () => {
  it("adds each partition's share, as the purge's --json does", async () => {
    const env = await setup();
    try {
      await env.enqueue('pq~0of3', 2);
      await env.enqueue('pq~2of3', 1, 60_000);
      await env.enqueue('pq~2of3', 1);
      await buryNext(env.transport, 'pq~2of3');
      // Before: {"queue":"pq","dryRun":true,"waiting":2,"delayed":1}, no partitions.
      const dry = await cli(['purge', 'pq', '--dry-run', '--json', ...env.args]);
      expect(dry.code).toBe(0);
      expect(json(dry)).toEqual({
        queue: 'pq',
        dryRun: true,
        waiting: 2,
        delayed: 1,
        partitions: [
          { queue: 'pq~0of3', waiting: 2, delayed: 0 },
          { queue: 'pq~2of3', waiting: 0, delayed: 1 },
        ],
      });
      const withDead = await cli(['purge', 'pq', '--dead', '--dry-run', '--json', ...env.args]);
      expect(json<{ partitions: unknown[] }>(withDead).partitions).toEqual([
        { queue: 'pq~0of3', waiting: 2, delayed: 0, dead: 0 },
        { queue: 'pq~2of3', waiting: 0, delayed: 1, dead: 1 },
      ]);
      // The same partitions, in the same order, as the purge reports.
      const purged = await cli(['purge', 'pq', '--dead', '--yes', '--json', ...env.args]);
      expect(json<{ partitions: unknown[] }>(purged).partitions).toEqual([
        { queue: 'pq~0of3', purged: 2, dead: 0 },
        { queue: 'pq~2of3', purged: 1, dead: 1 },
      ]);
      // A plain queue has none, in either.
      await env.enqueue('plain', 1);
      const plain = await cli(['purge', 'plain', '--dry-run', '--json', ...env.args]);
      expect(json(plain)).toEqual({ queue: 'plain', dryRun: true, waiting: 1, delayed: 0 });
    } finally {
      await env.close();
    }
  });
});
