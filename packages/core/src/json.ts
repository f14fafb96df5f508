import { NotJsonError } from './errors.js';

/** A value that survives `JSON.stringify` / `JSON.parse` unchanged. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue | undefined };

/** Deepest nesting accepted in a payload or result. */
export const MAX_JSON_DEPTH = 256;

/**
 * Throws {@link NotJsonError} when `value` would not survive a JSON round trip:
 * functions, symbols, bigints, non-finite numbers, `undefined` in arrays, class
 * instances (Map, Set, …), cycles and nesting deeper than {@link MAX_JSON_DEPTH}.
 * Dates are accepted: they travel as ISO strings, and come back as Dates where the
 * task's schema says `z.date()`.
 */
export function assertJsonValue(value: unknown, path = 'value'): asserts value is JsonValue {
  checkJsonValue(value, path);
}

/**
 * {@link assertJsonValue}, and says whether the value comes back from the trip exactly
 * as it is (`true`), or changed (`false`): a Date comes back as a string, and a property
 * whose value is `undefined` does not come back at all.
 */
export function checkJsonValue(value: unknown, path = 'value'): boolean {
  // The usual value passes the fast walk, which builds no paths; only a failure walks
  // again with paths, to say where.
  const walk: Walk = { exact: true, ancestors: [] };
  if (isPlainJson(value, 0, walk)) return walk.exact;
  check(value, path, 0, new Set());
  return false;
}

interface Walk {
  exact: boolean;
  readonly ancestors: object[];
}

/** The same rules as `check`, as a yes or no: no path strings, no Set, no entries arrays. */
function isPlainJson(value: unknown, depth: number, walk: Walk): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (value instanceof Date) {
    walk.exact = false;
    return !Number.isNaN(value.getTime());
  }
  const { ancestors } = walk;
  if (depth >= MAX_JSON_DEPTH || ancestors.includes(value)) return false;
  ancestors.push(value);
  let ok = true;
  if (Array.isArray(value)) {
    for (let index = 0; ok && index < value.length; index++) {
      ok = isPlainJson(value[index], depth + 1, walk);
    }
  } else {
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return false;
    const record = value as Record<string, unknown>;
    for (const key in record) {
      if (!Object.hasOwn(record, key)) continue;
      const item = record[key];
      if (item === undefined) walk.exact = false;
      else if (!isPlainJson(item, depth + 1, walk)) {
        ok = false;
        break;
      }
    }
  }
  ancestors.pop();
  return ok;
}

function check(value: unknown, path: string, depth: number, ancestors: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) fail(path, String(value), 'JSON has no NaN or Infinity');
      return;
    case 'undefined':
      fail(path, 'undefined', 'JSON has no undefined; omit the field or use null');
      return;
    case 'bigint':
      fail(path, `${value}n`, 'JSON has no bigint; send it as a string');
      return;
    case 'function':
    case 'symbol':
      fail(path, String(value), `a ${typeof value} cannot be sent as JSON`);
      return;
  }
  if (value === null) return;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) {
      fail(path, 'Invalid Date', 'JSON turns an invalid Date into null');
    }
    return;
  }
  const object = value as object;
  if (depth >= MAX_JSON_DEPTH) {
    fail(path, '…', `nesting is deeper than ${MAX_JSON_DEPTH} levels`);
  }
  if (ancestors.has(object)) fail(path, '[Circular]', 'the value contains a cycle');
  ancestors.add(object);
  if (Array.isArray(object)) {
    // Not forEach: it skips the holes of sparse arrays, which JSON turns into null.
    for (let index = 0; index < object.length; index++) {
      check(object[index], `${path}[${index}]`, depth + 1, ancestors);
    }
  } else {
    const prototype = Object.getPrototypeOf(object);
    if (prototype !== Object.prototype && prototype !== null) {
      const name = (object as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      fail(
        path,
        `[${name}]`,
        `a ${name} instance is not plain JSON; convert it to an object or array`,
      );
    }
    for (const [key, item] of Object.entries(object)) {
      if (item === undefined) continue;
      check(item, `${path}.${key}`, depth + 1, ancestors);
    }
  }
  ancestors.delete(object);
}

function fail(path: string, shown: string, reason: string): never {
  throw new NotJsonError(path, shown, reason);
}
