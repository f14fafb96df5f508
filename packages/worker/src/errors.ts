/** Stable codes of the worker's own errors. Match on `error.code`, not on messages. */
export type WorkerErrorCode =
  | 'LEASE_LOST'
  | 'JOB_CANCEL_REQUESTED'
  | 'WORKER_SHUTDOWN'
  | 'WORKER_STOPPED';

/**
 * Base class of the worker's errors. Most of them are abort reasons: a task sees them as
 * `ctx.signal.reason` and can tell a cancel from a shutdown or a lost lease.
 */
export class WorkerError extends Error {
  readonly code: WorkerErrorCode;

  constructor(code: WorkerErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The lease on this delivery expired (the loop was blocked, or the broker was unreachable). */
export class LeaseLostError extends WorkerError {
  constructor(jobId: string) {
    super(
      'LEASE_LOST',
      `Lost the lease on job ${JSON.stringify(jobId)}: it may already run elsewhere, so this run's result will be rejected. Keep the event loop free (no long synchronous work) or raise leaseMs.`,
    );
  }
}

/** Someone called `cancel()` on the job while it ran. */
export class JobCancelRequestedError extends WorkerError {
  constructor(jobId: string) {
    super('JOB_CANCEL_REQUESTED', `Job ${JSON.stringify(jobId)} was cancelled while it ran.`);
  }
}

/** The worker stopped before the job finished; it goes back to its queue. */
export class WorkerShutdownError extends WorkerError {
  constructor(jobId: string, graceMs: number) {
    super(
      'WORKER_SHUTDOWN',
      `The worker shut down and job ${JSON.stringify(jobId)} did not finish within the ${graceMs} ms grace period; it was released back to its queue.`,
    );
  }
}

/** `start()` on a worker that has already stopped. */
export class WorkerStoppedError extends WorkerError {
  constructor(workerId: string) {
    super('WORKER_STOPPED', `Worker ${JSON.stringify(workerId)} has stopped; create a new worker.`);
  }
}
