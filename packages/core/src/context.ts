import { InvalidOptionError, RetryRequest } from './errors.js';
import type { JsonValue } from './json.js';
import type { Logger } from './logger.js';

/** What a task's `run` receives beside its input. */
export interface TaskContext {
  readonly jobId: string;
  readonly task: string;
  readonly queue: string;
  /** 1-based: the first run is attempt 1. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Aborts on cancel, on the soft time limit and on worker shutdown. Pass it to fetch, db calls, … */
  readonly signal: AbortSignal;
  /** Log lines carry the job id, task and attempt. */
  readonly logger: Logger;
  /** Records progress (any JSON), visible in `getJob()` and `conveyor inspect`. Cheap: batched with heartbeats. */
  progress(value: JsonValue): void;
  /**
   * Re-schedules this job, like Celery's `self.retry(countdown=10)`, and ends this run.
   * Counts as an attempt: with none left the job is dead-lettered.
   *
   * @example
   * if (response.status === 503) ctx.retry({ countdown: 10_000, reason: 'warehouse busy' });
   */
  retry(options?: { countdown?: number; reason?: string; cause?: unknown }): never;
}

export interface TaskContextInit {
  jobId: string;
  task: string;
  queue: string;
  attempt: number;
  maxAttempts: number;
  signal: AbortSignal;
  logger: Logger;
  onProgress?: (value: JsonValue) => void;
}

export function createTaskContext(init: TaskContextInit): TaskContext {
  const { onProgress, ...fields } = init;
  return {
    ...fields,
    progress(value) {
      onProgress?.(value);
    },
    retry(options = {}) {
      const { countdown } = options;
      // NaN or Infinity would reach the transport as the retry delay.
      if (
        countdown !== undefined &&
        (typeof countdown !== 'number' || !Number.isFinite(countdown))
      ) {
        throw new InvalidOptionError('countdown', countdown, 'a finite number of ms');
      }
      throw new RetryRequest(countdown, options.reason, { cause: options.cause });
    },
  };
}
