/**
 * `conveyor worker`'s options, and how they map onto the Redis transport's retention and
 * createWorker's options ({@link planWorker}), before anything connects.
 */
import {
  type AnySchedule,
  type AnyTaskDefinition,
  type AnyWorkflow,
  DEFAULT_QUEUE,
  type TaskRegistry,
} from '@conveyor/core';
import { nearestName, parsePartitionName } from '@conveyor/core/transport';
import type { MetricsServerOptions, WorkerLoggerOptions, WorkerOptions } from '@conveyor/worker';
import type { ConnectOptions } from '../connection.js';
import { usageError } from '../errors.js';

export interface WorkerCommandOptions {
  tasks?: string;
  config?: string;
  queues?: string[];
  /** `--partitions <queue>=<n>`, repeated: createWorker's `partitions`. */
  partitions?: Record<string, number>;
  concurrency?: number;
  prefetch?: number;
  leaseMs?: number;
  heartbeatMs?: number;
  graceMs?: number;
  timeLimit?: number;
  reserveWaitMs?: number;
  settleBatchSize?: number;
  workerId?: string;
  /** `--wait-for-broker`: seconds to keep trying an unreachable broker at start. */
  waitForBroker?: number;
  metricsPort?: number;
  metricsHost?: string;
  maxWaitingForLimits?: number;
  sandboxAll?: boolean;
  /** How long finished jobs are kept when their task names no TTL (the transport's default). */
  resultTtlMs?: number;
  /** Finished jobs kept per queue (0: no count bound). */
  maxFinished?: number;
  /** createWorker's `removeOnComplete`: the default for tasks that set none. */
  removeOnComplete?: boolean;
  maxPayloadBytes?: number;
  maxResultBytes?: number;
  /** createWorker's `maxWorkflowChildren`: the most children a map stage may have. */
  maxWorkflowChildren?: number;
  /** One of the choices worker-command.ts offers, createWorkerLogger's levels. */
  logLevel: NonNullable<WorkerLoggerOptions['level']>;
  /** `--log-format`; undefined: text on a terminal, JSON otherwise. */
  logFormat?: WorkerLoggerOptions['format'];
}

/** The task module as `conveyor worker` loaded it. */
export interface LoadedTasks {
  registry: TaskRegistry;
  schedules: AnySchedule[];
  workflows: AnyWorkflow[];
  /** The module's absolute path: sandbox children import it. */
  file: string;
}

/** What `conveyor worker` runs with, worked out from its options before anything connects. */
export interface WorkerPlan {
  /** The Redis transport's finished-job retention (`--result-ttl-ms`, `--max-finished`). */
  retention: NonNullable<ConnectOptions['retention']>;
  /** createWorker's options but the two that come with the connection: transport and logger. */
  worker: Omit<WorkerOptions, 'transport' | 'logger' | 'metrics'>;
  /**
   * The metrics endpoint (`--metrics-port`, `--metrics-host`). {@link openWorker} serves it
   * itself, rather than through createWorker's `metrics`, so that the banner can show the
   * port it bound before the worker starts.
   */
  metrics?: MetricsServerOptions;
  /** Tasks run in child processes: `--sandbox-all`, or a task marked `sandbox: true`. */
  sandboxed: boolean;
}

/** createWorker's lease when `--lease-ms` is not given (`leaseMs` in @conveyor/worker). */
const DEFAULT_LEASE_MS = 30_000;

/**
 * Maps the command's options onto the transport's and createWorker's; {@link openWorker} uses
 * them. Refuses, naming the flag, the combinations createWorker would refuse only after the
 * transport connected (and under its own option names).
 */
export function planWorker(options: WorkerCommandOptions, tasks: LoadedTasks): WorkerPlan {
  const { registry, schedules, workflows, file } = tasks;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  if (options.heartbeatMs !== undefined && options.heartbeatMs >= leaseMs) {
    throw usageError(
      '--heartbeat-ms',
      options.heartbeatMs,
      `less than the lease (${options.leaseMs !== undefined ? '--lease-ms' : 'default'} ${leaseMs} ms), ideally a third of it: each beat renews the leases of the running jobs`,
    );
  }
  if (options.workerId === '') throw usageError('--worker-id', '', 'a non-empty id');
  const retention: WorkerPlan['retention'] = {};
  if (options.resultTtlMs !== undefined) retention.defaultResultTtlMs = options.resultTtlMs;
  if (options.maxFinished !== undefined) retention.maxFinishedPerQueue = options.maxFinished;
  const worker: WorkerPlan['worker'] = { tasks: registry };
  if (schedules.length > 0) worker.schedules = schedules;
  if (workflows.length > 0) worker.workflows = workflows;
  if (options.queues) worker.queues = options.queues;
  if (options.partitions) worker.partitions = options.partitions;
  if (options.concurrency !== undefined) worker.concurrency = options.concurrency;
  if (options.prefetch !== undefined) worker.prefetch = options.prefetch;
  if (options.leaseMs !== undefined) worker.leaseMs = options.leaseMs;
  if (options.heartbeatMs !== undefined) worker.heartbeatMs = options.heartbeatMs;
  if (options.graceMs !== undefined) worker.shutdownGraceMs = options.graceMs;
  if (options.timeLimit !== undefined) worker.defaultTimeout = options.timeLimit;
  if (options.reserveWaitMs !== undefined) worker.reserveWaitMs = options.reserveWaitMs;
  if (options.settleBatchSize !== undefined) {
    worker.settleBatchSize = options.settleBatchSize;
  }
  if (options.workerId !== undefined) worker.id = options.workerId;
  let metrics: MetricsServerOptions | undefined;
  if (options.metricsPort !== undefined) {
    metrics = { port: options.metricsPort };
    if (options.metricsHost !== undefined) metrics.host = options.metricsHost;
  }
  if (options.maxWaitingForLimits !== undefined) {
    worker.maxWaitingForLimits = options.maxWaitingForLimits;
  }
  if (options.maxPayloadBytes !== undefined) {
    worker.maxPayloadBytes = options.maxPayloadBytes;
  }
  if (options.maxResultBytes !== undefined) worker.maxResultBytes = options.maxResultBytes;
  if (options.removeOnComplete) worker.removeOnComplete = true;
  if (options.maxWorkflowChildren !== undefined) {
    worker.maxWorkflowChildren = options.maxWorkflowChildren;
  }
  // Tasks marked `sandbox: true` need the sandbox; children import the same module.
  const sandboxed =
    options.sandboxAll === true || definitions(registry).some((task) => task.sandbox);
  if (sandboxed) {
    worker.sandbox = {
      module: file,
      tasks: options.sandboxAll ? 'all' : 'marked',
      execArgv: sandboxExecArgv(file),
    };
  }
  return { retention, worker, sandboxed, ...(metrics ? { metrics } : {}) };
}

/**
 * A warning for each `--partitions` queue that neither the tasks nor `--queues` name, with
 * the nearest task queue: a typo (`emials=4`) partitions nothing this worker runs, and would
 * start silently beside the tasks' own count. (A queue named by `--queues` alone is one that
 * enqueues route jobs to with their `queue` option.) The worker warns of a `--queues` name
 * the same way.
 */
export function partitionWarnings(
  partitions: Readonly<Record<string, number>> | undefined,
  registry: TaskRegistry,
  queues: readonly string[] = [],
): string[] {
  const named = [...new Set(definitions(registry).map((task) => task.queue ?? DEFAULT_QUEUE))];
  named.sort();
  return Object.keys(partitions ?? {})
    .filter((queue) => !named.includes(queue) && !queues.includes(queue))
    .sort()
    .map((queue) => {
      const near = nearestName(queue, named);
      const hint = near === undefined ? '' : `; did you mean ${near}?`;
      return `--partitions ${queue}=${partitions?.[queue]}: queue ${JSON.stringify(queue)} is named by none of this worker's tasks (they use ${named.join(', ') || 'none'}${hint}), so the count partitions no queue of theirs. Check the queue name, or the tasks module.`;
    });
}

/**
 * A warning for each `--queues` name that none of the tasks uses, with the nearest task
 * queue: a typo (`--queues emial`) consumes a queue no job of theirs goes to, which the
 * worker told only in a JSON log line on stdout. (A partition, `emails~3of8`, is its queue's.)
 */
export function queueWarnings(
  queues: readonly string[] | undefined,
  registry: TaskRegistry,
): string[] {
  const named = [...new Set(definitions(registry).map((task) => task.queue ?? DEFAULT_QUEUE))];
  named.sort();
  return [...new Set(queues ?? [])]
    .filter((queue) => !named.includes(parsePartitionName(queue)?.queue ?? queue))
    .map((queue) => {
      const near = nearestName(queue, named);
      const hint = near === undefined ? '' : `; did you mean ${near}?`;
      return `--queues ${queue}: queue ${JSON.stringify(queue)} is named by none of this worker's tasks (they use ${named.join(', ') || 'none'}${hint}), so only jobs sent there with enqueue's queue option run from it, and a job there of a task this worker lacks is dead-lettered as unknown. Check the queue name, or the tasks module.`;
    });
}

export function definitions(registry: TaskRegistry): AnyTaskDefinition[] {
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
