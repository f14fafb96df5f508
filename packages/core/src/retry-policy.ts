import { InvalidOptionError } from './errors.js';
import { assertKnownKeys, type KnownKeys } from './known-keys.js';

/** How long to wait before the next attempt. */
export interface BackoffOptions {
  /** `fixed`: always `delay`. `exponential`: `delay * 2^(attempt-1)`, capped at `maxDelay`. */
  type: 'fixed' | 'exponential';
  /** Base delay in ms. */
  delay: number;
  /** Upper bound in ms (exponential only). Default 1 hour. */
  maxDelay?: number;
  /**
   * Randomizes each delay down by up to this fraction so that failed jobs do not retry
   * in lockstep: `true` means 0.5, a delay `d` becomes a value in `[d * (1 - jitter), d]`.
   * Default 0.5, for a back-off given here too; `false` (or 0) keeps delays exact.
   */
  jitter?: boolean | number;
}

/** A task's retry policy. */
export interface RetryOptions {
  /** Total runs allowed, the first included (Celery's max_retries + 1). */
  attempts: number;
  backoff?: BackoffOptions;
}

export interface RetryPolicy {
  attempts: number;
  backoff: Required<Omit<BackoffOptions, 'jitter'>> & { jitter: number };
}

/** Used when a task says nothing: 3 attempts, exponential from 1 s, up to 1 h, jittered. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  attempts: 3,
  backoff: Object.freeze({ type: 'exponential', delay: 1_000, maxDelay: 3_600_000, jitter: 0.5 }),
}) as RetryPolicy;

const RETRY_KEYS = { attempts: true, backoff: true } as const satisfies KnownKeys<RetryOptions>;
const BACKOFF_KEYS = {
  type: true,
  delay: true,
  maxDelay: true,
  jitter: true,
} as const satisfies KnownKeys<BackoffOptions>;

/** Fills defaults and checks ranges; throws {@link InvalidOptionError} quoting the bad value. */
export function resolveRetryPolicy(options: RetryOptions | undefined, owner?: string): RetryPolicy {
  /** The option as its owner's (`retry.attempts of task "shop.x"`). */
  const at = (option: string) => (owner === undefined ? option : `${option} of ${owner}`);
  if (options === undefined) return DEFAULT_RETRY_POLICY;
  // `retry: 5` read as "Invalid retry.attempts undefined".
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError(
      at('retry'),
      options,
      '{ attempts, backoff? }, e.g. { attempts: 5 }',
    );
  }
  assertKnownKeys(options, RETRY_KEYS, at('retry option'));
  if (options.attempts === undefined) {
    // { backoff } alone read as "Invalid retry.attempts undefined".
    throw new InvalidOptionError(
      at('retry.attempts'),
      undefined,
      'an integer from 1 to 1000: a retry option needs its attempts, e.g. { attempts: 5, backoff }; leave retry out for the default 3 attempts',
    );
  }
  assertAttempts(options.attempts, at('retry.attempts'));
  const backoff = options.backoff ?? DEFAULT_RETRY_POLICY.backoff;
  if (typeof backoff !== 'object' || backoff === null) {
    throw new InvalidOptionError(
      at('retry.backoff'),
      backoff,
      "{ type, delay, maxDelay?, jitter? }, e.g. { type: 'exponential', delay: 1_000 }",
    );
  }
  assertKnownKeys(backoff, BACKOFF_KEYS, at('retry.backoff option'));
  if (backoff.type !== 'fixed' && backoff.type !== 'exponential') {
    throw new InvalidOptionError(
      at('retry.backoff.type'),
      backoff.type,
      '"fixed" or "exponential"',
    );
  }
  assertDuration(backoff.delay, at('retry.backoff.delay'));
  const maxDelay = backoff.maxDelay ?? DEFAULT_RETRY_POLICY.backoff.maxDelay;
  assertDuration(maxDelay, at('retry.backoff.maxDelay'));
  const jitter =
    backoff.jitter === true ? 0.5 : backoff.jitter === false ? 0 : (backoff.jitter ?? 0.5);
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1)) {
    throw new InvalidOptionError(
      at('retry.backoff.jitter'),
      backoff.jitter,
      'a boolean or a number from 0 to 1',
    );
  }
  return {
    attempts: options.attempts,
    backoff: { type: backoff.type, delay: backoff.delay, maxDelay, jitter },
  };
}

/**
 * Delay before the attempt after `failedAttempt` (1-based). `random` returns [0, 1);
 * inject it for deterministic tests.
 */
export function backoffDelay(
  policy: RetryPolicy,
  failedAttempt: number,
  random: () => number = Math.random,
): number {
  const { type, delay, maxDelay, jitter } = policy.backoff;
  const base =
    type === 'fixed' ? delay : Math.min(maxDelay, delay * 2 ** Math.max(0, failedAttempt - 1));
  return Math.round(base * (1 - jitter * random()));
}

/** Throws unless `value` is an integer from 1 to 1,000. */
export function assertAttempts(value: unknown, option: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 1_000) {
    throw new InvalidOptionError(option, value, 'an integer from 1 to 1000');
  }
}

/**
 * The longest duration an option takes: 2^52 ms, about 142,000 years. Added to now, it is
 * still a time a `Date` can hold and a broker stores exactly. Before, a finite value of any
 * size was taken: on Redis `delay: 1e20` ran the job at once, and `resultTtl: 1e20` dropped
 * its result as it was stored.
 */
export const MAX_DURATION_MS = 2 ** 52;
/** The latest time an option takes (`eta`, `expiresAt`, `deadline`): the latest a `Date` holds. */
export const MAX_EPOCH_MS = 8.64e15;

const DURATION_RULE = `a duration in ms (a number from 0 to ${MAX_DURATION_MS.toLocaleString('en-US')}, about 142,000 years)`;

/** Throws unless `value` is a number of ms from 0 to {@link MAX_DURATION_MS}. */
export function assertDuration(value: unknown, option: string): asserts value is number {
  if (typeof value !== 'number' || !(value >= 0 && value <= MAX_DURATION_MS)) {
    throw new InvalidOptionError(option, value, DURATION_RULE);
  }
}

const checkedAttempts = new WeakMap<RetryOptions, number>();

/**
 * `resolveRetryPolicy(options).attempts`, checked once per options object (a task's `retry`,
 * which its definition holds for good) rather than on every enqueue the client makes.
 */
export function retryAttempts(options: RetryOptions | undefined): number {
  if (options === undefined) return DEFAULT_RETRY_POLICY.attempts;
  let attempts = checkedAttempts.get(options);
  if (attempts === undefined) {
    attempts = resolveRetryPolicy(options).attempts;
    checkedAttempts.set(options, attempts);
  }
  return attempts;
}
