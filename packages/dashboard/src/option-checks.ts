import { assertKnownKeys, type KnownKeys, type UnknownKey } from '@conveyor/core/transport';
import { DashboardError, quote } from './errors.js';

/**
 * The keys an options object may have. Declared with `satisfies OptionKeys<Options>`, the
 * compiler keeps the list equal to the type's keys.
 */
export type OptionKeys<T> = KnownKeys<T>;

/** `INVALID_OPTION`: names the option, quotes the value, says what is expected. */
export function invalidOption(name: string, value: unknown, expected: string): DashboardError {
  return new DashboardError(
    'INVALID_OPTION',
    `Invalid ${name} ${quote(value)}: expected ${expected}.`,
  );
}

/**
 * `INVALID_OPTION` for an unknown key, as the dashboard words it:
 * `Unknown createDashboard option "readonly" (did you mean "readOnly"?): expected one of …`.
 */
function unknownOption({ what, key, known, near }: UnknownKey): DashboardError {
  return new DashboardError(
    'INVALID_OPTION',
    `Unknown ${what} ${JSON.stringify(key)}${near === undefined ? '' : ` (did you mean ${JSON.stringify(near)}?)`}: expected one of ${known.join(', ')}.`,
  );
}

/**
 * Throws `INVALID_OPTION` for a key `known` lacks, with the nearest known name: core's
 * `assertKnownKeys`, with the dashboard's error. An unknown key was ignored without a word, so
 * `readonly: true` (for `readOnly`) served a writable dashboard. A key set to undefined sets
 * nothing, as one left out does.
 */
export function checkKnownKeys(
  value: object,
  known: Readonly<Record<string, true>>,
  what: string,
): void {
  assertKnownKeys(value, known, what, unknownOption);
}

/** An options object (or undefined): anything else is refused, quoted. */
export function checkObject(name: string, value: unknown, expected: string): void {
  if (
    value !== undefined &&
    (value === null || typeof value !== 'object' || Array.isArray(value))
  ) {
    throw invalidOption(name, value, expected);
  }
}

/** A boolean, or undefined: `'true'` is not `true`, and is refused rather than read as false. */
export function checkBoolean(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') {
    throw invalidOption(name, value, `true or false (a boolean, not ${typeof value})`);
  }
}

/** A function, or undefined. */
export function checkFunction(name: string, value: unknown, expected: string): void {
  if (value !== undefined && typeof value !== 'function') {
    throw invalidOption(name, value, expected);
  }
}

/** An integer in `[min, max]`, or undefined. */
export function checkInteger(
  name: string,
  value: unknown,
  min: number,
  max: number,
  unit = '',
): void {
  if (
    value !== undefined &&
    (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
  ) {
    throw invalidOption(
      name,
      value,
      `an integer${unit} from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}`,
    );
  }
}
