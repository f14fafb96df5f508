import { silentLogger } from '@conveyor/core';
import type { ConformanceGroup, ConformanceOptions } from '@conveyor/core/testing';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { afterAll, beforeAll } from 'vitest';
import { redisTransport } from '../../src/index.js';
import { registerConformance } from './conformance-parts.js';

/** Registers these conformance groups against one private redis-server for the calling file. */
export function standaloneConformance(
  groups: readonly ConformanceGroup[],
  queueName?: ConformanceOptions['queueName'],
): void {
  // One private server for the whole file; every test uses its own queue names.
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis?.stop());

  const open = () => redisTransport({ url: redis.url, logger: silentLogger });

  registerConformance('redis', open, groups, 250, queueName);
}
