import type { Logger, Settlement, Transport } from '@conveyor/core';
import type { JobOutcome } from '@conveyor/core/worker';
import type { HeldJob } from './held-job.js';
import { errorFromJob } from './sandbox-protocol.js';
import type { SettleAnswer } from './settle-batcher.js';
import type { CounterName, WorkerEvent } from './stats.js';

/** One ended delivery, as the worker counts and logs it once the transport answered. */
export interface EndedDelivery {
  job: HeldJob;
  /** What it counts as when the settle applied. */
  type: CounterName;
  settlement: Settlement;
  durationMs?: number | undefined;
}

/**
 * Counts and logs a settled delivery. A `stale` answer is expected after a lost lease
 * (blocked loop, unreachable broker): it is counted and logged, never thrown.
 */
export function reportSettled(
  delivery: EndedDelivery,
  answer: SettleAnswer,
  emit: (event: WorkerEvent) => void,
  logger: Logger,
): void {
  const { job, type, settlement, durationMs } = delivery;
  // One object per line, built once: this runs for every job.
  const fields: Record<string, unknown> = { jobId: job.id, task: job.task, attempt: job.attempt };
  if (durationMs !== undefined) fields.durationMs = durationMs;
  if (answer === 'stale') {
    emit({ type: 'staleSettles', task: job.task, jobId: job.id });
    // A job that is gone (a renewal or the lookup after this settle found no record) is not
    // a late renewal: no other delivery holds it, and it will not run again by itself.
    if (job.gone) {
      logger.warn(
        { ...fields, settlement: settlement.type, gone: true },
        'settle rejected: the broker has no record of the job: it was deleted (purged, or removed once finished elsewhere) or the broker lost its data (restarted without persistence, flushed, or failed over to a replica it had not reached), so its result is not recorded and no other delivery will run it. Enqueue it again if it still has to run.',
      );
    } else {
      logger.warn(
        { ...fields, settlement: settlement.type },
        'settle rejected as stale: the lease had expired (event loop blocked or broker unreachable), so the job belongs to another delivery',
      );
    }
    return;
  }
  if (answer === 'uncertain') {
    // Counted as a stale settle, but not "enqueue it again": its outcome is most likely stored.
    emit({ type: 'staleSettles', task: job.task, jobId: job.id });
    logger.warn(
      { ...fields, settlement: settlement.type },
      'settle sent again after a failed call was refused: the failed call was most likely applied before its reply was lost, and the job ended as this worker reported; if its lease ran out first, another delivery runs it. Look it up with conveyor inspect <id> before doing anything else',
    );
    return;
  }
  if (answer === 'error') {
    emit({ type: 'settleErrors', task: job.task, jobId: job.id });
    return;
  }
  emit(
    durationMs === undefined
      ? { type, task: job.task, jobId: job.id }
      : { type, task: job.task, jobId: job.id, durationMs },
  );
  // Whether the run failed is the settlement's to say, not the thrown value's: a task may
  // `throw undefined`, and its line still says what was thrown. Logged in its stored form,
  // bounded like it (`JOB_ERROR_LIMITS`), not the thrown value a logger would print in full.
  const err =
    settlement.type === 'fail' || settlement.type === 'retry'
      ? { err: errorFromJob(settlement.error) }
      : {};
  switch (type) {
    case 'completed':
      logger.info(fields, 'job completed');
      break;
    case 'retried':
      logger.warn(
        { ...fields, ...err, delayMs: settlement.type === 'retry' ? settlement.delayMs : 0 },
        'job failed; retry scheduled',
      );
      break;
    case 'failed':
    case 'dead':
      logger.error({ ...fields, ...err }, type === 'dead' ? 'job dead-lettered' : 'job failed');
      break;
    default:
      logger.info(fields, `job ${type}`);
  }
}

/**
 * A stale settle says only that the token no longer holds the job: its lease moved to
 * another delivery, or the broker has no record of the job at all (deleted, or its data
 * lost, as by a Redis restarted without persistence). The lines say different things (may
 * run twice; gone, enqueue it again), so one read of the job tells them apart: a rare path.
 * Sets `job.gone` when there is no record; a failed read leaves the job reported as stale.
 */
export async function lookUpGone(
  transport: Transport,
  job: HeldJob,
  logger: Logger,
): Promise<void> {
  if (job.gone) return;
  try {
    if ((await transport.getJob(job.id)) === null) job.gone = true;
  } catch (error) {
    logger.debug(
      { err: error, jobId: job.id },
      'could not look the job up after its settle was refused as stale: reporting it as stale',
    );
  }
}

const COUNTER_OF: Record<JobOutcome['kind'], CounterName> = {
  completed: 'completed',
  retry: 'retried',
  failed: 'failed',
  dead: 'dead',
};

/** The counter a run's outcome counts in. */
export function counterOf(kind: JobOutcome['kind']): CounterName {
  return COUNTER_OF[kind];
}
