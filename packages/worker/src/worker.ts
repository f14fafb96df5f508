import {
  InvalidOptionError,
  type JobOutcome,
  type Reservation,
  type Settlement,
  type TimerHandle,
  type WorkerRecord,
} from '@conveyor/core';
import { WorkerStoppedError } from './errors.js';
import { type Fetcher, startFetching } from './fetcher.js';
import { type Heartbeat, startHeartbeat } from './heartbeat.js';
import { type HeldJob, holdJob, jobFields, releaseOf } from './held-job.js';
import { createInterrupts } from './interrupts.js';
import { createJobRunner } from './job-runner.js';
import { createLimitGates, hasTaskLimits } from './limit-gates.js';
import { withFields } from './log.js';
import { type MetricsServer, serveMetrics } from './metrics-server.js';
import { resolveWorkerOptions, type WorkerOptions } from './options.js';
import { createPresence, PRESENCE_INTERVAL_MS } from './presence.js';
import { createQueueDepths } from './queue-depths.js';
import { releaseUnfinished } from './release-all.js';
import { createSandboxPool } from './sandbox-pool.js';
import { checkSchemaSkew } from './schema-skew.js';
import { createSettleBatcher, type SettleAnswer } from './settle-batcher.js';
import { counterOf, type EndedDelivery, reportSettled } from './settle-report.js';
import { createSlots } from './slots.js';
import { startupWarnings } from './startup-warnings.js';
import type { CounterName } from './stats.js';
import type { Worker, WorkerState } from './worker-api.js';
import { createWorkerEvents } from './worker-events.js';
import { buildWorkerRecord, heldJobStats } from './worker-record.js';

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
  /** By lease token: after a lost lease the same job id can be held twice. */
  const held = new Map<string, HeldJob>();
  let state: WorkerState = 'idle';
  const gates = createLimitGates({
    limits: transport.limits,
    clock,
    logger,
    leaseMs: config.leaseMs,
    anyLimited: hasTaskLimits(registry),
    admit(job) {
      if (job.phase !== 'limited') return;
      if (state !== 'running') {
        settle(job, releaseOf(job), 'released');
        return;
      }
      // It waited its turn already: first in line for a slot.
      slots.add(job, true);
      slots.pump();
    },
  });
  const slots = createSlots({
    concurrency: config.concurrency,
    prefetch: config.prefetch,
    maxWaitingForLimits: config.maxWaitingForLimits,
    clock,
    waitingForLimits: () => gates.waitingCount,
    canStart: () => state === 'running',
    run: (job) => runner.run(job),
  });
  const sandbox =
    config.sandbox &&
    createSandboxPool({
      ...config.sandbox,
      logger,
      caps: { maxPayloadBytes: config.maxPayloadBytes, maxResultBytes: config.maxResultBytes },
    });
  const startedAt = clock.now();
  const presence = createPresence({
    admin: transport.admin,
    id,
    ttlMs: config.heartbeatMs * 3,
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
  const batcher = createSettleBatcher({ transport, maxBatch: config.settleBatchSize, logger });
  const interrupts = createInterrupts({
    logger,
    leaseMs: config.leaseMs,
    heartbeatMs: config.heartbeatMs,
    emit,
    unstart: (job) => slots.take(job) || gates.leave(job),
    settleCancelled: (job) => settle(job, releaseOf(job), 'cancelled'),
    forget: (job) => forget(job),
  });
  const runner = createJobRunner({
    registry,
    clock,
    logger,
    random,
    sandbox,
    sandboxTasks: config.sandbox?.tasks,
    maxPayloadBytes: config.maxPayloadBytes,
    maxResultBytes: config.maxResultBytes,
    defaultTimeoutMs: config.defaultTimeoutMs,
    jobs: () => held.values(),
    emit,
    end: (job, outcome) => end(job, outcome),
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

  function accept(reservations: Reservation[]): void {
    for (const reservation of reservations) {
      const job = holdJob(reservation);
      held.set(job.token, job);
      // Reserved while stopping: never ran, give it straight back.
      if (state !== 'running') {
        settle(job, releaseOf(job), 'released');
        continue;
      }
      const task = registry.get(job.task);
      checkSchemaSkew(job, task?.fingerprint, emit, logger);
      if (gates.gated(task)) {
        job.phase = 'limited';
        gates.enter(job, task);
      } else {
        slots.add(job);
      }
    }
    slots.pump();
  }

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
    });
  }

  /** Settles a run once; a later outcome (after a hard limit or a forced release) is ignored. */
  function end(job: HeldJob, outcome: JobOutcome): void {
    if (job.phase === 'ending') {
      logger.debug(jobFields(job), `ignoring the ${outcome.kind} outcome of a job already settled`);
      return;
    }
    const durationMs = job.startedAt === undefined ? undefined : clock.now() - job.startedAt;
    leaveSlot(job);
    const type: CounterName =
      job.cancelRequested && outcome.kind !== 'completed' ? 'cancelled' : counterOf(outcome.kind);
    settle(job, outcome.settlement, type, durationMs, outcome.error);
  }

  /** Marks the job ending and, if it ran, frees its slot for the next one. */
  function leaveSlot(job: HeldJob): void {
    const wasRunning = job.phase === 'running';
    job.phase = 'ending';
    job.limits?.clear();
    gates.freeSlot(job);
    if (!wasRunning) return;
    slots.free();
    fetcher?.wake();
  }

  function settle(
    job: HeldJob,
    settlement: Settlement,
    type: CounterName,
    durationMs?: number,
    error?: unknown,
  ): void {
    job.phase = 'ending';
    batcher.send(settlement, { job, type, settlement, durationMs, error }, settled);
  }

  /** One callback for every settle answer: no closure per job. */
  function settled(answer: SettleAnswer, delivery: EndedDelivery): void {
    reportSettled(delivery, answer, emit, logger);
    forget(delivery.job);
  }

  function forget(job: HeldJob): void {
    held.delete(job.token);
    fetcher?.wake();
    maybeFinish();
  }

  /** End of the grace period (or a second stop): abort what still runs and release it in one call. */
  function forceRelease(graceMs: number): void {
    if (forced) return;
    forced = true;
    if (graceTimer !== undefined) clock.clearTimeout(graceTimer);
    graceTimer = undefined;
    releaseUnfinished({
      jobs: [...held.values()].filter((job) => job.phase === 'running'),
      graceMs,
      transport,
      emit,
      logger,
      leaveSlot,
      forget,
    });
  }

  function maybeFinish(): void {
    if (state !== 'stopping' || finishing || !fetcherDone || held.size > 0) return;
    finishing = true;
    void (async () => {
      if (graceTimer !== undefined) clock.clearTimeout(graceTimer);
      runner.stop();
      await heartbeat?.stop();
      unsubscribeCancel?.();
      await Promise.all([gates.close(), presence.remove(), sandbox?.close()]);
      await batcher.drain();
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
    if (config.metrics) {
      metricsServer = await serveMetrics(worker, config.metrics);
      // stop() while the server came up: the worker never runs.
      if (state !== 'idle') {
        await metricsServer.close();
        metricsServer = undefined;
        return;
      }
    }
    // A module that cannot load fails start(), not every job later.
    if (sandbox && config.sandbox) await sandbox.warm([...config.sandbox.tasks]);
    unsubscribeCancel = transport.onCancel((jobId) => {
      for (const job of held.values()) if (job.id === jobId) interrupts.cancel(job);
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
        status === 'lost' ? interrupts.leaseLost(job) : interrupts.cancel(job),
      alongside: () => gates.renew(),
    });
    presence.start();
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
      accept,
      onFatal(error) {
        logger.error({ err: error }, 'cannot reserve any more: stopping now');
        void worker.stop({ graceMs: 0 });
      },
    });
    for (const warning of startupWarnings(config)) {
      logger.warn(warning.fields, warning.message);
    }
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

  const worker: Worker = {
    id,
    start() {
      if (state === 'stopped') return Promise.reject(new WorkerStoppedError(id));
      if (!starting) {
        starting = begin().then(
          () => stopped,
          async (error: unknown) => {
            state = 'stopped';
            runner.stop();
            unsubscribeCancel?.();
            await Promise.all([metricsServer?.close(), sandbox?.close()]);
            resolveStopped();
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
        resolveStopped();
        return stopped;
      }
      if (state === 'stopped') return stopped;
      if (state === 'stopping') {
        forceRelease(graceMs ?? 0);
        return stopped;
      }
      state = 'stopping';
      const grace = graceMs ?? config.shutdownGraceMs;
      logger.info({ graceMs: grace, running: slots.running, buffered: slots.buffered }, 'stopping');
      for (const job of slots.takeAll()) settle(job, releaseOf(job), 'released');
      for (const job of held.values()) {
        if (job.phase === 'limited' && gates.leave(job)) settle(job, releaseOf(job), 'released');
      }
      fetcher?.stop().then(() => {
        fetcherDone = true;
        maybeFinish();
      });
      if (grace <= 0) forceRelease(0);
      else graceTimer = clock.setTimeout(() => forceRelease(grace), grace);
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
