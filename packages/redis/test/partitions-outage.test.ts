import { silentLogger } from '@conveyor/core';
import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { partitionNames } from '@conveyor/core/transport';
import { type RedisCluster, sendCommand, startRedisCluster } from '@conveyor/test-redis';
import { Cluster } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { queueSlot, redisTransport } from '../src/index.js';

// A private 3-master cluster of its own: the test kills one of its masters.
let cluster: RedisCluster | undefined;
const clients: Cluster[] = [];
afterAll(async () => {
  for (const client of clients) client.disconnect();
  await cluster?.stop();
});

describe('a partitioned queue with one master down', () => {
  it('reserves from the partitions on the masters that are up, and says which it left out', async () => {
    cluster = await startRedisCluster({ masters: 3 });
    const client = new Cluster(cluster.startupNodes, {
      lazyConnect: true,
      redisOptions: { maxRetriesPerRequest: 2 },
    });
    clients.push(client);
    const failing: string[] = [];
    const infos: string[] = [];
    const transport = redisTransport({
      client,
      logger: {
        ...silentLogger,
        warn: (_fields: unknown, message?: string) => failing.push(String(message)),
        info: (_fields: unknown, message?: string) => infos.push(String(message)),
      },
    });
    const names = partitionNames(uniqueQueue('outage'), 3);
    await transport.enqueue(
      names.flatMap((queue) =>
        Array.from({ length: 5 }, (_, index) => ({
          envelope: makeEnvelope(queue, { input: { index } }),
        })),
      ),
    );
    // The master serving the last partition's slot.
    const slots = await client.cluster('SLOTS');
    const slot = queueSlot(names[2] as string);
    const port = slots.find(([first, last]) => slot >= first && slot <= last)?.[2]?.[1];
    const down = cluster.nodes.find((node) => node.port === port);
    if (!down) throw new Error(`no master for slot ${slot}`);
    // The others keep serving their slots while one master is gone (no replica takes over).
    for (const node of cluster.nodes) {
      if (node !== down)
        await sendCommand(node.port, ['CONFIG', 'SET', 'cluster-require-full-coverage', 'no']);
    }
    await down.kill();
    const reserved = await transport.reserve({
      queues: names,
      max: 100,
      leaseMs: 60_000,
      consumer: 'outage',
    });
    // Before: the down partition's failure failed the whole call, giving back the others' jobs.
    const byQueue = new Map<string, number>();
    for (const { envelope } of reserved) {
      byQueue.set(envelope.queue, (byQueue.get(envelope.queue) ?? 0) + 1);
    }
    expect(Object.fromEntries(byQueue)).toEqual({
      [names[0] as string]: 5,
      [names[1] as string]: 5,
    });
    expect(failing.join('\n')).toContain(names[2]);
    // A reserve of the down partition alone still fails, as before, for the caller to see.
    // Its error names the partition and its slot: a command over several partitions (conveyor
    // dead) failed saying only that a node went away.
    await expect(
      transport.reserve({ queues: [names[2] as string], max: 1, leaseMs: 1_000, consumer: 'c' }),
    ).rejects.toMatchObject({
      code: 'TRANSPORT_ERROR',
      message: expect.stringContaining(
        `[conveyor] [redis] reserve of queue ${JSON.stringify(names[2])} (hash slot ${slot})`,
      ),
    });

    // The master back (empty: it kept nothing on disk): its partition answers a reserve
    // again, and the log says so once.
    await down.restart();
    const about = (lines: string[]) => lines.filter((line) => line.includes(names[2] as string));
    await vi.waitFor(
      async () => {
        await transport.reserve({
          queues: names,
          max: 100,
          leaseMs: 60_000,
          consumer: 'outage',
          waitMs: 0,
        });
        expect(about(infos)).not.toEqual([]);
      },
      { timeout: 50_000, interval: 200 },
    );
    // Before: a warning per failed try (one a second) and no word when it answered again.
    // Now one, and a reminder only if the outage passed 30 s.
    expect(about(failing).filter((line) => !line.includes('still fails'))).toHaveLength(1);
    expect(about(infos)).toEqual([
      expect.stringMatching(/works again, after \d+ s and \d+ failed tr/),
    ]);
    await transport.close();
  }, 180_000);
});
