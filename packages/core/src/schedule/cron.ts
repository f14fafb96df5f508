import { Cron } from 'croner';
import { cronReason } from './cron-reason.js';

/**
 * Compiles a pattern to match wall-clock times (ms as if UTC); `slots.ts` maps them to
 * instants in the schedule's zone, so croner's own DST handling is not used. A fixed
 * `utcOffset: 0` reads no zone data (`timezone: 'UTC'` goes through Intl, 6x slower).
 */
export function compileCron(pattern: unknown): Cron {
  if (typeof pattern !== 'string') throw new TypeError('the pattern is not a string');
  return new Cron(pattern, { utcOffset: 0, mode: '5-or-6-parts' });
}

/**
 * What a usable cron pattern is, said for `pattern` when it is not one (croner refuses it,
 * or it matches no date), for an `INVALID_OPTION` message; undefined when it is usable.
 */
export function cronProblem(pattern: unknown): string | undefined {
  let compiled: Cron;
  try {
    compiled = compileCron(pattern);
  } catch (cause) {
    return `a cron pattern of 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), such as '0 7 * * *'${cronReason(pattern, cause)}`;
  }
  if (compiled.nextRun(new Date(0)) === null) {
    return 'a pattern that matches some date (this one never fires)';
  }
  return undefined;
}
