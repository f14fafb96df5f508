import type { JsonValue, Reservation, Settlement } from '@conveyor/core';
import type { JobPhase } from './job-phase.js';
import type { SettleAnswer } from './settle-batcher.js';
import type { StartMark } from './start-marks.js';
import type { TimeLimitTimers } from './time-limits.js';

/** One delivery this worker holds a lease on. */
export interface HeldJob {
  readonly reservation: Reservation;
  readonly id: string;
  readonly token: string;
  readonly task: string;
  readonly attempt: number;
  /** Made on first read of `ctx.signal` (see {@link jobSignal}); most tasks never read it. */
  controller: AbortController | undefined;
  /** Why the job was aborted before anything read its signal. */
  abortReason: Error | undefined;
  /** Where it is; changed only by a `PhaseMover` (see `PHASE_MOVES`). */
  readonly phase: JobPhase;
  /** When the run started, on the worker's clock. */
  readonly startedAt: number | undefined;
  /**
   * When its time limits began to count: at its start, or for a sandboxed job once its
   * child was ready to run it (a child's start-up is not the task's time).
   */
  limitsFrom: number | undefined;
  /** Latest `ctx.progress()` value, and whether the transport has seen it. */
  progress: JsonValue | undefined;
  progressDirty: boolean;
  /**
   * Set once by `Interrupts`: the lease ran out, or a cancel was requested (or by a step job
   * whose workflow ended, which requests its own cancel).
   */
  leaseLost: boolean;
  /**
   * The broker has no record of the job (deleted, or its data lost): a renewal answered
   * `gone`, or the lookup after a stale settle found nothing. No other delivery holds it.
   */
  gone: boolean;
  /** The lookup after a stale settle, until the settle is reported (see `lookUpGone`). */
  goneCheck: Promise<void> | undefined;
  cancelRequested: boolean;
  limits: TimeLimitTimers | undefined;
  /**
   * The transport's answer to its settlement, once answered: whether a lease whose renewals
   * failed in an outage still ended in time (`ok`) or was lost (see `RenewWatch`).
   */
  settleAnswer: SettleAnswer | undefined;
  /** Whether the broker holds it unstarted, or is to hear that it started [R27]. */
  startMark: StartMark;
}

export function holdJob(reservation: Reservation): HeldJob {
  const { envelope, token } = reservation;
  return {
    reservation,
    id: envelope.id,
    token,
    task: envelope.task,
    attempt: envelope.attempt,
    controller: undefined,
    abortReason: undefined,
    phase: 'buffered',
    startedAt: undefined,
    limitsFrom: undefined,
    progress: undefined,
    progressDirty: false,
    leaseLost: false,
    gone: false,
    goneCheck: undefined,
    cancelRequested: false,
    limits: undefined,
    settleAnswer: undefined,
    startMark: undefined,
  };
}

/** The job's `ctx.signal`, made on first use; already aborted if the job was. */
export function jobSignal(job: HeldJob): AbortSignal {
  if (!job.controller) {
    job.controller = new AbortController();
    if (job.abortReason) job.controller.abort(job.abortReason);
  }
  return job.controller.signal;
}

/** Aborts the job's signal once (the first reason wins), made or not yet. */
export function abortJob(job: HeldJob, reason: Error): void {
  if (job.controller) {
    if (!job.controller.signal.aborted) job.controller.abort(reason);
  } else {
    job.abortReason ??= reason;
  }
}

/** Log fields naming a job. */
export function jobFields(job: HeldJob): Record<string, unknown> {
  return { jobId: job.id, task: job.task, attempt: job.attempt };
}

/** The settlement that gives the job back to its queue, its attempt uncounted. */
export function releaseOf(job: HeldJob): Settlement {
  return { type: 'release', id: job.id, token: job.token };
}
