import { hostname } from 'node:os';
import {
  type AnySchedule,
  type AnyTaskDefinition,
  type AnyWorkflow,
  type Clock,
  createTaskRegistry,
  DEFAULT_QUEUE,
  InvalidOptionError,
  type Logger,
  requireCapability,
  type ScheduleSpec,
  systemClock,
  type TaskRegistry,
  type Transport,
} from '@conveyor/core';
import {
  assertKnownKeys,
  DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_MAX_RESULT_BYTES,
} from '@conveyor/core/transport';
import { createWorkerLogger } from './logger.js';
import { DEFAULT_METRICS_FLUSH_MS } from './minute-metrics.js';
import { METRICS_OPTION_KEYS, WORKER_OPTION_KEYS } from './option-keys.js';
import { byteLimit, checkHooks, duration, integer } from './option-values.js';
import { resolvePartitions } from './partitions.js';
import { queuesRemovingOnComplete } from './removing-queues.js';
import { resolveSandbox } from './sandbox-options.js';
import { resolveSchedules } from './schedule-options.js';
import { DEFAULT_SCHEDULES_REFRESH_MS } from './schedule-ticker.js';
import { isTaskRegistry } from './task-module.js';
import { resolveWorkflows, type WorkflowCatalog } from './workflow/catalog.js';
import { DEFAULT_MAX_WORKFLOW_CHILDREN } from './workflow/step-jobs.js';
import { DEFAULT_WORKFLOW_SWEEP_MS } from './workflow/sweeper.js';

/** The worker's default hard time limit: 30 minutes. */
export const DEFAULT_TIMEOUT_MS = 30 * 60_000;

export interface MetricsServerOptions {
  /** Port to listen on; 0 picks a free one (see `worker.metricsUrl()`). */
  port: number;
  /** Interface to bind. Default `0.0.0.0`, so that Prometheus can scrape from another host. */
  host?: string;
}

/** Runs tasks in child processes, so that a hard time limit can kill a hung run. */
export interface SandboxOptions {
  /**
   * The module a child imports to find the tasks: a path (relative to the working
   * directory) or a `file:` URL of a module exporting `tasks`, e.g. codegen's registry.
   */
  module: string | URL;
  /** `marked` (default): tasks defined with `sandbox: true`. `all`: every task. */
  tasks?: 'marked' | 'all';
  /** Node flags of the children. Default: this process's `process.execArgv`. */
  execArgv?: readonly string[];
  /**
   * How long a child may take to import `module` and be ready (default 60 s). Time limits
   * start once it is ready; one that is not ready by then is killed and its job fails with
   * `SANDBOX_START_FAILED`.
   */
  startTimeoutMs?: number;
}

export interface WorkerOptions {
  transport: Transport;
  /** The tasks this worker runs: a list, a record (a registry module's exports) or a registry. */
  tasks: readonly AnyTaskDefinition[] | Readonly<Record<string, AnyTaskDefinition>> | TaskRegistry;
  /**
   * Queues to consume. Default: every queue the tasks name (`default` for tasks that name
   * none). A partitioned queue's name stands for all its partitions; name one partition
   * (`'emails~3of8'`) to consume only that one.
   */
  queues?: readonly string[];
  /**
   * Partition counts of queues whose tasks declare none (docs/partitions.md), e.g.
   * `{ emails: 8 }`: the worker reserves from every partition. Producers must be told the
   * same (`createClient({ partitions })`); a task that declares its queue's partitions must
   * agree (else `INVALID_OPTION`).
   */
  partitions?: Readonly<Record<string, number>>;
  /** Jobs running at once. Default 10. */
  concurrency?: number;
  /** Extra jobs reserved ahead and held (leased) until a slot frees. Default 0. */
  prefetch?: number;
  /**
   * Jobs held at their task's `rateLimit` or `concurrencyLimit` that still let the worker
   * fetch more (they take no running slot). Beyond it, fetching waits. Default
   * `max(10, 2 × (concurrency + prefetch))`.
   */
  maxWaitingForLimits?: number;
  /** Lease length in ms; a job not renewed or settled by then goes back to its queue. Default 30 s. */
  leaseMs?: number;
  /** How often all leases are renewed, in one call. Default `leaseMs / 3`. */
  heartbeatMs?: number;
  /** How long `stop()` lets running jobs finish before releasing them. Default 30 s. */
  shutdownGraceMs?: number;
  /**
   * Hard time limit in ms for a run of a task that sets no hard limit of its own: the job
   * fails as `TIME_LIMIT_EXCEEDED` (retried while attempts remain) and its slot is freed,
   * so a run that never settles cannot hold a slot forever. Default 30 minutes; 0 turns
   * it off. A task's `timeout` replaces it.
   */
  defaultTimeout?: number;
  /** How long one reserve call blocks waiting for a job. Default 2 s. */
  reserveWaitMs?: number;
  /** Most settlements sent in one settle call. Default 100. */
  settleBatchSize?: number;
  /**
   * Largest input run, in UTF-8 bytes of its JSON as the transport stored it: a larger one
   * (written straight into the broker, or by a producer with a larger cap) fails with
   * `PAYLOAD_TOO_LARGE`, not retried, and never runs. Default 512 KiB, as for the client.
   */
  maxPayloadBytes?: number;
  /**
   * Largest result stored, in UTF-8 bytes of its JSON: a larger one fails the job with
   * `RESULT_TOO_LARGE`, not retried, and is not stored. Default 512 KiB.
   */
  maxResultBytes?: number;
  /**
   * Delete each completed job's record at once, result and all, for every task that does not
   * set `removeOnComplete` itself (a task's own setting wins, `false` included). Failed and
   * dead jobs are kept. Default false: completed jobs are kept for their result TTL.
   */
  removeOnComplete?: boolean;
  /**
   * Default: `createWorkerLogger()`, pino JSON lines at `info` on stdout, with the characters
   * a terminal acts on escaped.
   */
  logger?: Logger;
  /** Time source for leases, heartbeats, time limits and the grace period. Default: the system clock. */
  clock?: Clock;
  /** Consumer name stored with each job it holds. Default `<hostname>:<pid>:<random>`. */
  id?: string;
  /** [0, 1) source for back-off jitter. Default `Math.random`. */
  random?: () => number;
  /** Serves `/healthz` and `/metrics` (Prometheus) while the worker runs. */
  metrics?: MetricsServerOptions;
  /**
   * How often, in ms, the per-minute counts the dashboard draws (completed, failed, retried,
   * pickup latency per queue, task and minute) are added to the transport, in one
   * `transport.metrics.record` call; `stop()` adds the last ones. Counted only when the
   * transport has the `metrics` capability. Default 5 s; `false` or 0 counts nothing.
   */
  metricsFlushMs?: number | false;
  /** Runs sandboxed tasks in child processes; required when a task has `sandbox: true`. */
  sandbox?: SandboxOptions;
  /**
   * Schedules this worker declares (`defineSchedule`): stored in the transport at start
   * (`source: 'code'`), and again when a list finds one missing (the broker lost its data,
   * or it was removed at run time), and fired by every worker that runs them, each slot once
   * between them. Needs the transport's `schedules` capability. A worker also fires the schedules
   * stored for its queues at run time (`client.schedules.upsert`).
   */
  schedules?: readonly AnySchedule[];
  /**
   * How often, in ms, the worker lists the stored schedules between slots, to see schedules
   * upserted, paused, resumed or removed at run time. Default 5 s.
   */
  schedulesRefreshMs?: number;
  /**
   * Workflows (`defineWorkflow`) whose step jobs this worker runs: it needs a workflow's
   * definition to resolve a step's input (its mappings run here). The tasks of their steps
   * and compensations are added to `tasks` when not given there (a step's task that is a
   * contract, with no `run`, is left to the workers that have it). Needs the transport's
   * `workflows` capability.
   */
  workflows?: readonly AnyWorkflow[];
  /**
   * How often, in ms (jittered ±50 %), the worker sweeps workflows: enqueues outbox entries
   * older than this that their writer left behind, and records the failure of steps whose
   * job ended without reporting (`WORKFLOW_STEP_LOST`). Every worker on a transport with
   * `workflows` sweeps. Default 5 s; `false` or 0 turns it off. After a sweep that took long,
   * the next waits at least four times as long.
   */
  workflowSweepMs?: number | false;
  /** Most children a workflow's `map` stage may have (`WORKFLOW_TOO_LARGE` past it). Default 10,000, at most 100,000. */
  maxWorkflowChildren?: number;
}

export interface ResolvedWorkerOptions {
  transport: Transport;
  registry: TaskRegistry;
  /** The stored queues to reserve from: a partitioned queue's partitions, not its name. */
  queues: readonly string[];
  /** Partition count per partitioned queue (and per queue of the `partitions` option). */
  partitions: Readonly<Record<string, number>>;
  concurrency: number;
  prefetch: number;
  maxWaitingForLimits: number;
  leaseMs: number;
  heartbeatMs: number;
  shutdownGraceMs: number;
  /** undefined: no default limit. */
  defaultTimeoutMs: number | undefined;
  reserveWaitMs: number;
  settleBatchSize: number;
  maxPayloadBytes: number;
  maxResultBytes: number;
  removeOnComplete: boolean;
  /** The stored queues whose every task removes its jobs on completion (removing-queues.ts). */
  removeOnCompleteQueues: readonly string[];
  logger: Logger;
  clock: Clock;
  id: string;
  random: () => number;
  metrics: MetricsServerOptions | undefined;
  /** undefined: no per-minute counts. */
  metricsFlushMs: number | undefined;
  /** The sandbox and the names of the tasks that run in it. */
  sandbox:
    | {
        module: string;
        execArgv: readonly string[];
        tasks: ReadonlySet<string>;
        startTimeoutMs: number;
      }
    | undefined;
  /** The declared schedules' specs (`source: 'code'`). */
  schedules: readonly ScheduleSpec[];
  /** The queues whose schedules the worker fires: its own and its schedules'. */
  scheduleQueues: readonly string[];
  schedulesRefreshMs: number;
  /** The workflows this worker can drive, by name. */
  workflows: WorkflowCatalog;
  /** undefined: no sweeping. */
  workflowSweepMs: number | undefined;
  maxWorkflowChildren: number;
}

/** Fills defaults and checks every option; throws {@link InvalidOptionError} quoting the bad value. */
export function resolveWorkerOptions(options: WorkerOptions): ResolvedWorkerOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError(
      'options',
      options,
      'an object: createWorker({ transport, tasks })',
    );
  }
  assertKnownKeys(options, WORKER_OPTION_KEYS, 'createWorker option');
  const { transport } = options;
  if (
    typeof transport !== 'object' ||
    transport === null ||
    typeof transport.reserve !== 'function'
  ) {
    throw new InvalidOptionError(
      'transport',
      typeof transport,
      'a Transport (memoryTransport(), redisTransport(), …)',
    );
  }
  const { catalog: workflows, registry } = resolveWorkflows(
    options.workflows,
    toRegistry(options.tasks),
  );
  if (registry.names().length === 0) {
    throw new InvalidOptionError(
      'tasks',
      options.tasks,
      'the tasks to run: a list, record or registry of defineTask results, at least one',
    );
  }
  checkHooks(options);
  if (workflows.names().length > 0) {
    requireCapability(transport, 'workflows', 'createWorker({ workflows })');
  }
  const workflowSweepMs = options.workflowSweepMs ?? DEFAULT_WORKFLOW_SWEEP_MS;
  if (workflowSweepMs !== false) duration(workflowSweepMs, 'workflowSweepMs', 0);
  const queues = options.queues ?? queuesOf(registry);
  if (!Array.isArray(queues) || queues.length === 0) {
    throw new InvalidOptionError('queues', queues, 'a non-empty list of queue names');
  }
  const { counts: partitions, storedQueues } = resolvePartitions({
    registry,
    partitions: options.partitions,
    queues,
    workflows,
  });
  const concurrency = integer(options.concurrency ?? 10, 'concurrency', 1);
  const prefetch = integer(options.prefetch ?? 0, 'prefetch', 0);
  const maxWaitingForLimits = integer(
    options.maxWaitingForLimits ?? Math.max(10, 2 * (concurrency + prefetch)),
    'maxWaitingForLimits',
    0,
  );
  const leaseMs = duration(options.leaseMs ?? 30_000, 'leaseMs', 1);
  const heartbeatMs = duration(options.heartbeatMs ?? Math.floor(leaseMs / 3), 'heartbeatMs', 1);
  if (heartbeatMs >= leaseMs) {
    throw new InvalidOptionError(
      'heartbeatMs',
      heartbeatMs,
      `less than leaseMs (${leaseMs}), ideally a third of it`,
    );
  }
  const id = options.id ?? `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  if (typeof id !== 'string' || id.length === 0) {
    throw new InvalidOptionError('id', id, 'a non-empty string');
  }
  const defaultTimeout = duration(
    options.defaultTimeout ?? DEFAULT_TIMEOUT_MS,
    'defaultTimeout',
    0,
  );
  const metrics = options.metrics;
  if (metrics !== undefined) {
    assertKnownKeys(metrics, METRICS_OPTION_KEYS, 'metrics option');
    integer(metrics.port, 'metrics.port', 0, 65_535);
  }
  const sandbox = resolveSandbox(options.sandbox, registry);
  const schedules = resolveSchedules(options.schedules, transport, partitions);
  const metricsFlushMs = options.metricsFlushMs ?? DEFAULT_METRICS_FLUSH_MS;
  if (
    metricsFlushMs !== false &&
    (typeof metricsFlushMs !== 'number' || !Number.isFinite(metricsFlushMs) || metricsFlushMs < 0)
  ) {
    throw new InvalidOptionError(
      'metricsFlushMs',
      metricsFlushMs,
      'a finite number of ms, 0 or more, or false (0 and false turn per-minute counts off)',
    );
  }
  const removeOnComplete = options.removeOnComplete ?? false;
  if (typeof removeOnComplete !== 'boolean') {
    throw new InvalidOptionError('removeOnComplete', removeOnComplete, 'true or false');
  }
  const uniqueQueues = storedQueues;
  return {
    transport,
    registry,
    queues: uniqueQueues,
    partitions,
    concurrency,
    prefetch,
    maxWaitingForLimits,
    leaseMs,
    heartbeatMs,
    shutdownGraceMs: duration(options.shutdownGraceMs ?? 30_000, 'shutdownGraceMs', 0),
    defaultTimeoutMs: defaultTimeout === 0 ? undefined : defaultTimeout,
    reserveWaitMs: duration(options.reserveWaitMs ?? 2_000, 'reserveWaitMs', 0),
    settleBatchSize: integer(options.settleBatchSize ?? 100, 'settleBatchSize', 1),
    maxPayloadBytes: byteLimit(
      options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
      'maxPayloadBytes',
    ),
    maxResultBytes: byteLimit(options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES, 'maxResultBytes'),
    removeOnComplete,
    removeOnCompleteQueues: queuesRemovingOnComplete(registry, uniqueQueues, removeOnComplete),
    logger: options.logger ?? createWorkerLogger(),
    clock: options.clock ?? systemClock,
    id,
    random: options.random ?? Math.random,
    metrics,
    metricsFlushMs: metricsFlushMs === false || metricsFlushMs === 0 ? undefined : metricsFlushMs,
    sandbox,
    schedules,
    scheduleQueues: [...new Set([...uniqueQueues, ...schedules.map((spec) => spec.queue)])],
    schedulesRefreshMs: duration(
      options.schedulesRefreshMs ?? DEFAULT_SCHEDULES_REFRESH_MS,
      'schedulesRefreshMs',
      1,
    ),
    workflows,
    workflowSweepMs:
      workflowSweepMs === false || workflowSweepMs === 0 ? undefined : workflowSweepMs,
    maxWorkflowChildren: integer(
      options.maxWorkflowChildren ?? DEFAULT_MAX_WORKFLOW_CHILDREN,
      'maxWorkflowChildren',
      1,
      100_000,
    ),
  };
}

function toRegistry(tasks: WorkerOptions['tasks']): TaskRegistry {
  if (isTaskRegistry(tasks)) return tasks;
  if (typeof tasks !== 'object' || tasks === null) {
    throw new InvalidOptionError(
      'tasks',
      tasks,
      'the tasks to run: a list, record or registry of defineTask results',
    );
  }
  return createTaskRegistry(tasks as readonly AnyTaskDefinition[]);
}

function queuesOf(registry: TaskRegistry): string[] {
  const queues = new Set<string>();
  for (const name of registry.names()) queues.add(registry.get(name)?.queue ?? DEFAULT_QUEUE);
  return [...queues].sort();
}
