import { silentLogger } from '@conveyor/core';
import type { ConformanceGroup, ConformanceOptions } from '@conveyor/core/testing';
import { inject } from 'vitest';
import { redisTransport } from '../../src/index.js';
import { filePrefix, registerConformance } from './conformance-parts.js';

/**
 * Registers these conformance groups against the run's shared redis-server
 * (helpers/shared-servers.ts); every test uses its own queue names, and every file its own
 * key prefix: a prefix's cancel channel reaches every transport of that prefix on the server,
 * so with one prefix a file's onCancel listeners heard the cancels another file made.
 */
export function standaloneConformance(
  groups: readonly ConformanceGroup[],
  queueName?: ConformanceOptions['queueName'],
): void {
  const url = inject('sharedRedisUrl');
  const prefix = filePrefix();
  const open = () => redisTransport({ url, prefix, logger: silentLogger });
  registerConformance('redis', open, groups, 250, queueName);
}
