// A real worker process for the integration tests:
//   node --conditions=@conveyor/source --import tsx worker-entry.ts
// Configured by environment; prints `CONVEYOR_STATS <json>` once it has stopped.
import { redisTransport } from '@conveyor/redis';
import { pino } from 'pino';
import { createWorker, installSignalHandlers } from '../../src/index.js';
import { ledgerClient, tasks } from './tasks.js';

const env = process.env;
const number = (name: string, fallback: number): number =>
  env[name] === undefined ? fallback : Number(env[name]);

const transport = redisTransport({ url: env.CONVEYOR_TEST_REDIS });
const logger = pino({ level: 'info', base: { worker: env.CONVEYOR_TEST_WORKER } });
const worker = createWorker({
  transport,
  tasks,
  queues: (env.CONVEYOR_TEST_QUEUES ?? 'it-work').split(','),
  concurrency: number('CONVEYOR_TEST_CONCURRENCY', 4),
  leaseMs: number('CONVEYOR_TEST_LEASE_MS', 5_000),
  shutdownGraceMs: number('CONVEYOR_TEST_GRACE_MS', 10_000),
  reserveWaitMs: 500,
  id: env.CONVEYOR_TEST_WORKER,
  logger,
});
installSignalHandlers(worker, { logger });
await transport.ready();
await worker.start();
process.stdout.write(`CONVEYOR_STATS ${JSON.stringify(worker.stats())}\n`);
await transport.close();
ledgerClient().disconnect();
