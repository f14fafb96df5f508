/** Stable codes of the worker's own errors. Match on `error.code`, not on messages. */
export type WorkerErrorCode =
  | 'LEASE_LOST'
  | 'JOB_CANCEL_REQUESTED'
  | 'WORKER_SHUTDOWN'
  | 'WORKER_STOPPED'
  | 'SANDBOX_CRASHED'
  | 'SANDBOX_START_FAILED'
  | 'SANDBOX_UNAVAILABLE'
  | 'TASK_MODULE_FAILED'
  | 'ILLEGAL_PHASE_CHANGE'
  | 'WORKFLOW_ENDED'
  | 'UNKNOWN_WORKFLOW'
  | 'WORKFLOW_SKEW'
  | 'WORKFLOW_MAPPING_FAILED'
  | 'WORKFLOW_STEP_LOST';

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
  /** The broker had no record of the job at all (deleted, or its data lost), not a late renewal. */
  readonly gone: boolean;

  constructor(jobId: string, leaseMs?: number, gone = false) {
    const lease = leaseMs === undefined ? 'the lease' : `the lease (${leaseMs} ms)`;
    super(
      'LEASE_LOST',
      gone
        ? `Lost the lease on job ${JSON.stringify(jobId)}: the broker has no record of the job any more. It was deleted (purged, or removed once finished elsewhere) or the broker lost its data (restarted without persistence, flushed, or failed over to a replica it had not reached), so this run's result cannot be recorded. Enqueue the job again if it still has to run.`
        : `Lost the lease on job ${JSON.stringify(jobId)}: ${lease} ran out while this worker still held it, before a renewal reached the broker. It may already run elsewhere, so this run's result will be rejected. Keep the event loop free (no long synchronous work), raise leaseMs or lower heartbeatMs.`,
    );
    this.gone = gone;
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

/** The sandbox child running a job died (crash, out of memory, killed from outside). Retried like a thrown error. */
export class SandboxCrashedError extends WorkerError {
  constructor(jobId: string, reason: string) {
    super(
      'SANDBOX_CRASHED',
      `The sandbox process running job ${JSON.stringify(jobId)} died (${reason}); the job is retried if attempts remain. Check the task for process.exit calls, native crashes or memory use.`,
    );
  }
}

/** A sandbox child could not load the task module, or the module lacks a sandboxed task. */
export class SandboxStartError extends WorkerError {
  constructor(module: string, cause: Error) {
    super(
      'SANDBOX_START_FAILED',
      `The sandbox could not load the task module ${JSON.stringify(module)}: ${cause.message.replace(/\.$/, '')}. Point sandbox.module at the registry module that exports these tasks, and give sandbox.execArgv the flags it needs (e.g. --import tsx for TypeScript).`,
      { cause },
    );
  }
}

/**
 * The sandbox's child entry (`sandbox-child.js` beside @conveyor/worker's own module) is not
 * on disk: the worker was bundled with its dependencies inlined.
 */
export class SandboxUnavailableError extends WorkerError {
  readonly entry: string | undefined;

  constructor(entry: string | undefined) {
    const where =
      entry === undefined
        ? 'this build has no import.meta.url (a CommonJS bundle)'
        : `${JSON.stringify(entry)} does not exist`;
    super(
      'SANDBOX_UNAVAILABLE',
      `Sandboxed tasks run in child processes that start from @conveyor/worker's sandbox-child.js, but ${where}: the worker seems to be bundled with @conveyor/worker inlined. Keep @conveyor/worker and its dependencies out of the bundle (esbuild: packages: 'external', then install them beside it), or run these tasks without a sandbox (no sandbox: true, no sandbox option).`,
    );
    this.entry = entry;
  }
}

/** A task module is missing, fails to import, or exports no tasks (see `loadTaskModule`). */
export class TaskModuleError extends WorkerError {
  constructor(module: string, problem: string, options?: ErrorOptions) {
    super('TASK_MODULE_FAILED', `Task module ${JSON.stringify(module)} ${problem}`, options);
  }
}

/** `start()` on a worker that has already stopped. */
export class WorkerStoppedError extends WorkerError {
  constructor(workerId: string) {
    super('WORKER_STOPPED', `Worker ${JSON.stringify(workerId)} has stopped; create a new worker.`);
  }
}

/**
 * A held job made a move its lifecycle does not allow from its phase (see `PHASE_MOVES`):
 * a bug in the worker, thrown only in tests; in production it is logged.
 */
export class IllegalPhaseChangeError extends WorkerError {
  constructor(jobId: string, move: string, phase: string, allowedFrom: readonly string[]) {
    super(
      'ILLEGAL_PHASE_CHANGE',
      `Worker bug: held job ${JSON.stringify(jobId)} made the move "${move}" while ${phase}, but that move is allowed only from ${allowedFrom.join(' or ')}. The worker carries on; please report this with the log line.`,
    );
  }
}
