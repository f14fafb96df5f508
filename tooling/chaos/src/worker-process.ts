/**
 * A real worker process for the chaos scenarios: `createWorker` on `redisTransport`,
 * with `installSignalHandlers`, exactly as an application runs it. Spawned by
 * `fleet.ts` with its settings in the `CHAOS_WORKER` environment variable.
 */
import { redisTransport } from '@conveyor/redis';
import { createWorker, installSignalHandlers } from '@conveyor/worker';
import { Cluster } from 'ioredis';
import { pino } from 'pino';
import { openLedger } from './ledger.js';
import { FORK_EXEC_ARGV, suiteModule } from './runtime.js';
import { chaosTasks } from './tasks.js';
import type { WorkerSettings } from './worker-settings.js';
import { chaosWorkflow } from './workflow-tasks.js';

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
// The workflow scenarios' workers also run chaos.workflow; the others run as before.
const { tasks: workflowTasks, workflow } = chaosWorkflow(ledger, settings.ledgerDir);
const worker = createWorker({
  transport: settings.workflows ? withClaimsLogged(transport) : transport,
  tasks: [
    ...chaosTasks(ledger, { sandboxPoison: settings.sandboxPoison }),
    ...(settings.workflows ? workflowTasks : []),
  ],
  ...(settings.workflows && { workflows: [workflow] }),
  queues: settings.queues,
  concurrency: settings.concurrency,
  prefetch: settings.prefetch,
  leaseMs: settings.leaseMs,
  reserveWaitMs: settings.reserveWaitMs,
  shutdownGraceMs: settings.shutdownGraceMs,
  ...(settings.sandboxPoison && {
    sandbox: {
      module: suiteModule('sandbox-tasks'),
      execArgv: [...FORK_EXEC_ARGV],
    },
  }),
  logger: pino({ level: 'warn', base: { pid } }),
});
worker.on((event) => {
  if (event.type === 'staleSettles') ledger.write('stale', event.jobId, pid);
  else if (event.type === 'leasesLost') ledger.write('leaselost', event.jobId, pid);
});
installSignalHandlers(worker);

/**
 * The transport, with every `workflows.claim` (and `claimMany`) answer written to the ledger
 * with the time the call was sent: a claim sent after a cancel returned, and granted, is a step started after
 * the cancel (the cancel scenario counts them).
 */
function withClaimsLogged(inner: typeof transport): typeof transport {
  async function claim(...args: Parameters<typeof inner.workflows.claim>) {
    const [id, address] = args;
    const sentAt = Date.now();
    const outcome = await inner.workflows.claim(...args);
    ledger.write('claim', id, address.step, address.child ?? -1, outcome, sentAt);
    return outcome;
  }
  async function claimMany(...args: Parameters<typeof inner.workflows.claimMany>) {
    const [id, addresses] = args;
    const sentAt = Date.now();
    const outcomes = await inner.workflows.claimMany(...args);
    addresses.forEach((address, i) => {
      ledger.write('claim', id, address.step, address.child ?? -1, outcomes[i] ?? '?', sentAt);
    });
    return outcomes;
  }
  const workflows = forward(forward(inner.workflows, 'claim', claim), 'claimMany', claimMany);
  return forward(inner, 'workflows', workflows);
}

/** `target` with `key` replaced by `value`; its other methods stay bound to it. */
function forward<T extends object>(target: T, key: keyof T, value: unknown): T {
  return new Proxy(target, {
    get(object, name) {
      if (name === key) return value;
      const found = Reflect.get(object, name);
      return typeof found === 'function' ? found.bind(object) : found;
    },
  });
}
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
