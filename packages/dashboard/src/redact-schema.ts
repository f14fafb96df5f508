/**
 * Redaction marked in a schema instead of listed by path: a field whose schema carries
 * `.meta({ redact: true })` (zod 4) is redacted wherever a job's or workflow's input has it.
 * Read from the schemas of the tasks and workflows given to `createDashboard({ tasks })`.
 */
import { DashboardError } from './errors.js';

/** The parts of a zod 4 schema this reads (`_zod.def`, zod's `$Zod…Def` types). */
interface SchemaNode {
  _zod?: { def?: SchemaDef };
  meta?: () => unknown;
}

interface SchemaDef {
  type?: string;
  shape?: Record<string, unknown>;
  catchall?: unknown;
  innerType?: unknown;
  element?: unknown;
  items?: readonly unknown[];
  rest?: unknown;
  options?: readonly unknown[];
  left?: unknown;
  right?: unknown;
  in?: unknown;
  out?: unknown;
  getter?: () => unknown;
  valueType?: unknown;
}

/** A schema inside another, and the path segment it adds (none: the same value). */
interface Child {
  schema: unknown;
  /** A key, an index, `*` (every key or item), or null for the same value. */
  segment: string | null;
}

/** Deeper than this, a schema is not walked further (a huge tree); a mark below fails closed. */
const MAX_DEPTH = 32;
/** Keys a dot path cannot name as one segment. */
const UNNAMEABLE = /[.*]|^$/;
/** Schemas whose value is their inner schema's. */
const WRAPPERS = new Set([
  'optional',
  'nullable',
  'default',
  'prefault',
  'readonly',
  'nonoptional',
  'catch',
  'success',
  'promise',
]);

function markedAsRedacted(schema: SchemaNode): boolean {
  if (typeof schema.meta !== 'function') return false;
  try {
    const meta = schema.meta() as { redact?: unknown } | undefined;
    return meta?.redact === true;
  } catch {
    return false;
  }
}

function defOf(schema: unknown): SchemaDef | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined;
  return (schema as SchemaNode)._zod?.def;
}

/** The schemas directly inside `def`; an object's key a path cannot name has segment `undefined`. */
function childrenOf(def: SchemaDef): Array<Child | { schema: unknown; segment: undefined }> {
  const same = (schema: unknown) => ({ schema, segment: null });
  switch (def.type) {
    case 'object':
      return [
        ...Object.entries(def.shape ?? {}).map(([key, schema]) => ({
          schema,
          segment: UNNAMEABLE.test(key) ? undefined : key,
        })),
        // .catchall(): every other key.
        ...(def.catchall === undefined ? [] : [{ schema: def.catchall, segment: '*' }]),
      ];
    case 'array':
      return [{ schema: def.element, segment: '*' }];
    case 'set':
    case 'record':
    case 'map':
      return [{ schema: def.valueType, segment: '*' }];
    case 'tuple':
      // An item is its index (an array index is a path segment); the rest, any index.
      return [
        ...(def.items ?? []).map((schema, index) => ({ schema, segment: String(index) })),
        ...(def.rest ? [{ schema: def.rest, segment: '*' }] : []),
      ];
    case 'union':
      return (def.options ?? []).map(same);
    case 'intersection':
      return [same(def.left), same(def.right)];
    case 'pipe':
      // Both sides: z.preprocess(fn, schema) is a pipe whose `out` is the schema.
      return [same(def.in), same(def.out)];
    case 'lazy': {
      try {
        return typeof def.getter === 'function' ? [same(def.getter())] : [];
      } catch {
        return [];
      }
    }
    default:
      return def.type !== undefined && WRAPPERS.has(def.type) ? [same(def.innerType)] : [];
  }
}

/**
 * True when `schema` or anything inside it is marked; each schema is looked at once. Past
 * {@link MAX_DEPTH} levels (a z.lazy that builds a new schema each call) it answers true.
 */
function holdsMark(schema: unknown, seen: Set<unknown>, depth = 0): boolean {
  if (typeof schema !== 'object' || schema === null || seen.has(schema)) return false;
  if (depth > MAX_DEPTH) return true;
  seen.add(schema);
  if (markedAsRedacted(schema as SchemaNode)) return true;
  const def = defOf(schema);
  return (
    def !== undefined && childrenOf(def).some((child) => holdsMark(child.schema, seen, depth + 1))
  );
}

interface Walk {
  out: Set<string>;
  /** The schemas being walked, outermost first: meeting one again is a cycle (z.lazy, getters). */
  stack: Set<unknown>;
}

/**
 * Redacts the whole value at `path` when a mark below it cannot be reached by a path (a key
 * with `.` or `*`, a cycle, past {@link MAX_DEPTH}): more is redacted, never less. At the top
 * (the whole input) no path can name it, and the caller is told.
 */
function failClosed(path: readonly string[], out: Set<string>, why: string): void {
  if (path.length > 0) {
    out.add(path.join('.'));
    return;
  }
  throw new DashboardError(
    'INVALID_OPTION',
    `The input schema marks ${why} with .meta({ redact: true }), which no redact path can name. ` +
      'Mark named fields of an object (a key without "." or "*") instead, or list their paths in redact.',
  );
}

function walk(schema: unknown, path: readonly string[], state: Walk, depth: number): void {
  if (typeof schema !== 'object' || schema === null) return;
  if (markedAsRedacted(schema as SchemaNode)) {
    failClosed(path, state.out, 'the whole input');
    return;
  }
  const def = defOf(schema);
  if (def === undefined) return;
  if (state.stack.has(schema) || depth > MAX_DEPTH) {
    // A recursive schema marks infinitely many paths: from here on, all of it is redacted.
    if (holdsMark(schema, new Set())) failClosed(path, state.out, 'a field of a recursive schema');
    return;
  }
  state.stack.add(schema);
  for (const child of childrenOf(def)) {
    if (child.segment === undefined) {
      if (holdsMark(child.schema, new Set())) {
        failClosed(path, state.out, 'a field whose key holds "." or "*" (or is empty)');
      }
    } else {
      const next = child.segment === null ? path : [...path, child.segment];
      walk(child.schema, next, state, depth + 1);
    }
  }
  state.stack.delete(schema);
}

/**
 * The redaction paths that an input schema marks: each field (at any depth, through objects
 * and their catchall, arrays, tuples, records, unions, intersections, pipes and preprocess,
 * z.lazy and wrappers such as optional) whose schema has `.meta({ redact: true })`. An array
 * element is `*`, a tuple item its index. A mark no path can name fails closed: the nearest
 * value that a path names is redacted whole (a key holding `.`, a recursive schema past its
 * first round). Schemas other than zod 4 mark nothing.
 *
 * Throws `INVALID_OPTION` when the mark can only be named as the whole input (the input
 * itself marked, or a top-level key holding `.` or `*`): paths apply to every task's input.
 *
 * @example
 * markedRedactPaths(z.object({ card: z.object({ number: z.string().meta({ redact: true }) }) }));
 * // ['card.number']
 */
export function markedRedactPaths(schema: unknown): string[] {
  const out = new Set<string>();
  walk(schema, [], { out, stack: new Set() }, 0);
  return [...out];
}
