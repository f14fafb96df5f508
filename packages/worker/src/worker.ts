import {
  hasCapability,
  InvalidOptionError,
  scheduleKey,
  type TimerHandle,
  type WorkerRecord,
} from '@conveyor/core';
import { withFields } from '@conveyor/core/worker';
import { WorkerStoppedError } from './errors.js';
import { type Fetcher, startFetching } from './fetcher.js';
import { type Heartbeat, startHeartbeat } from './heartbeat.js';
import { createHeldJobs } from './held-jobs.js';
import { createJobRunner } from './job-runner.js';
import { createLimitGates, hasTaskLimits } from './limit-gates.js';
import { type MetricsServer, serveMetrics } from './metrics-server.js';
import { createMinuteMetrics } from './minute-metrics.js';
import { resolveWorkerOptions, type WorkerOptions } from './options.js';
import { createPresence, PRESENCE_INTERVAL_MS, recordTtlMs } from './presence.js';
import { createQueueDepths } from './queue-depths.js';
import { createSandboxPool } from './sandbox-pool.js';
import { scheduleFireNotes } from './schedule-fire-notes.js';
import { createScheduleTicker } from './schedule-ticker.js';
import { createSettleBatcher } from './settle-batcher.js';
import { createSlots } from './slots.js';
import { checkAtStart } from './start-checks.js';
import { createStartAbort, prepareStart } from './startup.js';
import { startupWarnings } from './startup-warnings.js';
import type { Worker, WorkerState } from './worker-api.js';
import { createWorkerEvents } from './worker-events.js';
import { buildWorkerRecord, heldJobStats } from './worker-record.js';
import { createWorkflowStepJobs } from './workflow/step-jobs.js';
import { createWorkflowSweeper } from './workflow/sweeper.js';

/**
 * A worker: reserves jobs from its queues, runs them with `runJob`, keeps their leases
 * alive and settles them, all in batches.
 *
 * @example
 * const worker = createWorker({ transport, tasks: [sendWelcomeEmail], concurrency: 20 });
 * installSignalHandlers(worker);
 * await worker.start(); // resolves after SIGTERM, once running jobs are done or released
 */
export function createWorker(options: WorkerOptions): Worker {
  const config = resolveWorkerOptions(options);
  const { transport, registry, clock, random, id } = config;
  const logger = withFields(config.logger, { workerId: id });
  let state: WorkerState = 'idle';
  const gates = createLimitGates({
    limits: transport.limits,
    clock,
    logger,
    leaseMs: config.leaseMs,
    anyLimited: hasTaskLimits(registry),
    admit: (job) => held.admit(job),
  });
  const slots = createSlots({
    concurrency: config.concurrency,
    prefetch: config.prefetch,
    maxWaitingForLimits: config.maxWaitingForLimits,
    waitingForLimits: () => gates.waitingCount,
    held: () => held.size,
    canStart: () => state === 'running',
    run: (job) => held.start(job),
  });
  const { maxPayloadBytes, maxResultBytes, removeOnComplete } = config;
  const runSettings = { maxPayloadBytes, maxResultBytes, removeOnComplete };
  const sandbox =
    config.sandbox && createSandboxPool({ ...config.sandbox, clock, logger, caps: runSettings });
  const startedAt = clock.now();
  const presence = createPresence({
    admin: transport.admin,
    id,
    ttlMs: recordTtlMs(config.heartbeatMs),
    intervalMs: Math.min(config.heartbeatMs, PRESENCE_INTERVAL_MS),
    clock,
    logger,
    record: () => workerRecord(),
  });
  const queueDepths = createQueueDepths({
    admin: transport.admin,
    queues: config.queues,
    now: () => clock.now(),
    logger,
  });
  const events = createWorkerEvents({
    logger,
    inFlight: () => held.size,
    running: () => slots.running,
    waitingForLimits: () => gates.waitingCount,
    queueDepths: () => queueDepths.read(),
  });
  const { emit } = events;
  const minutes =
    config.metricsFlushMs !== undefined && hasCapability(transport, 'metrics')
      ? createMinuteMetrics({
          metrics: transport.metrics,
          clock,
          logger,
          flushMs: config.metricsFlushMs,
        })
      : undefined;
  // Every worker on a transport with schedules fires those of its queues, declared or not.
  const ticker = hasCapability(transport, 'schedules')
    ? createScheduleTicker({
        schedules: transport.schedules,
        declared: config.schedules,
        queues: config.scheduleQueues,
        refreshMs: config.schedulesRefreshMs,
        clock,
        logger,
        random,
        taskOf: (task) => registry.get(task),
        onFired: scheduleFireNotes({ queues: config.queues, admin: transport.admin, logger, emit }),
      })
    : undefined;
  const batcher = createSettleBatcher({ transport, logger, clock, config });
  // Every worker on a transport with workflows runs step jobs of its queues and sweeps.
  const hasWorkflows = hasCapability(transport, 'workflows');
  const workflowSteps = hasWorkflows
    ? createWorkflowStepJobs({
        transport,
        catalog: config.workflows,
        registry,
        logger,
        emit,
        random,
        clock,
        maxChildren: config.maxWorkflowChildren,
        end: (job, outcome) => held.end(job, outcome),
      })
    : undefined;
  const sweeper =
    hasWorkflows && config.workflowSweepMs !== undefined
      ? createWorkflowSweeper({
          transport,
          clock,
          logger,
          random,
          intervalMs: config.workflowSweepMs,
        })
      : undefined;
  const runner = createJobRunner({
    registry,
    clock,
    logger,
    random,
    sandbox,
    sandboxTasks: config.sandbox?.tasks,
    ...runSettings,
    defaultTimeoutMs: config.defaultTimeoutMs,
    jobs: () => held.values(),
    emit,
    end: (job, outcome) => held.end(job, outcome),
    workflowSteps,
  });
  const held = createHeldJobs({
    transport,
    registry,
    clock,
    logger,
    leaseMs: config.leaseMs,
    heartbeatMs: config.heartbeatMs,
    // Tests (vitest and jest set NODE_ENV=test) fail on an illegal phase change.
    strictPhases: process.env.NODE_ENV === 'test',
    slots,
    gates,
    batcher,
    runner,
    emit,
    minutes,
    accepting: () => state === 'running',
    wake: () => fetcher?.wake(),
    onForget: () => maybeFinish(),
    onBuffered: workflowSteps && ((job) => workflowSteps.prefetch(job)),
  });
  let fetcher: Fetcher | undefined;
  let fetcherDone = false;
  let heartbeat: Heartbeat | undefined;
  let unsubscribeCancel: (() => void) | undefined;
  let metricsServer: MetricsServer | undefined;
  let graceTimer: TimerHandle | undefined;
  let forced = false;
  let finishing = false;
  let resolveStopped: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });

  function workerRecord(): WorkerRecord {
    return buildWorkerRecord({
      id,
      queues: config.queues,
      tasks: registry.names(),
      concurrency: config.concurrency,
      state: state === 'running' && slots.running === 0 ? 'idle' : state,
      startedAt,
      jobs: held.values(),
      totals: events.snapshot().totals,
      schedules: config.schedules.map(scheduleKey),
    });
  }

  /** End of the grace period (or a second stop): abort what still runs and release it in one call. */
  function endGrace(graceMs: number): void {
    if (forced) return;
    forced = true;
    if (graceTimer !== undefined) clock.clearTimeout(graceTimer);
    graceTimer = undefined;
    held.releaseRunning(graceMs);
  }

  function maybeFinish(): void {
    if (state !== 'stopping' || finishing || !fetcherDone || held.size > 0) return;
    finishing = true;
    void (async () => {
      if (graceTimer !== undefined) clock.clearTimeout(graceTimer);
      runner.stop();
      await Promise.all([ticker?.stop(), sweeper?.stop()]);
      unsubscribeCancel?.();
      // Side by side: against a broker that does not answer, each waits out the command
      // timeout. The last counts go once every outcome is counted, not after a failed settle.
      const brokerFailed = batcher.failedSinceHurry;
      const counted = batcher.drain().then(() => minutes?.close({ brokerFailed }));
      const broker = [heartbeat?.stop(), gates.close(), presence.remove({ brokerFailed }), counted];
      await Promise.all([...broker, sandbox?.close()]);
      await metricsServer?.close();
      metricsServer = undefined;
      state = 'stopped';
      logger.info(events.snapshot().totals, 'worker stopped');
      resolveStopped();
    })().catch((error: unknown) => {
      logger.error({ err: error }, 'worker shutdown failed');
      state = 'stopped';
      resolveStopped();
    });
  }

  async function begin(): Promise<void> {
    if (config.metrics) metricsServer = await serveMetrics(worker, config.metrics);
    const declaresSchedules = ticker !== undefined && config.schedules.length > 0;
    const steps = { abort: startAbort, sandbox, sandboxTasks: config.sandbox?.tasks };
    // Nothing to prepare: the worker runs within this call, as it always has.
    const outcome =
      sandbox || declaresSchedules
        ? await prepareStart({ ...steps, presence, ticker, declaresSchedules })
        : 'ready';
    if (outcome !== 'ready' || state !== 'idle') {
      // Stopped while starting: the worker never runs. What start-up opened closes, and a
      // record it published goes too; not waited for behind a call the broker left
      // unanswered (it would wait out that call's timeout first).
      const removal = outcome === 'stopped' || !declaresSchedules ? undefined : presence.remove();
      const answered = outcome === 'stopped-unanswered' ? undefined : removal;
      await Promise.all([metricsServer?.close(), sandbox?.close(), answered]);
      metricsServer = undefined;
      resolveStopped();
      return;
    }
    unsubscribeCancel = transport.onCancel((jobId) => {
      for (const job of held.values()) if (job.id === jobId) held.cancel(job);
    });
    state = 'running';
    heartbeat = startHeartbeat({
      transport,
      clock,
      logger,
      intervalMs: config.heartbeatMs,
      leaseMs: config.leaseMs,
      jobs: () => held.values(),
      onStatus: (job, status) =>
        status === 'lost' || status === 'gone'
          ? held.leaseLost(job, status === 'gone')
          : held.cancel(job),
      alongside: () => gates.renew(),
    });
    presence.start();
    minutes?.start();
    ticker?.start();
    sweeper?.start();
    fetcher = startFetching({
      transport,
      clock,
      logger,
      consumer: id,
      queues: config.queues,
      leaseMs: config.leaseMs,
      waitMs: config.reserveWaitMs,
      freeCapacity: () => slots.freeCapacity(),
      // Refill the prefetch buffer in batches, not a job per call, unless a slot would idle.
      minBatch: Math.ceil(config.prefetch / 2),
      starving: () => slots.starving(),
      startNow: () => slots.idle(),
      removeOnComplete: config.removeOnCompleteQueues,
      accept: (reservations, startNow) => held.accept(reservations, startNow),
      onFatal(error) {
        logger.error({ err: error }, 'cannot reserve any more: stopping now');
        void worker.stop({ graceMs: 0 });
      },
    });
    for (const warning of startupWarnings(config)) logger.warn(warning.fields, warning.message);
    void checkAtStart(transport, config.queues, logger);
    logger.info(
      {
        queues: config.queues,
        concurrency: config.concurrency,
        prefetch: config.prefetch,
        tasks: registry.names(),
      },
      'worker started',
    );
  }

  let starting: Promise<void> | undefined;
  const startAbort = createStartAbort();

  const worker: Worker = {
    id,
    start() {
      if (state === 'stopped') return Promise.reject(new WorkerStoppedError(id));
      if (!starting) {
        starting = begin().then(
          () => stopped,
          async (error: unknown) => {
            // Whatever begin() had started stops too: a late failure used to leave the
            // reserve loop and the heartbeat running behind a rejected start().
            state = 'stopped';
            runner.stop();
            await Promise.allSettled([ticker?.stop(), sweeper?.stop(), fetcher?.stop()]);
            await Promise.allSettled([heartbeat?.stop(), minutes?.close()]);
            unsubscribeCancel?.();
            await Promise.allSettled([metricsServer?.close(), sandbox?.close(), presence.remove()]);
            resolveStopped();
            // stop() came first: the worker stopped, as asked; the failure is only reported.
            if (startAbort.aborted) {
              logger.warn({ err: error }, 'start-up failed after stop() was called');
              return stopped;
            }
            throw error;
          },
        );
      }
      return starting;
    },

    stop(stopOptions = {}) {
      const { graceMs } = stopOptions;
      if (graceMs !== undefined && (typeof graceMs !== 'number' || !(graceMs >= 0))) {
        return Promise.reject(
          new InvalidOptionError('graceMs', graceMs, 'a number of ms, 0 or more'),
        );
      }
      if (state === 'idle') {
        state = 'stopped';
        // While start() runs, it winds down and resolves `stopped` (begin() above).
        if (starting) startAbort.abort();
        else resolveStopped();
        return stopped;
      }
      if (state === 'stopped') return stopped;
      if (state === 'stopping') {
        endGrace(graceMs ?? 0);
        return stopped;
      }
      state = 'stopping';
      const grace = graceMs ?? config.shutdownGraceMs;
      logger.info({ graceMs: grace, running: slots.running, buffered: slots.buffered }, 'stopping');
      batcher.hurry();
      held.releaseWaiting();
      void ticker?.stop();
      void sweeper?.stop();
      fetcher?.stop().then(() => {
        fetcherDone = true;
        maybeFinish();
      });
      if (grace <= 0) endGrace(0);
      else graceTimer = clock.setTimeout(() => endGrace(grace), grace);
      maybeFinish();
      return stopped;
    },

    stats() {
      const now = clock.now();
      return {
        id,
        state,
        concurrency: config.concurrency,
        running: slots.running,
        buffered: slots.buffered,
        waitingForLimits: gates.waitingCount,
        inFlight: held.size,
        jobs: heldJobStats(held.values(), now),
        ...events.snapshot(),
      };
    },

    on: (listener) => events.on(listener),
    metrics: () => events.render(),
    metricsUrl: () => metricsServer?.url,
  };
  return worker;
}
