import path from 'node:path';
import {
  type AnySchedule,
  type AnyWorkflow,
  ConveyorError,
  DEFAULT_QUEUE,
  isSchedule,
  type Logger,
  type TaskRegistry,
} from '@conveyor/core';
import {
  createWorker,
  createWorkerLogger,
  installSignalHandlers,
  loadTaskModule,
  type MetricsServer,
  serveMetrics,
  TaskModuleError,
  type Worker,
  type WorkerOptions,
  workflowsIn,
} from '@conveyor/worker';
import { registryFromConfig, staleNote } from '../config-registry.js';
import { type Connection, describeOrigin, open } from '../connection.js';
import { CliError } from '../errors.js';
import { importModule } from '../import-module.js';
import { listenFailure } from '../listen-failure.js';
import type { Io } from '../output.js';
import type { TransportSource } from '../transport-source.js';
import { version } from '../version.js';
import { workerHandlersInstalled } from '../worker-signals.js';
import { openWhenReachable } from './wait-for-broker.js';
import {
  definitions,
  partitionWarnings,
  planWorker,
  queueWarnings,
  type WorkerCommandOptions,
  type WorkerPlan,
} from './worker-plan.js';

export type { WorkerCommandOptions } from './worker-plan.js';

/**
 * `conveyor worker`: loads the tasks, connects, prints the start-up banner and runs until
 * SIGTERM/SIGINT (graceful; a second signal stops at once) or `signal` aborts (graceful;
 * `runCli`'s signal, for a program that runs the CLI in-process). Resolves once stopped.
 */
export async function runWorker(
  source: TransportSource,
  options: WorkerCommandOptions,
  io: Io,
  signal?: AbortSignal,
): Promise<void> {
  const retention =
    options.resultTtlMs !== undefined
      ? '--result-ttl-ms'
      : options.maxFinished !== undefined
        ? '--max-finished'
        : undefined;
  if (source.kind === 'config' && retention) {
    throw new CliError(
      'USAGE',
      `${retention} sets up the Redis transport the CLI makes from --redis, but the transport comes from ${source.config.label}: set it in its transport function (redisTransport's defaultResultTtlMs, maxFinishedPerQueue), or pass --redis <url>.`,
    );
  }
  const fromConfig =
    options.tasks === undefined ? await registryFromConfig(options.config, io.cwd) : undefined;
  const modulePath = options.tasks ?? (fromConfig?.path as string);
  // The stack of a module that threw on import: with --log-level debug, as CONVEYOR_DEBUG.
  const stack = ['debug', 'trace'].includes(options.logLevel) || Boolean(io.env.CONVEYOR_DEBUG);
  const { registry, schedules, workflows } = await loadTasks(modulePath, io.cwd, stack);
  const file = path.resolve(io.cwd, modulePath);
  // Aborted while the tasks loaded: nothing connects, nothing is registered.
  if (signal?.aborted) {
    io.stderr(stoppedLine({ completed: 0, failed: 0, dead: 0, retried: 0, cancelled: 0 }));
    return;
  }
  // The log is stdout: text for a person at a terminal, JSON for whatever reads a pipe. A
  // container given a TTY (docker run -t) whose log a collector reads sets the variable.
  const fromEnv = io.env.CONVEYOR_LOG_FORMAT || undefined; // set empty: as unset
  if (fromEnv !== undefined && fromEnv !== 'json' && fromEnv !== 'text') {
    throw new CliError(
      'USAGE',
      `CONVEYOR_LOG_FORMAT is ${JSON.stringify(fromEnv)}: expected json or text (or leave it unset: text on a terminal, json otherwise).`,
    );
  }
  const format = options.logFormat ?? fromEnv ?? (process.stdout.isTTY ? 'text' : 'json');
  const logger = createWorkerLogger({ level: options.logLevel, format });
  const plan = planWorker(options, { registry, schedules, workflows, file });
  const opened = await openWhenReachable(
    () => openWorker(source, plan, logger),
    options.waitForBroker ?? 0,
    io,
    signal,
  );
  // Stopped while it waited for the broker: nothing was registered.
  if (!opened) {
    io.stderr(stoppedLine({ completed: 0, failed: 0, dead: 0, retried: 0, cancelled: 0 }));
    return;
  }
  const { connection, worker, metrics } = opened;
  const removeHandlers = installSignalHandlers(worker, { logger });
  workerHandlersInstalled();
  const stopOnAbort = () => {
    worker.stop().catch((error: unknown) => logger.error({ err: error }, 'stop failed'));
  };
  signal?.addEventListener('abort', stopOnAbort, { once: true });
  const stopped = worker.start();
  // Aborted while the transport opened: the listener never fires.
  if (signal?.aborted) stopOnAbort();
  const stats = worker.stats();
  const banner = [
    `conveyor worker ${version()}`,
    connection.origin.kind === 'redis'
      ? `  redis        ${describeOrigin(connection)}`
      : `  transport    ${describeOrigin(connection)}`,
    `  worker       ${worker.id}`,
    `  queues       ${workerQueues(plan.worker, registry)}`,
  ];
  const partitioned = partitionSummary(options.partitions, registry);
  if (partitioned) banner.push(`  partitions   ${partitioned}`);
  for (const warning of [
    ...queueWarnings(options.queues, registry),
    ...partitionWarnings(options.partitions, registry, options.queues),
  ]) {
    banner.push(`  warning      ${warning}`);
  }
  banner.push(
    `  concurrency  ${stats.concurrency} (prefetch ${options.prefetch ?? 0})`,
    `  tasks        ${registry.names().join(', ')} (${registry.names().length}, from ${options.tasks ?? fromConfig?.registryLabel})`,
  );
  if (schedules.length > 0) {
    const ids = schedules.map((schedule) => schedule.id).sort();
    banner.push(`  schedules    ${ids.join(', ')} (${ids.length})`);
  }
  if (workflows.length > 0) {
    const names = workflows.map((workflow) => workflow.name).sort();
    banner.push(`  workflows    ${names.join(', ')} (${names.length})`);
  }
  if (plan.worker.removeOnComplete) {
    banner.push('  completed    deleted at once, for tasks that do not say (--remove-on-complete)');
  }
  if (plan.sandboxed) {
    banner.push(
      `  sandbox      ${options.sandboxAll ? 'every task' : 'tasks marked sandbox: true'} (child processes)`,
    );
  }
  if (metrics) {
    // The port bound, not the one asked for: --metrics-port 0 takes any free one.
    banner.push(
      `  metrics      ${plan.metrics?.host ?? '0.0.0.0'}:${metrics.port} (/metrics, /healthz)`,
    );
  }
  if (fromConfig?.stale.length) banner.push(`  warning      ${staleNote(fromConfig)}`);
  banner.push('Ready. SIGTERM or Ctrl-C stops gracefully; a second signal stops at once.');
  for (const line of banner) io.stderr(line);
  try {
    await stopped;
  } finally {
    removeHandlers();
    signal?.removeEventListener('abort', stopOnAbort);
    await metrics?.close();
    await connection.close();
  }
  io.stderr(stoppedLine(worker.stats().totals));
}

/**
 * The command's last line: what the worker did before it stopped, counted as `worker.stats()`,
 * its metrics and its `worker stopped` log line count: "failed" is a job that failed for good
 * without being dead-lettered, "dead-lettered" one moved to the dead-letter set (the usual end
 * of a job that failed for good), each said apart, so that the line and the log agree.
 */
function stoppedLine(totals: {
  completed: number;
  failed: number;
  dead: number;
  retried: number;
  cancelled: number;
  released?: number;
}): string {
  const dead = totals.dead > 0 ? `, ${totals.dead} dead-lettered` : '';
  const cancelled = totals.cancelled > 0 ? `, ${totals.cancelled} cancelled` : '';
  // Jobs it held and gave back (running past the grace period, or taken ahead and not
  // started): the line said "0 completed, 0 failed" as if there had been none.
  const released = totals.released
    ? `, ${totals.released} given back to their queue${totals.released === 1 ? '' : 's'} unfinished`
    : '';
  return `Stopped: ${totals.completed} completed, ${totals.failed} failed${dead}, ${totals.retried} retried${cancelled}${released}.`;
}

/**
 * Opens the transport and creates the worker (not started), both with `logger`: a Redis
 * transport made here warns through it (an evicting maxmemory-policy). Serves the worker's
 * metrics when the plan asks; the caller closes that server once the worker stopped. A bad
 * option is a usage error, and the connection is closed.
 */
export async function openWorker(
  source: TransportSource,
  plan: WorkerPlan,
  logger: Logger,
): Promise<{ connection: Connection; worker: Worker; metrics?: MetricsServer }> {
  const connection = await open(source, 'worker', {
    logger,
    retention: plan.retention,
    onSlow: (message) => logger.warn(message),
  });
  try {
    const worker = createWorker({ ...plan.worker, transport: connection.transport, logger });
    if (!plan.metrics) return { connection, worker };
    return { connection, worker, metrics: await serveMetrics(worker, plan.metrics) };
  } catch (error) {
    await connection.close();
    if (error instanceof ConveyorError && error.code === 'INVALID_OPTION') {
      throw new CliError('USAGE', error.message, { cause: error });
    }
    if (plan.metrics && (error as NodeJS.ErrnoException).syscall === 'listen') {
      const { host = '0.0.0.0', port } = plan.metrics;
      const why = listenFailure(error as Error, host, '--metrics-port', '--metrics-host');
      throw new CliError('FAILED', `Cannot serve metrics on ${host}:${port}: ${why}`, {
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * The task module's registry, through the worker's loader, and the schedules and workflows
 * the same module exports ({@link schedulesIn}, `workflowsIn`); a failure exits with code 6.
 */
async function loadTasks(
  modulePath: string,
  cwd: string,
  stack: boolean,
): Promise<{ registry: TaskRegistry; schedules: AnySchedule[]; workflows: AnyWorkflow[] }> {
  let namespace: unknown;
  let registry: TaskRegistry;
  try {
    registry = await loadTaskModule(modulePath, {
      cwd,
      importModule: async (url) => {
        namespace = await importModule(url);
        return namespace;
      },
    });
  } catch (error) {
    if (error instanceof TaskModuleError) {
      throw new CliError('TASKS_LOAD_FAILED', withStack(error, stack), { cause: error });
    }
    throw error;
  }
  const exports = namespace as Record<string, unknown>;
  let workflows: AnyWorkflow[];
  try {
    workflows = workflowsIn(exports, modulePath);
  } catch (error) {
    if (error instanceof TaskModuleError) {
      throw new CliError('TASKS_LOAD_FAILED', error.message, { cause: error });
    }
    throw error;
  }
  return { registry, schedules: schedulesIn(exports, modulePath), workflows };
}

/**
 * `error`'s message, and when `stack`, the stack of the error the module threw on import
 * on the lines after it; else, when there is one, how to see it.
 */
function withStack(error: TaskModuleError, stack: boolean): string {
  const thrown = error.cause instanceof Error ? error.cause.stack : undefined;
  if (!thrown || !error.message.includes(' could not be imported: ')) return error.message;
  if (stack) return `${error.message}\n${thrown}`;
  return `${error.message.replace(/\.$/, '')}. For the stack, run it again with --log-level debug.`;
}

/**
 * The schedules a task module exports, found as its tasks are: its `schedules` export (a list
 * or record of defineSchedule results, as the codegen registry writes it), else the default
 * export's `schedules`, else every exported schedule.
 */
export function schedulesIn(namespace: Record<string, unknown>, modulePath: string): AnySchedule[] {
  const fromDefault = (namespace.default as { schedules?: unknown } | null | undefined)?.schedules;
  for (const [name, value] of [
    ['schedules', namespace.schedules],
    ['default.schedules', fromDefault],
  ] as const) {
    if (value === undefined) continue;
    const list = typeof value === 'object' && value !== null ? Object.values(value) : undefined;
    if (list === undefined || isSchedule(value) || !list.every(isSchedule)) {
      throw new CliError(
        'TASKS_LOAD_FAILED',
        `Task module ${modulePath} exports \`${name}\`, but it is not a list or record of defineSchedule results. Export the schedules themselves, or a list of them.`,
      );
    }
    return list as AnySchedule[];
  }
  return [...new Set(Object.values(namespace).filter(isSchedule))];
}

function workerQueues(options: Pick<WorkerOptions, 'queues'>, registry: TaskRegistry): string {
  if (options.queues) return options.queues.join(', ');
  const queues = new Set(definitions(registry).map((task) => task.queue ?? DEFAULT_QUEUE));
  return `${[...queues].sort().join(', ')} (from the tasks)`;
}

/**
 * The partitioned queues, for the banner: `--partitions` counts, then those the tasks
 * declare (`emails=8, reports=4 (--partitions); orders=16 (from the tasks)`); empty for none.
 */
function partitionSummary(
  configured: Readonly<Record<string, number>> | undefined,
  registry: TaskRegistry,
): string {
  const list = (counts: Iterable<[string, number]>) =>
    [...counts]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([queue, count]) => `${queue}=${count}`)
      .join(', ');
  const fromFlag = Object.entries(configured ?? {});
  const declared = new Map<string, number>();
  for (const task of definitions(registry)) {
    const queue = task.queue ?? DEFAULT_QUEUE;
    if ((task.partitions ?? 1) <= 1 || Object.hasOwn(configured ?? {}, queue)) continue;
    declared.set(queue, task.partitions as number);
  }
  const parts: string[] = [];
  if (fromFlag.length > 0) parts.push(`${list(fromFlag)} (--partitions)`);
  if (declared.size > 0) parts.push(`${list(declared)} (from the tasks)`);
  return parts.join('; ');
}
