import type { Logger, Transport } from '@conveyor/core';
import { WorkerShutdownError } from './errors.js';
import { abortJob, type HeldJob, releaseOf } from './held-job.js';
import { reportSettled } from './settle-report.js';
import type { WorkerEvent } from './stats.js';

/**
 * Gives unfinished jobs back to their queues in one settle call (end of the grace
 * period), and counts each. If the call fails they come back when their leases expire.
 */
export async function releaseAll(options: {
  transport: Transport;
  jobs: readonly HeldJob[];
  emit: (event: WorkerEvent) => void;
  logger: Logger;
}): Promise<void> {
  const { transport, jobs, emit, logger } = options;
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
  jobs.forEach((job, index) => {
    const answer = (statuses[index] ?? 'error') as 'ok' | 'stale' | 'error';
    reportSettled({ job, type: 'released', settlement: releaseOf(job) }, answer, emit, logger);
  });
}

/**
 * The grace period is over: every job still running leaves its slot, has its `ctx.signal`
 * aborted, and goes back to its queue in one settle call; then the worker forgets it.
 */
export function releaseUnfinished(options: {
  jobs: readonly HeldJob[];
  graceMs: number;
  transport: Transport;
  emit: (event: WorkerEvent) => void;
  logger: Logger;
  leaveSlot: (job: HeldJob) => void;
  forget: (job: HeldJob) => void;
}): void {
  const { jobs, graceMs, logger, leaveSlot, forget } = options;
  if (jobs.length === 0) return;
  logger.warn(
    { jobIds: jobs.map((job) => job.id), graceMs },
    'grace period over: releasing unfinished jobs',
  );
  for (const job of jobs) {
    leaveSlot(job);
    abortJob(job, new WorkerShutdownError(job.id, graceMs));
  }
  void releaseAll(options).then(() => {
    for (const job of jobs) forget(job);
  });
}
