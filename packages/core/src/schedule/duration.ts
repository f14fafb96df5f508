import { InvalidOptionError } from '../errors.js';

/** The shortest interval a schedule may have, in ms. */
export const MIN_EVERY_MS = 1_000;

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 } as const;
const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
const RULE = `an integer number of ms, ${MIN_EVERY_MS} or more, or a duration such as '30s', '5m', '1h', '1d' or '1h30m' (units d, h, m, s, largest first)`;

/** The longest interval `every` takes, in whole days (ms as a safe integer). */
const MAX_EVERY_DAYS = Math.floor(Number.MAX_SAFE_INTEGER / 86_400_000).toLocaleString('en-US');

/**
 * The interval of an `every` option in ms: a number of ms, or a duration string whose
 * parts go from days to seconds (`'1h30m'`). Throws {@link InvalidOptionError} otherwise.
 */
export function parseEvery(value: unknown, option = 'every'): number {
  let ms: number | undefined;
  if (typeof value === 'number') ms = value;
  else if (typeof value === 'string' && value !== '') {
    const match = DURATION.exec(value);
    if (match) {
      const [, d, h, m, s] = match;
      ms =
        Number(d ?? 0) * UNIT_MS.d +
        Number(h ?? 0) * UNIT_MS.h +
        Number(m ?? 0) * UNIT_MS.m +
        Number(s ?? 0) * UNIT_MS.s;
    }
  }
  if (ms !== undefined && ms > Number.MAX_SAFE_INTEGER) {
    throw new InvalidOptionError(option, value, `an interval of at most ${MAX_EVERY_DAYS} days`);
  }
  if (ms === undefined || !Number.isSafeInteger(ms) || ms < MIN_EVERY_MS) {
    throw new InvalidOptionError(option, value, RULE);
  }
  return ms;
}
