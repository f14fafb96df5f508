import type { Logger } from '@conveyor/core';
import { JobCancelRequestedError, LeaseLostError } from './errors.js';
import { abortJob, type HeldJob, jobFields } from './held-job.js';
import type { WorkerEvent } from './stats.js';

export interface Interrupts {
  /** Someone cancelled the job: abort its run; if it has not started, settle it as cancelled. */
  cancel(job: HeldJob): void;
  /** Its lease ran out: abort its run; if it has not started, drop it (its settle would be stale). */
  leaseLost(job: HeldJob): void;
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
    leaseLost(job) {
      if (job.leaseLost) return;
      job.leaseLost = true;
      emit({ type: 'leasesLost', task: job.task, jobId: job.id });
      // This worker is alive and held the job: say so, unlike the broker's expiry reason.
      const where =
        job.phase === 'running'
          ? 'while this worker was still running the job'
          : `while the job waited in this worker (${job.phase})`;
      logger.warn(
        { ...jobFields(job), leaseMs, heartbeatMs, phase: job.phase },
        `lease lost: the lease (${leaseMs} ms) ran out ${where}: no renewal (every ${heartbeatMs} ms) reached the broker in time, because the event loop was blocked or the broker was slow or unreachable. Raise leaseMs above the longest block (a synchronous task's whole run), or lower heartbeatMs. Aborting ctx.signal; its settlement will be stale.`,
      );
      abortJob(job, new LeaseLostError(job.id, leaseMs));
      if (unstart(job)) drop(job);
    },
  };
}
