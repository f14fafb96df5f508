import type { JsonValue, Logger, Reservation, Settlement } from '@conveyor/core';
import { IllegalPhaseChangeError } from './errors.js';
import type { TimeLimitTimers } from './time-limits.js';

/**
 * Where a held job is in this worker (see {@link PHASE_MOVES} for the moves between them):
 * - `buffered`: reserved ahead (prefetch), waiting for a slot.
 * - `limited`: waiting for its task's rate limit or concurrency cap; takes no slot.
 * - `running`: its task runs and holds a slot.
 * - `ending`: its outcome is decided and its settlement sent; a later outcome of the
 *   task (after a hard limit or a shutdown release) is ignored.
 */
export type JobPhase = 'buffered' | 'limited' | 'running' | 'ending';

/**
 * Every phase change a held job may make; any other is a bug in the worker.
 *
 *     (reserved) ─► buffered ─────────► running ─► ending ─► (forgotten)
 *                    │    ▲                          ▲
 *                    ▼    │ admitted                 │ released, cancelled or its
 *                   limited ─────────────────────────┘ lease lost before it started
 *
 * A held job starts `buffered`; only `move` of a {@link PhaseMover} changes the phase.
 */
export const PHASE_MOVES: {
  readonly [From in JobPhase]: { readonly [To in JobPhase]?: true };
} = {
  buffered: { limited: true, running: true, ending: true },
  limited: { buffered: true, ending: true },
  running: { ending: true },
  ending: {},
};

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
  /** Changed only through a {@link PhaseMover}. */
  readonly phase: JobPhase;
  /** When the run started, on the worker's clock. */
  readonly startedAt: number | undefined;
  /** Latest `ctx.progress()` value, and whether the transport has seen it. */
  progress: JsonValue | undefined;
  progressDirty: boolean;
  /** Set once by `Interrupts`: the lease ran out, or a cancel was requested. */
  leaseLost: boolean;
  cancelRequested: boolean;
  limits: TimeLimitTimers | undefined;
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
    progress: undefined,
    progressDirty: false,
    leaseLost: false,
    cancelRequested: false,
    limits: undefined,
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

/** Changes held jobs' phases, checked against {@link PHASE_MOVES}. */
export interface PhaseMover {
  /**
   * Moves the job to `to`, and marks when it starts running. A move the table does not
   * allow is a worker bug: `strict` (tests) throws `ILLEGAL_PHASE_CHANGE`; otherwise the
   * first one is logged and the move made anyway, as the worker did before it was checked.
   */
  move(job: HeldJob, to: JobPhase, now?: number): void;
}

/** A worker's phase mover; one per worker, so "logged once" is per worker. */
export function createPhaseMover(options: { logger: Logger; strict: boolean }): PhaseMover {
  const { logger, strict } = options;
  let reported = false;
  return {
    move(job, to, now) {
      const from = job.phase;
      if (PHASE_MOVES[from][to] !== true) {
        const error = new IllegalPhaseChangeError(job.id, from, to);
        if (strict) throw error;
        if (!reported) {
          reported = true;
          logger.error({ ...jobFields(job), from, to, err: error }, error.message);
        }
      }
      const writable = job as { phase: JobPhase; startedAt: number | undefined };
      writable.phase = to;
      if (to === 'running') writable.startedAt = now;
    },
  };
}
