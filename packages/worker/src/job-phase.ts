import type { Logger } from '@conveyor/core';
import { IllegalPhaseChangeError } from './errors.js';
import { type HeldJob, jobFields } from './held-job.js';

/**
 * Where a held job is in this worker:
 * - `buffered`: reserved ahead (prefetch), waiting for a slot.
 * - `limited`: waiting for its task's rate limit or concurrency cap; takes no slot.
 * - `running`: its task runs and holds a slot.
 * - `ending`: its outcome is decided and its settlement sent; a later outcome of the
 *   task (after a hard limit or a shutdown release) is ignored.
 */
export type JobPhase = 'buffered' | 'limited' | 'running' | 'ending';

/**
 * Every move a held job can make, the phases it is allowed from, and where it goes. Any
 * other move is a bug in the worker.
 *
 *     (reserved) ─► buffered ──start──► running ──finish──► ending ─► (forgotten)
 *                    │    ▲                                   ▲
 *               limit│    │admit                              │ release, drop
 *                    ▼    │                                   │ (never started)
 *                   limited ──────────────────────────────────┘
 *
 * A held job starts `buffered`; only a {@link PhaseMover} changes its phase.
 */
export const PHASE_MOVES = {
  /** Its task has limits: it waits at the task's gate. */
  limit: { from: { buffered: true }, to: 'limited' },
  /** The gate let it through: first in line for a slot. */
  admit: { from: { limited: true }, to: 'buffered' },
  /** A slot was free: its task runs. */
  start: { from: { buffered: true }, to: 'running' },
  /** Its run ended: an outcome, a hard time limit, or the end of the grace period. */
  finish: { from: { running: true }, to: 'ending' },
  /** Given back to its queue (or cancelled) before it started. */
  release: { from: { buffered: true, limited: true }, to: 'ending' },
  /** Its lease ran out before it started: forgotten unsettled. */
  drop: { from: { buffered: true, limited: true }, to: 'ending' },
} as const satisfies Record<
  string,
  { from: { readonly [Phase in JobPhase]?: true }; to: JobPhase }
>;

export type PhaseMove = keyof typeof PHASE_MOVES;

/** Changes held jobs' phases, each through one of the {@link PHASE_MOVES}. */
export interface PhaseMover {
  /**
   * Makes the move, and marks when the job started (`start`, at `now`). A move from a
   * phase it is not allowed from is a worker bug: `strict` (tests) throws
   * `ILLEGAL_PHASE_CHANGE` and moves nothing; otherwise the first one is logged and the
   * move made anyway, as the worker did before moves were checked.
   */
  move(job: HeldJob, move: PhaseMove, now?: number): void;
}

/** A worker's phase mover; one per worker, so "logged once" is per worker. */
export function createPhaseMover(options: { logger: Logger; strict: boolean }): PhaseMover {
  const { logger, strict } = options;
  let reported = false;
  return {
    move(job, move, now) {
      const { from, to } = PHASE_MOVES[move];
      const phase = job.phase;
      if ((from as { readonly [Phase in JobPhase]?: true })[phase] !== true) {
        const error = new IllegalPhaseChangeError(job.id, move, phase, Object.keys(from));
        if (strict) throw error;
        if (!reported) {
          reported = true;
          logger.error({ ...jobFields(job), move, phase, err: error }, error.message);
        }
      }
      const writable = job as { phase: JobPhase; startedAt: number | undefined };
      writable.phase = to;
      if (move === 'start') writable.startedAt = now;
    },
  };
}
