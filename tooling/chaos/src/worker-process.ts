/**
 * A real worker process for the chaos scenarios: `createWorker` on `redisTransport`,
 * with `installSignalHandlers`, exactly as an application runs it. Spawned by
 * `fleet.ts` with its settings in the `CHAOS_WORKER` environment variable.
 */
import { fileURLToPath } from 'node:url';
import { redisTransport } from '@conveyor/redis';
import { createWorker, installSignalHandlers } from '@conveyor/worker';
import { Cluster } from 'ioredis';
import { pino } from 'pino';
import { openLedger } from './ledger.js';
import { chaosTasks } from './tasks.js';
import type { WorkerSettings } from './worker-settings.js';

const settings = JSON.parse(process.env.CHAOS_WORKER ?? '{}') as WorkerSettings;
const ledger = openLedger(settings.ledgerDir, `worker-${process.pid}`);
const pid = process.pid;

process.on('uncaughtException', (error) => {
  ledger.write('crash', pid, `uncaughtException:${error.message.slice(0, 200)}`);
  process.exit(70);
});
process.on('unhandledRejection', (error) => {
  ledger.write('crash', pid, `unhandledRejection:${String(error).slice(0, 200)}`);
  process.exit(70);
});

const client = settings.cluster
  ? new Cluster(settings.cluster, { redisOptions: { maxRetriesPerRequest: 10 } })
  : undefined;
const transport = redisTransport({
  ...(client ? { client } : { url: settings.url }),
  prefix: settings.prefix,
  checkMaxmemoryPolicy: false,
});
const worker = createWorker({
  transport,
  tasks: chaosTasks(ledger, { sandboxPoison: settings.sandboxPoison }),
  queues: settings.queues,
  concurrency: settings.concurrency,
  prefetch: settings.prefetch,
  leaseMs: settings.leaseMs,
  reserveWaitMs: settings.reserveWaitMs,
  shutdownGraceMs: settings.shutdownGraceMs,
  ...(settings.sandboxPoison && {
    sandbox: {
      module: fileURLToPath(new URL('./sandbox-tasks.ts', import.meta.url)),
      execArgv: ['--conditions=@conveyor/source', '--import', 'tsx'],
    },
  }),
  logger: pino({ level: 'warn', base: { pid } }),
});
worker.on((event) => {
  if (event.type === 'staleSettles') ledger.write('stale', event.jobId, pid);
  else if (event.type === 'leasesLost') ledger.write('leaselost', event.jobId, pid);
});
installSignalHandlers(worker);
// The harness died: stop like on SIGTERM rather than linger.
process.on('disconnect', () => void worker.stop({ graceMs: 0 }));

const running = worker.start();
ledger.write('ready', pid);
process.send?.({ type: 'ready', pid });
await running;
await transport.close();
client?.disconnect();
ledger.write('exit', pid);
ledger.close();
process.exit(0);
