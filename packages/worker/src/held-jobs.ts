import type {
  Clock,
  Logger,
  Reservation,
  Settlement,
  TaskRegistry,
  Transport,
} from '@conveyor/core';
import type { JobOutcome } from '@conveyor/core/worker';
import { WorkerShutdownError } from './errors.js';
import { abortJob, type HeldJob, holdJob, jobFields, releaseOf } from './held-job.js';
import { createInterrupts, type Interrupts } from './interrupts.js';
import { createPhaseMover } from './job-phase.js';
import type { JobRunner } from './job-runner.js';
import type { LimitGates } from './limit-gates.js';
import type { JobMinutes } from './minute-counts.js';
import { checkSchemaSkew } from './schema-skew.js';
import type { SettleAnswer, SettleBatcher } from './settle-batcher.js';
import { counterOf, type EndedDelivery, lookUpGone, reportSettled } from './settle-report.js';
import type { Slots } from './slots.js';
import { markHeld, noteStart } from './start-marks.js';
import type { CounterName, WorkerEvent } from './stats.js';

/**
 * The jobs this worker holds a lease on, and the one owner of their phases: every phase
 * change happens here (a move of `PHASE_MOVES`, checked by a `PhaseMover`), with what
 * goes with it: slots taken and freed, time limits cleared, settlements sent.
 */
export interface HeldJobs extends Interrupts {
  /** Jobs held now, settled or not yet answered. */
  readonly size: number;
  values(): Iterable<HeldJob>;
  /**
   * Holds new reservations: at their task's limit gate, in the buffer, or (stopping) straight
   * back. Those past `startNow` (the reserve's) the broker holds unstarted [R27].
   */
  accept(reservations: readonly Reservation[], startNow?: number): void;
  /** A run slot is free for this buffered job: it runs. */
  start(job: HeldJob): void;
  /** Its task's limits let a waiting job go: first in line for a slot (or back, if stopping). */
  admit(job: HeldJob): void;
  /** The run's outcome: its slots are freed and it is settled, once; a later outcome is ignored. */
  end(job: HeldJob, outcome: JobOutcome): void;
  /** Stopping: releases every job that has not started (buffered or waiting at limits). */
  releaseWaiting(): void;
  /** Grace period over: aborts every running job and releases them in one settle call. */
  releaseRunning(graceMs: number): void;
}

export function createHeldJobs(options: {
  transport: Transport;
  registry: TaskRegistry;
  clock: Clock;
  logger: Logger;
  leaseMs: number;
  heartbeatMs: number;
  /** Throw on an illegal phase change instead of logging it (tests). */
  strictPhases: boolean;
  slots: Slots;
  gates: LimitGates;
  batcher: SettleBatcher;
  runner: JobRunner;
  emit: (event: WorkerEvent) => void;
  /** Per-minute counts for `transport.metrics`; undefined when off or the transport has none. */
  minutes: JobMinutes | undefined;
  /** Whether new jobs may start (the worker runs): false while stopping. */
  accepting: () => boolean;
  /** Capacity freed: the fetcher may reserve more. */
  wake: () => void;
  /** A job was forgotten: the worker may have finished stopping. */
  onForget: () => void;
  /** A reserved job entered the buffer (workflow step jobs claim their step then). */
  onBuffered?: ((job: HeldJob) => void) | undefined;
}): HeldJobs {
  const { transport, registry, clock, logger, emit, slots, gates, batcher, runner } = options;
  const { minutes } = options;
  /** By lease token: after a lost lease the same job id can be held twice. */
  const held = new Map<string, HeldJob>();
  const phases = createPhaseMover({ logger, strict: options.strictPhases });
  const interrupts = createInterrupts({
    logger,
    leaseMs: options.leaseMs,
    heartbeatMs: options.heartbeatMs,
    emit,
    unstart: (job) => slots.take(job) || gates.leave(job),
    // Not started: releasing a cancel-requested job cancels it.
    cancelUnstarted: (job) => release(job, 'cancelled'),
    drop,
  });

  /** Gives a job that never started back to its queue, its attempt uncounted. */
  function release(job: HeldJob, type: 'released' | 'cancelled'): void {
    phases.move(job, 'release');
    send(job, releaseOf(job), type);
  }

  function send(
    job: HeldJob,
    settlement: Settlement,
    type: CounterName,
    durationMs?: number,
  ): void {
    batcher.send(settlement, { job, type, settlement, durationMs }, settled);
  }

  /** One callback for every settle answer: no closure per job. */
  function settled(answer: SettleAnswer, delivery: EndedDelivery): void {
    const { job } = delivery;
    if (answer !== 'stale' || job.gone) {
      report(answer, delivery);
      return;
    }
    // Stale: moved to another delivery, or gone from the broker? One read tells; the job is
    // held (and a stopping worker waits) until it is reported.
    job.goneCheck = lookUpGone(transport, job, logger)
      .then(() => report(answer, delivery))
      .catch((error: unknown) => {
        logger.error({ err: error, jobId: job.id }, 'reporting a stale settle threw');
        forget(job);
      });
  }

  function report(answer: SettleAnswer, delivery: EndedDelivery): void {
    delivery.job.settleAnswer = answer;
    reportSettled(delivery, answer, emit, logger);
    // Counted where the worker's own counters are: once the transport accepted the outcome.
    if (answer === 'ok') minutes?.settled(delivery);
    forget(delivery.job);
  }

  function forget(job: HeldJob): void {
    held.delete(job.token);
    options.wake();
    options.onForget();
  }

  /** Its lease ran out before it started: nothing to settle, its settlement would be stale. */
  function drop(job: HeldJob): void {
    phases.move(job, 'drop');
    forget(job);
  }

  /** Its run is over: stops its time limits, frees its concurrency-limit slot and its run slot. */
  function finishRun(job: HeldJob): void {
    const wasRunning = job.phase === 'running';
    phases.move(job, 'finish');
    job.limits?.clear();
    gates.freeSlot(job);
    if (!wasRunning) return;
    slots.free();
    options.wake();
  }

  /** One settle call for every job given back at the end of the grace period; counts each. */
  async function settleReleases(jobs: readonly HeldJob[]): Promise<void> {
    let statuses: readonly string[];
    try {
      statuses = await transport.settle(jobs.map(releaseOf));
    } catch (error) {
      logger.error(
        { err: error },
        'releasing unfinished jobs failed; they return after their leases expire',
      );
      statuses = [];
    }
    const answers = jobs.map((_, index) => (statuses[index] ?? 'error') as SettleAnswer);
    await Promise.all(
      jobs.map((job, index) =>
        answers[index] === 'stale' ? lookUpGone(transport, job, logger) : undefined,
      ),
    );
    jobs.forEach((job, index) => {
      const answer = answers[index] as SettleAnswer;
      job.settleAnswer = answer;
      reportSettled({ job, type: 'released', settlement: releaseOf(job) }, answer, emit, logger);
    });
  }

  return {
    get size() {
      return held.size;
    },
    values: () => held.values(),
    cancel: (job) => interrupts.cancel(job),
    leaseLost: (job, gone) => interrupts.leaseLost(job, gone),

    accept(reservations, startNow) {
      const jobs = reservations.map(holdJob);
      markHeld(jobs, startNow);
      for (const job of jobs) {
        held.set(job.token, job);
        // Reserved while stopping: never ran, give it straight back.
        if (!options.accepting()) {
          release(job, 'released');
          continue;
        }
        const task = registry.get(job.task);
        checkSchemaSkew(job, task?.fingerprint, emit, logger);
        if (gates.gated(task)) {
          phases.move(job, 'limit');
          gates.enter(job, task);
        } else {
          slots.add(job);
          options.onBuffered?.(job);
        }
      }
      slots.pump();
    },

    start(job) {
      phases.move(job, 'start', clock.now());
      noteStart(job);
      minutes?.started(job);
      runner.run(job);
    },

    admit(job) {
      // It left the gate meanwhile (cancel, lost lease, stop): it is ending already.
      if (job.phase !== 'limited') return;
      if (!options.accepting()) {
        release(job, 'released');
        return;
      }
      phases.move(job, 'admit');
      // It waited its turn already: first in line for a slot.
      slots.add(job, true);
      slots.pump();
    },

    end(job, outcome) {
      if (job.phase === 'ending') {
        logger.debug(
          jobFields(job),
          `ignoring the ${outcome.kind} outcome of a job already settled`,
        );
        return;
      }
      const durationMs = job.startedAt === undefined ? undefined : clock.now() - job.startedAt;
      finishRun(job);
      const type: CounterName =
        job.cancelRequested && outcome.kind !== 'completed' ? 'cancelled' : counterOf(outcome.kind);
      send(job, outcome.settlement, type, durationMs);
    },

    releaseWaiting() {
      for (const job of slots.takeAll()) release(job, 'released');
      for (const job of held.values()) {
        if (job.phase === 'limited' && gates.leave(job)) release(job, 'released');
      }
    },

    releaseRunning(graceMs) {
      const jobs = [...held.values()].filter((job) => job.phase === 'running');
      if (jobs.length === 0) return;
      logger.warn(
        { jobIds: jobs.map((job) => job.id), graceMs },
        'grace period over: releasing unfinished jobs',
      );
      for (const job of jobs) {
        finishRun(job);
        abortJob(job, new WorkerShutdownError(job.id, graceMs));
      }
      void settleReleases(jobs).then(() => {
        for (const job of jobs) forget(job);
      });
    },
  };
}
