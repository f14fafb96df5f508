import { silentLogger } from '@conveyor/core';
import { type ConformanceGroup, runTransportConformance } from '@conveyor/core/testing';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { afterAll, beforeAll } from 'vitest';
import { redisTransport } from '../../src/index.js';

/** Registers these conformance groups against one private redis-server for the calling file. */
export function standaloneConformance(groups: readonly ConformanceGroup[]): void {
  // One private server for the whole file; every test uses its own queue names.
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis?.stop());

  const open = () => redisTransport({ url: redis.url, logger: silentLogger });

  runTransportConformance(
    'redis',
    {
      createTransport: open,
      createPeer: async () => {
        const peer = open();
        await peer.ready();
        return peer;
      },
      // Redis TIME and this process share the machine clock; a few ms of slack cover rounding.
      advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms === 0 ? 5 : ms + 5)),
      // 250 ms: rules such as "at once" and lease deadlines need slack when CI runs every
      // package's tests at the same time on two cores.
      timeUnitMs: 250,
    },
    { groups },
  );
}
