import type { Logger } from '@conveyor/core';
import { JobCancelRequestedError, LeaseLostError } from './errors.js';
import { abortJob, type HeldJob, jobFields } from './held-job.js';
import type { WorkerEvent } from './stats.js';

export interface Interrupts {
  /** Someone cancelled the job: abort its run; if it has not started, settle it as cancelled. */
  cancel(job: HeldJob): void;
  /**
   * Its lease ran out (or, `gone`, the broker has no record of the job): abort its run; if it
   * has not started, drop it (its settle would be stale).
   */
  leaseLost(job: HeldJob, gone?: boolean): void;
}

/**
 * What happens to a held job when a cancel or a lost lease reaches the worker. Each sets
 * its flag on the job once (`cancelRequested`, `leaseLost`); phase changes are the
 * caller's (`unstart`, `cancelUnstarted`, `drop`).
 */
export function createInterrupts(options: {
  logger: Logger;
  leaseMs: number;
  heartbeatMs: number;
  emit: (event: WorkerEvent) => void;
  /** Takes the job out of the buffer or the limit gates; false if it was not there (it runs). */
  unstart: (job: HeldJob) => boolean;
  /** Settles a job that never started as cancelled. */
  cancelUnstarted: (job: HeldJob) => void;
  /** Forgets a job that never started, unsettled. */
  drop: (job: HeldJob) => void;
}): Interrupts {
  const { logger, leaseMs, heartbeatMs, emit, unstart, cancelUnstarted, drop } = options;
  return {
    cancel(job) {
      if (job.cancelRequested || job.phase === 'ending') return;
      job.cancelRequested = true;
      logger.info(jobFields(job), 'cancel requested: aborting ctx.signal');
      abortJob(job, new JobCancelRequestedError(job.id));
      if (unstart(job)) cancelUnstarted(job);
    },
    leaseLost(job, gone = false) {
      if (job.leaseLost) return;
      job.leaseLost = true;
      if (gone) job.gone = true;
      emit({ type: 'leasesLost', task: job.task, jobId: job.id });
      // This worker is alive and held the job: say so, unlike the broker's expiry reason.
      const where =
        job.phase === 'running'
          ? 'while this worker was still running the job'
          : `while the job waited in this worker (${job.phase})`;
      if (gone) {
        // Not a matter of timing: the job's record is not there to renew.
        logger.warn(
          { ...jobFields(job), phase: job.phase, gone: true },
          `lease lost: the broker has no record of the job ${where}: it was deleted (purged, or removed once finished elsewhere) or the broker lost its data (restarted without persistence, flushed, or failed over to a replica it had not reached). Aborting ctx.signal; its result cannot be recorded. Enqueue it again if it still has to run.`,
        );
      } else {
        logger.warn(
          { ...jobFields(job), leaseMs, heartbeatMs, phase: job.phase },
          `lease lost: the lease (${leaseMs} ms) ran out ${where}: no renewal (every ${heartbeatMs} ms) reached the broker in time, because the event loop was blocked or the broker was slow or unreachable. Raise leaseMs above the longest block (a synchronous task's whole run), or lower heartbeatMs. Aborting ctx.signal; its settlement will be stale.`,
        );
      }
      abortJob(job, new LeaseLostError(job.id, leaseMs, gone));
      if (unstart(job)) drop(job);
    },
  };
}
