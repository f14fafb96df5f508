import type { StandardSchemaV1 } from '@standard-schema/spec';
import { jsonAncestors } from './json-ancestors.js';

/** How much of a value an issue quotes, in characters. */
const MAX_QUOTED = 80;

/** The segments of an issue's path, as keys. */
function pathOf(issue: StandardSchemaV1.Issue): PropertyKey[] {
  return (issue.path ?? []).map((segment) => (typeof segment === 'object' ? segment.key : segment));
}

/**
 * Renders schema issues as `path: message; path: message`. With `quoted.value` (the value
 * that was validated), each issue quotes what it found at its path, as `(got "bob@")`, cut
 * to 80 characters: the caller's own value, so give it only where the caller sees the
 * message (a producer's enqueue), never for a job's stored error.
 */
export function formatIssues(
  issues: readonly StandardSchemaV1.Issue[],
  quoted?: { value: unknown },
): string {
  if (issues.length === 0) return 'no details given';
  return issues
    .map((issue) => {
      const segments = pathOf(issue);
      const path = segments.map(String).join('.');
      const text = path ? `${path}: ${issue.message}` : issue.message;
      if (quoted === undefined) return text;
      const found = valueAt(quoted.value, segments);
      return found.present ? `${text} (got ${quoteValue(found.value)})` : text;
    })
    .join('; ');
}

/** The value at a path, if every step of it is there. */
function valueAt(
  root: unknown,
  segments: readonly PropertyKey[],
): { present: boolean; value?: unknown } {
  let current = root;
  for (const key of segments) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, key)) {
      return { present: false };
    }
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return { present: true, value: current };
}

/** A short, readable rendering of a value: JSON where it has one, cut to {@link MAX_QUOTED}. */
export function quoteValue(value: unknown): string {
  let text: string;
  if (typeof value === 'function') text = 'a function';
  else if (value instanceof Date) {
    text = Number.isNaN(value.getTime()) ? 'Invalid Date' : `Date ${value.toISOString()}`;
  } else text = jsonText(value, { undefinedMembers: true }) ?? String(value);
  return text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}… (${text.length} chars)` : text;
}

/** Marks a number JSON has no form for, to be written bare (see {@link RAW_NUMBER}). */
const RAW_MARK = '\u0000raw:';
const RAW_NUMBER = /"\\u0000raw:([^"]*)"/g;

/** A JSON.stringify replacer that keeps NaN, ±Infinity and bigints as they read in code. */
function keepNumbers(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return `${RAW_MARK}${value}n`;
  if (typeof value === 'number' && !Number.isFinite(value)) return `${RAW_MARK}${value}`;
  return value;
}

/**
 * {@link keepNumbers}, and an object met again inside itself written `[Circular]`, bare (a
 * string `"[Circular]"` in the data stays quoted, so the two differ).
 */
function keepNumbersNoCycles(): (this: unknown, key: string, value: unknown) => unknown {
  const above = jsonAncestors();
  return function (this: unknown, key, value) {
    if (typeof value !== 'object' || value === null) return keepNumbers(key, value);
    if (above.cycles(this, value)) return `${RAW_MARK}[Circular]`;
    above.enter(value, value);
    return value;
  };
}

/**
 * A value's JSON for a message, with NaN, ±Infinity and bigints written as they read in code,
 * inside objects too (`{"catchUp":Infinity}`, where JSON writes null or throws), and a cycle
 * as a bare `[Circular]` (`{"self":[Circular]}`); undefined when JSON has no form for it (a
 * function, `undefined`) or cannot write it (a getter that throws).
 */
export function jsonText(
  value: unknown,
  options: { undefinedMembers?: boolean } = {},
): string | undefined {
  // `undefinedMembers`: `{"a":1,"b":undefined}`, as an issue about key b must quote it, where
  // JSON drops the member.
  const members = (replacer: (this: unknown, key: string, value: unknown) => unknown) =>
    options.undefinedMembers
      ? function (this: unknown, key: string, member: unknown) {
          return member === undefined && key !== ''
            ? `${RAW_MARK}undefined`
            : replacer.call(this, key, member);
        }
      : replacer;
  try {
    return JSON.stringify(value, members(keepNumbers))?.replace(RAW_NUMBER, '$1');
  } catch {
    try {
      return JSON.stringify(value, members(keepNumbersNoCycles()))?.replace(RAW_NUMBER, '$1');
    } catch {
      return undefined;
    }
  }
}
