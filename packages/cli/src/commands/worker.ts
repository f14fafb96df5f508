import {
  type AnyTaskDefinition,
  ConveyorError,
  type Logger,
  type TaskRegistry,
} from '@conveyor/core';
import { createWorker, installSignalHandlers, type WorkerOptions } from '@conveyor/worker';
import { pino } from 'pino';
import { connect } from '../connection.js';
import { type ConnectionSettings, maskPassword } from '../connection-settings.js';
import { CliError } from '../errors.js';
import { type LoadedTasks, loadTasks } from '../load-tasks.js';
import type { Io } from '../output.js';
import { version } from '../version.js';

export interface WorkerCommandOptions {
  tasks?: string;
  config?: string;
  queues?: string[];
  concurrency?: number;
  prefetch?: number;
  leaseMs?: number;
  heartbeatMs?: number;
  graceMs?: number;
  reserveWaitMs?: number;
  settleBatchSize?: number;
  workerId?: string;
  metricsPort?: number;
  metricsHost?: string;
  maxWaitingForLimits?: number;
  sandboxAll?: boolean;
  logLevel: string;
}

/**
 * `conveyor worker`: loads the tasks, connects, prints the start-up banner and runs until
 * SIGTERM/SIGINT (graceful; a second signal stops at once). Resolves once stopped.
 */
export async function runWorker(
  settings: ConnectionSettings,
  options: WorkerCommandOptions,
  io: Io,
): Promise<void> {
  const modulePath = options.tasks ?? (await registryFromConfig(options.config, io.cwd));
  const loaded = await loadTasks(modulePath, io.cwd);
  const connection = await connect(settings, 'worker');
  const logger = pino({ level: options.logLevel, name: 'conveyor-worker' }) as unknown as Logger;
  const workerOptions: WorkerOptions = {
    transport: connection.transport,
    tasks: loaded.tasks,
    logger,
  };
  if (options.queues) workerOptions.queues = options.queues;
  if (options.concurrency !== undefined) workerOptions.concurrency = options.concurrency;
  if (options.prefetch !== undefined) workerOptions.prefetch = options.prefetch;
  if (options.leaseMs !== undefined) workerOptions.leaseMs = options.leaseMs;
  if (options.heartbeatMs !== undefined) workerOptions.heartbeatMs = options.heartbeatMs;
  if (options.graceMs !== undefined) workerOptions.shutdownGraceMs = options.graceMs;
  if (options.reserveWaitMs !== undefined) workerOptions.reserveWaitMs = options.reserveWaitMs;
  if (options.settleBatchSize !== undefined) {
    workerOptions.settleBatchSize = options.settleBatchSize;
  }
  if (options.workerId !== undefined) workerOptions.id = options.workerId;
  if (options.metricsPort !== undefined) {
    workerOptions.metrics = { port: options.metricsPort };
    if (options.metricsHost !== undefined) workerOptions.metrics.host = options.metricsHost;
  }

  if (options.maxWaitingForLimits !== undefined) {
    workerOptions.maxWaitingForLimits = options.maxWaitingForLimits;
  }
  // Tasks marked `sandbox: true` need the sandbox; children import the same module.
  const sandboxed = options.sandboxAll || definitions(loaded.tasks).some((task) => task.sandbox);
  if (sandboxed) {
    workerOptions.sandbox = {
      module: loaded.file,
      tasks: options.sandboxAll ? 'all' : 'marked',
      execArgv: sandboxExecArgv(loaded.file),
    };
  }

  let worker: ReturnType<typeof createWorker>;
  try {
    worker = createWorker(workerOptions);
  } catch (error) {
    await connection.close();
    if (error instanceof ConveyorError && error.code === 'INVALID_OPTION') {
      throw new CliError('USAGE', error.message, { cause: error });
    }
    throw error;
  }
  const removeHandlers = installSignalHandlers(worker, { logger });
  const stopped = worker.start();
  const stats = worker.stats();
  const banner = [
    `conveyor worker ${version()}`,
    `  redis        ${maskPassword(settings.url)} (prefix ${settings.prefix})`,
    `  worker       ${worker.id}`,
    `  queues       ${workerQueues(workerOptions, loaded.tasks)}`,
    `  concurrency  ${stats.concurrency} (prefetch ${options.prefetch ?? 0})`,
    `  tasks        ${loaded.names.join(', ')} (${loaded.names.length}, from ${modulePath})`,
  ];
  if (sandboxed) {
    banner.push(
      `  sandbox      ${options.sandboxAll ? 'every task' : 'tasks marked sandbox: true'} (child processes)`,
    );
  }
  if (options.metricsPort !== undefined) {
    banner.push(
      `  metrics      ${options.metricsHost ?? '0.0.0.0'}:${options.metricsPort} (/metrics, /healthz)`,
    );
  }
  banner.push('Ready. SIGTERM or Ctrl-C stops gracefully; a second signal stops at once.');
  for (const line of banner) io.stderr(line);
  try {
    await stopped;
  } finally {
    removeHandlers();
    await connection.close();
  }
  const final = worker.stats();
  const { completed, failed, retried } = final.totals;
  io.stderr(`Stopped: ${completed} completed, ${failed} failed, ${retried} retried.`);
}

function definitions(tasks: LoadedTasks): AnyTaskDefinition[] {
  if (Array.isArray(tasks)) return [...tasks];
  const registry = tasks as TaskRegistry;
  return registry
    .names()
    .map((name) => registry.get(name))
    .filter((task): task is AnyTaskDefinition => task !== undefined);
}

/**
 * Node flags for sandbox children: this process's, plus tsx for a TypeScript task module
 * and the source condition when the CLI itself runs from source (a workspace checkout).
 */
function sandboxExecArgv(file: string): string[] {
  const argv = [...process.execArgv];
  const fromSource = import.meta.url.endsWith('.ts');
  if ((fromSource || /\.[cm]?tsx?$/.test(file)) && !argv.some((flag) => flag.includes('tsx'))) {
    argv.push('--import', import.meta.resolve('tsx'));
  }
  if (fromSource && !argv.some((flag) => flag.includes('@conveyor/source'))) {
    argv.push('--conditions=@conveyor/source');
  }
  return argv;
}

function workerQueues(options: WorkerOptions, tasks: WorkerOptions['tasks']): string {
  if (options.queues) return options.queues.join(', ');
  const list = Array.isArray(tasks)
    ? tasks
    : typeof (tasks as { names?: unknown }).names === 'function'
      ? []
      : Object.values(tasks);
  const queues = new Set(list.map((task) => task.queue ?? 'default'));
  return `${[...queues].sort().join(', ')} (from the tasks)`;
}

/** The registry module a codegen config names (its `registry`), as `--tasks` would. */
async function registryFromConfig(config: string | undefined, cwd: string): Promise<string> {
  const { loadConfig } = await import('@conveyor/codegen');
  try {
    return (await loadConfig({ config, cwd })).registry;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (config === undefined && (error as { code?: unknown }).code === 'CONFIG_NOT_FOUND') {
      throw new CliError(
        'USAGE',
        `No task module: pass --tasks <module>, or --config <file> naming a codegen config (no conveyor.config.ts in ${cwd}).`,
      );
    }
    throw new CliError('TASKS_LOAD_FAILED', message, { cause: error });
  }
}
