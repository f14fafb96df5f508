import { InvalidOptionError, RetryRequest } from './errors.js';
import { assertJsonValue, type JsonValue } from './json.js';
import { type Logger, withFields } from './logger.js';
import { MAX_DURATION_MS } from './retry-policy.js';

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
  /**
   * Records progress (any JSON), visible in `getJob()` and `conveyor inspect`. Cheap: batched
   * with heartbeats. A value JSON cannot carry (a bigint, a cycle) throws `NOT_JSON` here.
   */
  progress(value: JsonValue): void;
  /**
   * Re-schedules this job after `countdown` ms (the task's back-off without one), and ends
   * this run, like Celery's `self.retry(countdown=10, exc=e)`, whose countdown is in seconds:
   * `countdown: 10_000` here. Counts as an attempt: with none left the job is dead-lettered.
   * `cause` is stored as the attempt's error (and the job's, dead-lettered), after `reason`.
   *
   * @example
   * if (response.status === 503) ctx.retry({ countdown: 10_000, reason: 'warehouse busy' });
   */
  retry(options?: { countdown?: number; reason?: string; cause?: unknown }): never;
}

/** Shared by every context: it uses no `this`, so `const { retry } = ctx` works too. */
function retry(options: { countdown?: number; reason?: string; cause?: unknown } = {}): never {
  const { countdown } = options;
  // NaN, Infinity or 1e20 would reach the transport as the retry delay. (A negative one
  // means now.)
  if (
    countdown !== undefined &&
    (typeof countdown !== 'number' || !Number.isFinite(countdown) || countdown > MAX_DURATION_MS)
  ) {
    throw new InvalidOptionError(
      'countdown',
      countdown,
      `a finite number of ms, at most ${MAX_DURATION_MS.toLocaleString('en-US')} (about 142,000 years)`,
    );
  }
  throw new RetryRequest(countdown, options.reason, { cause: options.cause });
}

/**
 * A progress value is checked where the task reports it: it travels with the next lease
 * renewal, and one that JSON cannot carry (a bigint, a cycle) failed that renewal for every
 * job of the worker, whose leases then ran out.
 */
const checkProgress = (value: unknown): void => assertJsonValue(value, 'progress');

/** What `runJob` knows about a job, for its context. */
export interface TaskContextInit {
  jobId: string;
  task: string;
  queue: string;
  attempt: number;
  maxAttempts: number;
  /** The job's signal, or a function that makes it on first read. */
  signal: AbortSignal | (() => AbortSignal);
  /** The base logger; `ctx.logger` adds job id, task and attempt to its lines. */
  logger: Logger;
  onProgress?: (value: JsonValue) => void;
}

/**
 * The context `runJob` gives a task. Most tasks read neither `ctx.logger` nor
 * `ctx.signal`, so both are made on first read: at thousands of jobs a second the
 * per-job closures and AbortSignals were a large share of a worker's CPU and GC.
 */
class LazyTaskContext implements TaskContext {
  readonly jobId: string;
  readonly task: string;
  readonly queue: string;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly progress: (value: JsonValue) => void;
  readonly retry = retry;
  #signal: AbortSignal | (() => AbortSignal);
  #base: Logger;
  #logger: Logger | undefined;

  constructor(init: TaskContextInit) {
    this.jobId = init.jobId;
    this.task = init.task;
    this.queue = init.queue;
    this.attempt = init.attempt;
    this.maxAttempts = init.maxAttempts;
    // Own property, not a method: `const { progress } = ctx` keeps working.
    const { onProgress } = init;
    this.progress =
      onProgress === undefined
        ? checkProgress
        : (value) => {
            checkProgress(value);
            onProgress(value);
          };
    this.#signal = init.signal;
    this.#base = init.logger;
  }

  get signal(): AbortSignal {
    if (typeof this.#signal === 'function') this.#signal = this.#signal();
    return this.#signal;
  }

  get logger(): Logger {
    this.#logger ??= withFields(this.#base, {
      jobId: this.jobId,
      task: this.task,
      attempt: this.attempt,
    });
    return this.#logger;
  }
}

/** A {@link TaskContext} whose `signal` and `logger` are made when the task first reads them. */
export function lazyTaskContext(init: TaskContextInit): TaskContext {
  return new LazyTaskContext(init);
}
