import { silentLogger } from '@conveyor/core';
import type { ConformanceGroup, ConformanceOptions } from '@conveyor/core/testing';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { redisTransport } from '../../src/index.js';
import { registerConformance } from './conformance-parts.js';
import { type RedisCluster, startRedisCluster } from './redis-cluster.js';

/** Registers these conformance groups against a private 3-master Redis Cluster for the calling file. */
export function clusterConformance(
  groups: readonly ConformanceGroup[],
  queueName?: ConformanceOptions['queueName'],
): void {
  // A private 3-master cluster for the whole file; queues land in different slots.
  let cluster: RedisCluster;
  const clients: Cluster[] = [];
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
  });
  afterAll(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    await cluster?.stop();
  });

  const open = () => {
    const client = new Cluster(cluster.startupNodes, {
      lazyConnect: true,
      redisOptions: { maxRetriesPerRequest: 10 },
    });
    clients.push(client);
    return redisTransport({ client, logger: silentLogger });
  };

  // 500 ms: a fresh cluster client's first call maps the slots and loads the script on its
  // node; under the whole `pnpm test` on a slow 2-core VM that once overran 250 ms in a
  // "returns at once" check.
  registerConformance('redis cluster', open, groups, 500, queueName);
}
