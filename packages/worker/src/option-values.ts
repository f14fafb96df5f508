import { InvalidOptionError } from '@conveyor/core';
import { assertByteLimit, MAX_DURATION_MS } from '@conveyor/core/transport';

/** The plain values of the worker's options, checked one at a time (see options.ts). */

export function integer(
  value: unknown,
  option: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(option, value, `an integer from ${min} to ${max}`);
  }
  return value;
}

export function byteLimit(value: unknown, option: string): number {
  assertByteLimit(value, option);
  return value;
}

export function duration(value: unknown, option: string, min: number): number {
  // Past MAX_DURATION_MS a broker's expiry overflows: a lease of 1e20 ms had expired on
  // Redis as it was written, and another worker took the job.
  if (typeof value !== 'number' || !(value >= min && value <= MAX_DURATION_MS)) {
    throw new InvalidOptionError(
      option,
      value,
      `a number of ms from ${min} to ${MAX_DURATION_MS.toLocaleString('en-US')}`,
    );
  }
  return value;
}

/**
 * The functions the worker calls: checked when it is created, since a logger without these
 * methods used to fail start() only after its loops had begun.
 */
export function checkHooks(options: { logger?: unknown; random?: unknown }): void {
  const { logger, random } = options;
  const missing = ['info', 'warn', 'error'].filter(
    (level) => typeof (logger as Record<string, unknown> | undefined)?.[level] !== 'function',
  );
  if (logger !== undefined && missing.length > 0) {
    throw new InvalidOptionError(
      'logger',
      logger,
      `a logger with info, warn and error methods (missing: ${missing.join(', ')}), such as pino or console`,
    );
  }
  if (random !== undefined && typeof random !== 'function') {
    throw new InvalidOptionError('random', random, 'a function returning a number in [0, 1)');
  }
}
