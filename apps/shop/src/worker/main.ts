/**
 * A worker process for the shop's tasks (until the `conveyor worker` CLI takes over):
 *
 *   REDIS_URL=… DATABASE_URL=… SMTP_URL=… WAREHOUSE_URL=… WAREHOUSE_SECRET=… \
 *     node --conditions=@conveyor/source --import tsx src/worker/main.ts --queues emails,inventory
 */
import { parseArgs } from 'node:util';
import { redisTransport } from '@conveyor/redis';
import { createWorker, installSignalHandlers } from '@conveyor/worker';
import { pino } from 'pino';
import { tasks } from '../generated/registry.js';
import { closeServices } from '../services.js';
import { announceReady } from '../stack/service-process.js';

const HELP = `Usage: worker [--queues a,b] [--concurrency N] [--name NAME]

Runs the shop's tasks from Redis (REDIS_URL, key prefix CONVEYOR_PREFIX).
  --queues       queues to drain, in this order (default: every queue the tasks name)
  --concurrency  jobs at once (default 10)
  --name         worker id shown in logs and job records (default host:pid:random)
  --help         this text`;

const { values } = parseArgs({
  options: {
    queues: { type: 'string' },
    concurrency: { type: 'string', default: '10' },
    name: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const concurrency = Number(values.concurrency);
if (!Number.isInteger(concurrency) || concurrency < 1) {
  console.error(
    `--concurrency ${JSON.stringify(values.concurrency)}: give a whole number, 1 or more`,
  );
  process.exit(2);
}

const logger = pino({ name: values.name ?? 'shop-worker', level: process.env.LOG_LEVEL ?? 'info' });
const transport = redisTransport({
  url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  prefix: process.env.CONVEYOR_PREFIX ?? 'shop',
  logger,
});
await transport.ready();
const worker = createWorker({
  transport,
  tasks,
  concurrency,
  logger,
  shutdownGraceMs: 10_000,
  ...(values.queues && { queues: values.queues.split(',').map((queue) => queue.trim()) }),
  ...(values.name && { id: values.name }),
});
installSignalHandlers(worker, { logger });
// The parent died without a signal: stop as on SIGTERM.
process.once('disconnect', () => void worker.stop());
const running = worker.start();
announceReady({ id: worker.id, queues: values.queues ?? 'all' });
await running;
await closeServices();
await transport.close();
logger.flush();
// The IPC channel to a parent would keep the process alive.
process.exit(0);
