import type { Logger, Transport } from '@conveyor/core';
import { warnPausedQueues } from './paused-queues.js';
import { warnStalePartitions } from './stale-partitions.js';

/**
 * The broker checks a worker makes once at start-up, in the background: paused queues and
 * jobs left in partitions of another count. Each only logs, and none fails the worker.
 */
export async function checkAtStart(
  transport: Transport,
  queues: readonly string[],
  logger: Logger,
): Promise<void> {
  await Promise.all([
    warnPausedQueues(transport, queues, logger),
    warnStalePartitions(transport, queues, logger),
  ]);
}
