// How a worker runs a task, beyond what producers need: its rate and concurrency limits,
// the sandbox, what happens to a completed job's record, and its time limits. Part of the
// task definition (`defineTask`), not of its contract.
import { InvalidOptionError } from './errors.js';
import { MAX_DURATION_MS } from './retry-policy.js';
import { assertRateLimitKeys, assertTimeLimitKeys } from './task-keys.js';

/** Time limits in ms. `soft` aborts `ctx.signal`; `hard` fails the job as timed out. */
export type TimeLimitOptions = number | { soft?: number; hard?: number };

/** At most `limit` runs start in any `per` ms, counted across every worker. */
export interface RateLimitOptions {
  limit: number;
  per: number;
}

/** How a worker runs a task, beyond its time limits. Not part of the contract. */
export interface TaskRunOptions {
  /** Start at most `limit` runs per `per` ms across all workers, e.g. `{ limit: 100, per: 1_000 }`. */
  readonly rateLimit?: RateLimitOptions | undefined;
  /** Run at most this many at once across all workers. */
  readonly concurrencyLimit?: number | undefined;
  /**
   * Run in a child process (`@conveyor/worker`'s sandbox), so that a hard time limit can
   * kill a hung or CPU-bound run. Input and result must be JSON.
   */
  readonly sandbox?: boolean | undefined;
  /**
   * Delete a completed job's record at once, result and all (BullMQ's `removeOnComplete`,
   * Celery's `ignore_result`): no completed entry to list or read, and `result()` rejects
   * with `JOB_NOT_FOUND`. Failed and dead jobs are kept as usual. Default false.
   */
  readonly removeOnComplete?: boolean | undefined;
}

/** Throws {@link InvalidOptionError}, quoting the value, for a run option that is not valid. */
export function checkRunOptions(options: TaskRunOptions, task: string): void {
  const label = `of task ${JSON.stringify(task)}`;
  const { rateLimit, concurrencyLimit, sandbox, removeOnComplete } = options;
  if (rateLimit !== undefined) {
    if (typeof rateLimit === 'object' && rateLimit !== null) assertRateLimitKeys(rateLimit, task);
    const { limit, per } = (rateLimit ?? {}) as Partial<RateLimitOptions>;
    if (
      typeof limit !== 'number' ||
      !Number.isInteger(limit) ||
      limit < 1 ||
      typeof per !== 'number' ||
      !(per >= 1 && per <= MAX_DURATION_MS)
    ) {
      throw new InvalidOptionError(
        `rateLimit ${label}`,
        rateLimit,
        '{ limit, per }: an integer 1 or more, per a number of ms from 1 to 2^52',
      );
    }
  }
  if (
    concurrencyLimit !== undefined &&
    (typeof concurrencyLimit !== 'number' ||
      !Number.isInteger(concurrencyLimit) ||
      concurrencyLimit < 1)
  ) {
    throw new InvalidOptionError(
      `concurrencyLimit ${label}`,
      concurrencyLimit,
      'an integer, 1 or more',
    );
  }
  for (const [name, value] of [
    ['sandbox', sandbox],
    ['removeOnComplete', removeOnComplete],
  ]) {
    if (value !== undefined && typeof value !== 'boolean') {
      throw new InvalidOptionError(`${name} ${label}`, value, 'true or false');
    }
  }
}

/**
 * A time limit is more than 0 ms: a limit of 0 failed every run at once, where the worker's
 * `defaultTimeout: 0` means none.
 */
function assertTimeLimit(value: unknown, option: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidOptionError(
      option,
      value,
      'a time limit in ms, more than 0 (leave it out for no limit)',
    );
  }
}

/** Normalizes `timeout`: a number is a hard limit that also aborts the signal at the same moment. */
export function resolveTimeLimits(
  timeout: TimeLimitOptions | undefined,
  task: string,
): { softMs?: number; hardMs?: number } {
  if (timeout === undefined) return {};
  const option = `timeout of task ${JSON.stringify(task)}`;
  if (typeof timeout === 'number') {
    assertTimeLimit(timeout, option);
    return { softMs: timeout, hardMs: timeout };
  }
  if (typeof timeout !== 'object' || timeout === null) {
    throw new InvalidOptionError(option, timeout, 'a number of ms or { soft?, hard? }');
  }
  assertTimeLimitKeys(timeout, task);
  const { soft, hard } = timeout;
  if (soft !== undefined) assertTimeLimit(soft, `${option} (soft)`);
  if (hard !== undefined) assertTimeLimit(hard, `${option} (hard)`);
  if (soft !== undefined && hard !== undefined && soft > hard) {
    throw new InvalidOptionError(option, timeout, 'soft no later than hard');
  }
  return {
    ...(soft !== undefined && { softMs: soft }),
    ...(hard !== undefined && { hardMs: hard }),
  };
}
