import type { JsonValue } from '@conveyor/core';
import { DashboardError } from './errors.js';

/** What a redacted value is replaced with. */
export const REDACTED = '[redacted]';

/**
 * What a value nested deeper than {@link MAX_WALK_DEPTH} is replaced with. The client refuses
 * payloads deeper than 256 levels (core's MAX_JSON_DEPTH), so only data written past it gets
 * here; walking it whole would overflow the stack and fail the job's page with a 500.
 */
export const TOO_DEEP = '[nested too deep to show]';
const MAX_WALK_DEPTH = 512;

type Segment = { kind: 'name'; name: string } | { kind: 'one' } | { kind: 'any' };

/** A set of redaction paths, compiled: applies them to values and tells if a field is hidden. */
export interface Redactor {
  /**
   * A copy of `value` with every matching path's value replaced by {@link REDACTED}, and
   * anything nested deeper than 512 levels by {@link TOO_DEEP}.
   */
  apply<T extends JsonValue | undefined>(value: T): T;
  /** True when the dot path `field`, or an object holding it, is redacted. */
  hides(field: string): boolean;
}

const SEGMENT = /^(\*\*|\*|[^.*]+)$/;

function compile(pattern: string): Segment[] {
  if (typeof pattern !== 'string' || pattern === '') {
    throw new DashboardError(
      'INVALID_OPTION',
      `Invalid redact path ${JSON.stringify(pattern)}: expected a dot path such as 'card.number', '*.password' or '**.token'.`,
    );
  }
  const parts = pattern.split('.');
  if (!parts.every((part) => SEGMENT.test(part)) || parts.every((part) => part === '**')) {
    throw new DashboardError(
      'INVALID_OPTION',
      `Invalid redact path ${JSON.stringify(pattern)}: segments are names, '*' (one segment) or '**' (any number), separated by dots, and at least one is not '**'.`,
    );
  }
  return parts.map((part) =>
    part === '**'
      ? { kind: 'any' }
      : part === '*'
        ? { kind: 'one' }
        : { kind: 'name', name: part.toLowerCase() },
  );
}

/** True when `path` (lower-cased segments) matches `pattern` from the given positions. */
function matches(pattern: readonly Segment[], path: readonly string[], p = 0, s = 0): boolean {
  if (p === pattern.length) return s === path.length;
  const segment = pattern[p] as Segment;
  if (segment.kind === 'any') {
    for (let next = s; next <= path.length; next++)
      if (matches(pattern, path, p + 1, next)) return true;
    return false;
  }
  if (s === path.length) return false;
  if (segment.kind === 'one' || segment.name === path[s])
    return matches(pattern, path, p + 1, s + 1);
  return false;
}

/**
 * Compiles redaction paths. A path is dot-separated segments: a key (matched without regard
 * to case; an array index is a segment too), `*` for exactly one segment, `**` for any number.
 *
 * @example
 * const redactor = createRedactor(['card.number', '**.password']);
 * redactor.apply({ card: { number: '4242', brand: 'visa' } });
 * // { card: { number: '[redacted]', brand: 'visa' } }
 */
export function createRedactor(patterns: readonly string[]): Redactor {
  const compiled = patterns.map(compile);
  // `**.<name>` (the defaults' form) matches a path that ends with the name: one set lookup
  // per key instead of a walk of the pattern.
  const lastNames = new Set<string>();
  const others: Segment[][] = [];
  for (const pattern of compiled) {
    const [first, last] = pattern;
    if (pattern.length === 2 && first?.kind === 'any' && last?.kind === 'name') {
      lastNames.add(last.name);
    } else {
      others.push(pattern);
    }
  }

  function hiddenAt(path: readonly string[]): boolean {
    const last = path[path.length - 1];
    if (last !== undefined && lastNames.has(last)) return true;
    return others.some((pattern) => matches(pattern, path));
  }

  function walk(value: JsonValue, path: string[]): JsonValue {
    if (value === null || typeof value !== 'object') return value;
    if (path.length >= MAX_WALK_DEPTH) return TOO_DEEP;
    if (Array.isArray(value)) {
      return value.map((item, index) => {
        path.push(String(index));
        const out = hiddenAt(path) ? REDACTED : walk(item, path);
        path.pop();
        return out;
      });
    }
    // Object.fromEntries defines own properties, so a key like "__proto__" stays data.
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => {
        path.push(key.toLowerCase());
        const out = hiddenAt(path) ? REDACTED : walk(item as JsonValue, path);
        path.pop();
        return [key, out];
      }),
    );
  }

  return {
    apply(value) {
      // Walked even without patterns: the walk also bounds the depth of what is sent.
      if (value === undefined) return value;
      return walk(value as JsonValue, []) as typeof value;
    },
    hides(field) {
      const path = field.split('.').map((segment) => segment.toLowerCase());
      for (let length = 1; length <= path.length; length++) {
        if (hiddenAt(path.slice(0, length))) return true;
      }
      return false;
    },
  };
}
