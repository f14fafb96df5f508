import { silentLogger } from '@conveyor/core';
import type { ConformanceGroup, ConformanceOptions } from '@conveyor/core/testing';
import { inject } from 'vitest';
import { redisTransport } from '../../src/index.js';
import { registerConformance } from './conformance-parts.js';

/**
 * Registers these conformance groups against the run's shared redis-server
 * (helpers/shared-servers.ts); every test uses its own queue names.
 */
export function standaloneConformance(
  groups: readonly ConformanceGroup[],
  queueName?: ConformanceOptions['queueName'],
): void {
  const url = inject('sharedRedisUrl');
  const open = () => redisTransport({ url, logger: silentLogger });
  registerConformance('redis', open, groups, 250, queueName);
}
