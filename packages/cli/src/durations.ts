import { usageError } from './errors.js';

/**
 * The longest delay a job takes, core's `MAX_DURATION_MS` (2^52 ms, about 142,000 years;
 * past it a broker does not keep the exact value), here so that building the command line
 * loads no core.
 */
export const MAX_DELAY_MS = 2 ** 52;

/** Milliseconds per unit a duration option takes (`30s`, `5m`, `1.5h`). */
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;

const UNIT_NAMES: Record<'ms' | 's', string> = { ms: 'milliseconds', s: 'seconds' };

/** A number, then a unit, with or without a space between: `30s`, `1.5 h`. */
const WITH_UNIT = /^(\d+(?:\.\d+)?) ?(ms|s|m|h|d)$/;

/**
 * `text` with a unit (`30s`, `1.5h`) in ms, rounded to a µs so that 1.1s is 1100, not
 * 1100.0000000000002; undefined without one.
 */
function unitMs(text: string): number | undefined {
  const match = WITH_UNIT.exec(text);
  if (!match) return undefined;
  return Math.round(Number(match[1]) * UNIT_MS[match[2] as Unit] * 1_000) / 1_000;
}

/**
 * Parses a duration option given in `unit` (`--delay 1500`) or with a unit of its own
 * (`--delay 30s`, `5m`, `1.5h`, `2d`), as a whole number of `unit` from `min`; quotes a bad
 * value and says both forms. `--delay 1h` was refused as "not an integer" while its help said
 * only `<ms>`.
 */
export function parseDuration(
  option: string,
  unit: 'ms' | 's',
  min: number,
  max = Number.MAX_SAFE_INTEGER,
) {
  const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
  const expected = () =>
    `a whole number of ${UNIT_NAMES[unit]} (${range}), or a number with a unit: ms, s, m, h or d (e.g. ${unit === 'ms' ? '1500, ' : '90, '}30s, 5m, 1h)`;
  return (value: string): number => {
    const text = value.trim();
    let amount: number;
    if (/^\d+$/.test(text)) {
      amount = Number(text);
    } else {
      const ms = unitMs(text);
      if (ms === undefined) throw usageError(option, value, expected());
      amount = ms / UNIT_MS[unit];
      if (!Number.isInteger(amount)) {
        throw usageError(option, value, `a whole number of ${UNIT_NAMES[unit]}: it is ${amount}`);
      }
    }
    if (amount < min || amount > max || !Number.isSafeInteger(amount)) {
      // A value in a form it reads, out of range: say the range, not the forms again.
      const over = amount > max ? `: it is ${amount} ${unit}, over ${max}` : '';
      throw usageError(option, value, `a whole number of ${UNIT_NAMES[unit]} (${range})${over}`);
    }
    return amount;
  };
}

/**
 * Parses how long a command waits, in seconds, fractions allowed (`--wait 0.5`), or with a unit
 * (`--wait 2m`, `1500ms`): above 0.
 */
export function parseWaitSeconds(option: string, alone: string) {
  return (value: string): number => {
    const text = value.trim();
    const seconds = /^\d+(?:\.\d+)?$/.test(text)
      ? Number(text)
      : (unitMs(text) ?? Number.NaN) / 1_000;
    if (!(seconds > 0) || !Number.isFinite(seconds)) {
      throw usageError(
        option,
        value,
        `seconds, a number above 0, or a number with a unit: ms, s, m, h or d (e.g. 0.5, 30s, 2m)${alone}`,
      );
    }
    return seconds;
  };
}
