import { describe, expect, it } from 'vitest';
import { ConveyorError, InvalidOptionError } from '../src/errors.js';
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  type RetryOptions,
  type RetryPolicy,
  resolveRetryPolicy,
  retryAttempts,
} from '../src/retry-policy.js';

const noJitter = () => 0;
/** The largest value `Math.random()` can return. */
const almostOne = 1 - Number.EPSILON / 2;

function policy(backoff: Partial<RetryPolicy['backoff']>, attempts = 5): RetryPolicy {
  return resolveRetryPolicy({
    attempts,
    backoff: { type: 'exponential', delay: 1_000, jitter: 0, ...backoff },
  });
}

/** Calls `resolveRetryPolicy` with options a JavaScript caller could pass. */
function resolveUntyped(options: unknown): RetryPolicy {
  return resolveRetryPolicy(options as RetryOptions);
}

function invalidOption(run: () => unknown): InvalidOptionError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error).toBeInstanceOf(ConveyorError);
    expect((error as InvalidOptionError).code).toBe('INVALID_OPTION');
    return error as InvalidOptionError;
  }
  throw new Error('expected an InvalidOptionError, but nothing was thrown');
}

describe('resolveRetryPolicy', () => {
  it('uses 3 attempts, exponential back-off from 1 s capped at 1 h, half jitter by default', () => {
    expect(resolveRetryPolicy(undefined)).toEqual({
      attempts: 3,
      backoff: { type: 'exponential', delay: 1_000, maxDelay: 3_600_000, jitter: 0.5 },
    });
    expect(resolveRetryPolicy(undefined)).toBe(DEFAULT_RETRY_POLICY);
  });

  it('keeps the default policy frozen so no caller can change it for everyone', () => {
    expect(Object.isFrozen(DEFAULT_RETRY_POLICY)).toBe(true);
    expect(Object.isFrozen(DEFAULT_RETRY_POLICY.backoff)).toBe(true);
  });

  it('fills the default back-off when only attempts are given', () => {
    expect(resolveRetryPolicy({ attempts: 7 })).toEqual({
      attempts: 7,
      backoff: { type: 'exponential', delay: 1_000, maxDelay: 3_600_000, jitter: 0.5 },
    });
  });

  it('fills maxDelay and jitter defaults inside a given back-off', () => {
    expect(resolveRetryPolicy({ attempts: 2, backoff: { type: 'fixed', delay: 250 } })).toEqual({
      attempts: 2,
      backoff: { type: 'fixed', delay: 250, maxDelay: 3_600_000, jitter: 0.5 },
    });
  });

  it('maps jitter true to 0.5 and false to 0', () => {
    const withJitter = (jitter: boolean | number) =>
      resolveRetryPolicy({ attempts: 2, backoff: { type: 'fixed', delay: 100, jitter } }).backoff
        .jitter;
    expect(withJitter(true)).toBe(0.5);
    expect(withJitter(false)).toBe(0);
    expect(withJitter(0.2)).toBe(0.2);
    expect(withJitter(1)).toBe(1);
  });

  it('accepts the attempt bounds 1 and 1000', () => {
    expect(resolveRetryPolicy({ attempts: 1 }).attempts).toBe(1);
    expect(resolveRetryPolicy({ attempts: 1_000 }).attempts).toBe(1_000);
  });

  it.each([0, -1, 1.5, 1_001, Number.NaN])('rejects attempts %s, quoting it', (attempts) => {
    const error = invalidOption(() => resolveRetryPolicy({ attempts }));
    expect(error.message).toBe(
      `Invalid retry.attempts ${attempts}: expected an integer from 1 to 1000.`,
    );
  });

  it('rejects attempts given as a string, quoting the string', () => {
    const error = invalidOption(() => resolveUntyped({ attempts: '3' }));
    expect(error.message).toContain('retry.attempts "3"');
  });

  it('rejects an unknown back-off type, quoting it', () => {
    const error = invalidOption(() =>
      resolveUntyped({ attempts: 2, backoff: { type: 'linear', delay: 10 } }),
    );
    expect(error.message).toBe(
      'Invalid retry.backoff.type "linear": expected "fixed" or "exponential".',
    );
  });

  // 1e20: on Redis a delay that large ran the job at once (see MAX_DURATION_MS).
  it.each([-1, Number.POSITIVE_INFINITY, Number.NaN, 1e20])(
    'rejects a base delay of %s',
    (delay) => {
      const error = invalidOption(() =>
        resolveRetryPolicy({ attempts: 2, backoff: { type: 'fixed', delay } }),
      );
      expect(error.message).toBe(
        `Invalid retry.backoff.delay ${delay}: expected a duration in ms (a number from 0 to 4,503,599,627,370,496, about 142,000 years).`,
      );
    },
  );

  it('rejects a negative maxDelay, quoting it', () => {
    const error = invalidOption(() =>
      resolveRetryPolicy({ attempts: 2, backoff: { type: 'exponential', delay: 1, maxDelay: -5 } }),
    );
    expect(error.message).toMatch(/^Invalid retry\.backoff\.maxDelay -5: /);
  });

  it.each([-0.1, 1.5, Number.NaN])('rejects jitter %s, quoting it', (jitter) => {
    const error = invalidOption(() =>
      resolveRetryPolicy({ attempts: 2, backoff: { type: 'fixed', delay: 10, jitter } }),
    );
    expect(error.message).toBe(
      `Invalid retry.backoff.jitter ${jitter}: expected a boolean or a number from 0 to 1.`,
    );
  });

  it('rejects jitter given as a string, quoting the string', () => {
    const error = invalidOption(() =>
      resolveUntyped({ attempts: 2, backoff: { type: 'fixed', delay: 10, jitter: '0.3' } }),
    );
    expect(error.message).toContain('retry.backoff.jitter "0.3"');
  });
});

describe('retryAttempts', () => {
  it("gives a retry option's attempts (the default's without one), and refuses a bad one every time", () => {
    expect(retryAttempts(undefined)).toBe(DEFAULT_RETRY_POLICY.attempts);
    const retry = { attempts: 7 };
    expect(retryAttempts(retry)).toBe(7);
    expect(retryAttempts(retry)).toBe(7);
    const bad = { attempts: 0 };
    expect(() => retryAttempts(bad)).toThrow(InvalidOptionError);
    expect(() => retryAttempts(bad)).toThrow(InvalidOptionError);
  });
});

describe('backoffDelay', () => {
  it('keeps a fixed delay the same for every attempt', () => {
    const fixed = policy({ type: 'fixed', delay: 750 });
    expect([1, 2, 3, 10].map((attempt) => backoffDelay(fixed, attempt, noJitter))).toEqual([
      750, 750, 750, 750,
    ]);
  });

  it('does not cap a fixed delay at maxDelay (maxDelay is for exponential only)', () => {
    const fixed = policy({ type: 'fixed', delay: 5_000, maxDelay: 1_000 });
    expect(backoffDelay(fixed, 4, noJitter)).toBe(5_000);
  });

  it('doubles an exponential delay per failed attempt: delay * 2^(attempt-1)', () => {
    const exponential = policy({ type: 'exponential', delay: 100 });
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(exponential, attempt, noJitter))).toEqual([
      100, 200, 400, 800, 1_600,
    ]);
  });

  it('treats attempt 0 like attempt 1 instead of halving the delay', () => {
    expect(backoffDelay(policy({ delay: 100 }), 0, noJitter)).toBe(100);
  });

  it('caps an exponential delay at maxDelay', () => {
    const capped = policy({ type: 'exponential', delay: 100, maxDelay: 500 });
    expect([3, 4, 5, 50].map((attempt) => backoffDelay(capped, attempt, noJitter))).toEqual([
      400, 500, 500, 500,
    ]);
  });

  it('stays finite at the highest attempt count', () => {
    const exponential = policy({ type: 'exponential', delay: 1_000, maxDelay: 60_000 }, 1_000);
    expect(backoffDelay(exponential, 999, noJitter)).toBe(60_000);
  });

  it('does not jitter when random returns 0', () => {
    const jittered = policy({ type: 'fixed', delay: 1_000, jitter: 0.5 });
    expect(backoffDelay(jittered, 1, noJitter)).toBe(1_000);
  });

  it('jitters down to d * (1 - jitter) at the top of random', () => {
    const jittered = policy({ type: 'fixed', delay: 1_000, jitter: 0.3 });
    const delay = backoffDelay(jittered, 1, () => almostOne);
    expect(delay).toBe(700);
  });

  it('keeps a jittered delay within [d * (1 - jitter), d]', () => {
    const jittered = policy({ type: 'exponential', delay: 1_000, jitter: 0.25 });
    for (const random of [0, 0.1, 0.5, 0.9, almostOne]) {
      const delay = backoffDelay(jittered, 3, () => random);
      expect(delay).toBeGreaterThanOrEqual(3_000);
      expect(delay).toBeLessThanOrEqual(4_000);
    }
    expect(backoffDelay(jittered, 3, () => 0.5)).toBe(3_500);
  });

  it('applies jitter true as 0.5', () => {
    const jittered = resolveRetryPolicy({
      attempts: 3,
      backoff: { type: 'fixed', delay: 2_000, jitter: true },
    });
    expect(backoffDelay(jittered, 1, () => almostOne)).toBe(1_000);
    expect(backoffDelay(jittered, 1, () => 0.5)).toBe(1_500);
  });

  it('jitters after capping, so a capped delay still spreads below maxDelay', () => {
    const capped = policy({ type: 'exponential', delay: 100, maxDelay: 1_000, jitter: 0.5 });
    expect(backoffDelay(capped, 20, () => 0.5)).toBe(750);
  });

  it('returns whole milliseconds', () => {
    const jittered = policy({ type: 'fixed', delay: 1_000, jitter: 0.5 });
    expect(Number.isInteger(backoffDelay(jittered, 1, () => 0.123_456))).toBe(true);
  });

  it('uses Math.random when no random source is injected', () => {
    const jittered = policy({ type: 'fixed', delay: 10_000, jitter: 1 });
    const delays = new Set(Array.from({ length: 20 }, () => backoffDelay(jittered, 1)));
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(10_000);
    }
    expect(delays.size).toBeGreaterThan(1);
  });
});
