import type { JsonValue, Reservation } from '@conveyor/core';
import type { TimeLimitTimers } from './time-limits.js';

/**
 * One delivery this worker holds a lease on.
 * - `buffered`: reserved ahead (prefetch), waiting for a slot.
 * - `limited`: waiting for its task's rate limit or concurrency cap; takes no slot.
 * - `running`: its task runs and holds a slot.
 * - `ending`: its outcome is decided and its settlement sent; a later outcome of the
 *   task (after a hard limit or a shutdown release) is ignored.
 */
export interface HeldJob {
  readonly reservation: Reservation;
  readonly id: string;
  readonly token: string;
  readonly task: string;
  readonly attempt: number;
  readonly controller: AbortController;
  phase: 'buffered' | 'limited' | 'running' | 'ending';
  /** When the run started, on the worker's clock. */
  startedAt: number | undefined;
  /** Latest `ctx.progress()` value, and whether the transport has seen it. */
  progress: JsonValue | undefined;
  progressDirty: boolean;
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
    controller: new AbortController(),
    phase: 'buffered',
    startedAt: undefined,
    progress: undefined,
    progressDirty: false,
    leaseLost: false,
    cancelRequested: false,
    limits: undefined,
  };
}

/** Log fields naming a job. */
export function jobFields(job: HeldJob): Record<string, unknown> {
  return { jobId: job.id, task: job.task, attempt: job.attempt };
}
