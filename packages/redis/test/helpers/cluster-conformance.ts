import { silentLogger } from '@conveyor/core';
import type { ConformanceGroup, ConformanceOptions } from '@conveyor/core/testing';
import { Cluster } from 'ioredis';
import { afterAll, inject } from 'vitest';
import { type RedisTransport, redisTransport } from '../../src/index.js';
import { filePrefix, registerConformance } from './conformance-parts.js';

/**
 * Registers these conformance groups against the run's shared 3-master Redis Cluster
 * (helpers/shared-servers.ts); queues land in different slots. Each file has its own key
 * prefix, as in standalone-conformance.ts (a Cluster's PUBLISH reaches every node).
 */
export function clusterConformance(
  groups: readonly ConformanceGroup[],
  queueName?: ConformanceOptions['queueName'],
): void {
  const startupNodes = inject('sharedClusterNodes');
  const clients: Cluster[] = [];
  afterAll(() => {
    for (const client of clients.splice(0)) client.disconnect();
  });

  const prefix = filePrefix();
  const open = () => {
    const client = new Cluster(startupNodes, {
      lazyConnect: true,
      redisOptions: { maxRetriesPerRequest: 10 },
    });
    clients.push(client);
    return removingOnComplete(
      redisTransport({ client, prefix, logger: silentLogger, packLeasedFrom: 1 }),
    );
  };

  // 500 ms: a fresh cluster client's first call maps the slots and loads the script on its
  // node; under the whole `pnpm test` on a slow 2-core VM that once overran 250 ms in a
  // "returns at once" check.
  registerConformance(
    'redis cluster, reserving for removeOnComplete',
    open,
    groups,
    500,
    queueName,
  );
}

/**
 * Makes every reserve as a worker whose tasks all set `removeOnComplete` makes it, so that
 * the cluster runs check every rule with leased jobs left packed (packed-job.lua) and the
 * standalone runs without: the same scripts either way, on two topologies.
 */
function removingOnComplete(transport: RedisTransport): RedisTransport {
  const reserve = transport.reserve.bind(transport);
  transport.reserve = (request) => reserve({ ...request, removeOnComplete: request.queues });
  return transport;
}
