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

/** What happens to a held job when a cancel or a lost lease reaches the worker. */
export function createInterrupts(options: {
  logger: Logger;
  emit: (event: WorkerEvent) => void;
  /** Takes the job out of the buffer or the limit gates; false if it was not there (it runs). */
  unstart: (job: HeldJob) => boolean;
  settleCancelled: (job: HeldJob) => void;
  forget: (job: HeldJob) => void;
}): Interrupts {
  const { logger, emit, unstart, settleCancelled, forget } = options;
  return {
    cancel(job) {
      if (job.cancelRequested || job.phase === 'ending') return;
      job.cancelRequested = true;
      logger.info(jobFields(job), 'cancel requested: aborting ctx.signal');
      abortJob(job, new JobCancelRequestedError(job.id));
      // Not started: releasing a cancel-requested job cancels it.
      if (unstart(job)) settleCancelled(job);
    },
    leaseLost(job) {
      if (job.leaseLost) return;
      job.leaseLost = true;
      emit({ type: 'leasesLost', task: job.task, jobId: job.id });
      logger.warn(jobFields(job), 'lease lost: aborting ctx.signal; its settlement will be stale');
      abortJob(job, new LeaseLostError(job.id));
      if (unstart(job)) {
        job.phase = 'ending';
        forget(job);
      }
    },
  };
}
