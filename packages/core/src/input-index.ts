import { InvalidOptionError } from './errors.js';
import type { JsonValue } from './json.js';
import { objectShapeOf } from './json-boundary.js';
import { nearestName } from './known-keys.js';
import { isSecretFieldName } from './secret-names.js';
import { INDEX_LIMITS, type IndexEntry } from './transport-admin.js';

// The input-field index: a task names input fields (`defineTask({ index: ['customerId'] })`),
// the client sends their values with each enqueue, and `admin.findByIndex` finds jobs by
// them [A11]. The rules live here once, for defineTask, the client and createTransport.

/** A dot path into an input: segments of letters, digits, `_`, `$` and `-`. */
const INDEX_FIELD = /^[A-Za-z0-9_$-]+(?:\.[A-Za-z0-9_$-]+)*$/;

/** Longest indexed field path, in characters. */
export const MAX_INDEX_FIELD_LENGTH = 200;

/** What an indexed field looks like, for messages. */
export const INDEX_FIELD_RULE = `a dot path such as "customer.email": segments of A–Z, a–z, 0–9, "_", "$" and "-", at most ${MAX_INDEX_FIELD_LENGTH} characters`;

/** True when `field` is a valid indexed field path. */
export function isIndexField(field: unknown): field is string {
  return (
    typeof field === 'string' && field.length <= MAX_INDEX_FIELD_LENGTH && INDEX_FIELD.test(field)
  );
}

/**
 * Throws {@link InvalidOptionError} unless the dot path `field` goes through the `input`
 * schema's fields where that is a zod object: a misspelt `partitionBy` routed every job by
 * its id, and a misspelt `index` field indexed no job. Each segment is checked while the
 * schema at it is an object whose fields are known ({@link objectShapeOf}); past any other
 * schema (a record, a union, another library's) anything goes.
 */
export function assertInputPath(field: string, option: string, input: unknown): void {
  const segments = field.split('.');
  let schema = input;
  for (const [depth, segment] of segments.entries()) {
    const shape = objectShapeOf(schema);
    if (shape === undefined) return;
    if (!Object.hasOwn(shape, segment)) {
      const at = depth === 0 ? 'the input schema' : `input.${segments.slice(0, depth).join('.')}`;
      const fields = Object.keys(shape).sort();
      // Under 4 letters any field is 2 edits away ("c" → "a"): only another case is offered.
      const near =
        segment.length >= 4
          ? nearestName(segment, fields)
          : fields.find((name) => name.toLowerCase() === segment.toLowerCase());
      throw new InvalidOptionError(
        option,
        field,
        `a dot path through the input schema's fields, but ${at} has no field ${JSON.stringify(segment)} (${
          fields.length === 0 ? 'it has none' : `its fields: ${fields.join(', ')}`
        }${near === undefined ? '' : `; did you mean ${JSON.stringify(near)}?`})`,
      );
    }
    schema = shape[segment];
  }
}

/**
 * Checks a task's `index` option: an array of at most `INDEX_LIMITS.fieldsPerTask` distinct
 * field paths, each (given the task's `input` schema) a path through its fields
 * ({@link assertInputPath}). Throws {@link InvalidOptionError} quoting the value.
 */
export function assertIndexOption(
  value: unknown,
  option: string,
  input?: unknown,
): asserts value is string[] {
  const expected = `an array of at most ${INDEX_LIMITS.fieldsPerTask} distinct fields, each ${INDEX_FIELD_RULE}`;
  if (
    !Array.isArray(value) ||
    value.length > INDEX_LIMITS.fieldsPerTask ||
    !value.every(isIndexField) ||
    new Set(value).size !== value.length
  ) {
    throw new InvalidOptionError(option, value, expected);
  }
  // An indexed value is stored in a key's name on Redis (`…:x:<task>:<field>:<value>`), read
  // by anyone who can list keys; the dashboard refuses to search these names, so indexing
  // one only wrote the secret where it is least guarded.
  const secret = value.find((field) => isSecretFieldName(field.split('.').at(-1) ?? ''));
  if (secret !== undefined) {
    throw new InvalidOptionError(
      option,
      value,
      `no secret: ${JSON.stringify(secret)} ends in a secret's name (one of SECRET_FIELD_NAMES from @conveyor/core, in any case, which the dashboard redacts), and an indexed value is stored where the broker's keys are listed (in a key's name on Redis); leave it out of index`,
    );
  }
  for (const field of value) assertInputPath(field, option, input);
}

/**
 * The index entries of one job: for each field, the value at its path in the input's JSON
 * form, when that is a string of at most `INDEX_LIMITS.valueLength` characters, a number
 * or a boolean (numbers and booleans as `JSON.stringify` writes them). Fields with another
 * kind of value, or none, are left out.
 *
 * @example
 * indexEntriesOf({ customer: { id: 42 } }, ['customer.id']); // [{ field: 'customer.id', value: '42' }]
 */
export function indexEntriesOf(input: JsonValue, fields: readonly string[]): IndexEntry[] {
  const entries: IndexEntry[] = [];
  for (const field of fields) {
    const value = indexValueOf(valueAt(input, field));
    if (value !== undefined) entries.push({ field, value });
  }
  return entries;
}

/** The value at a dot path of `input`, or undefined when a segment is missing. */
export function valueAt(input: unknown, field: string): unknown {
  let value: unknown = input;
  for (const segment of field.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, segment)) {
      return undefined;
    }
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

function indexValueOf(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value.length <= INDEX_LIMITS.valueLength ? value : undefined;
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : undefined;
    case 'boolean':
      return JSON.stringify(value);
    default:
      return undefined;
  }
}
