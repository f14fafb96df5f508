/**
 * Redaction marked in a schema instead of listed by path: a field whose schema carries
 * `.meta({ redact: true })` (zod 4) is redacted wherever a job's or workflow's input has it.
 * Read from the schemas of the tasks and workflows given to `createDashboard({ tasks })`.
 */

/** The parts of a zod 4 schema this reads; anything else is not walked. */
interface SchemaNode {
  _zod?: { def?: SchemaDef };
  meta?: () => unknown;
}

interface SchemaDef {
  type?: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  element?: unknown;
  options?: readonly unknown[];
  in?: unknown;
  valueType?: unknown;
}

/** Deeper than this, a schema is not walked further (a cycle through getters, a huge tree). */
const MAX_DEPTH = 32;
/** Keys a dot path cannot name as one segment. */
const UNNAMEABLE = /[.*]|^$/;
/** Wrappers whose value is their inner schema's. */
const WRAPPERS = new Set([
  'optional',
  'nullable',
  'default',
  'prefault',
  'readonly',
  'nonoptional',
  'catch',
  'success',
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

function walk(schema: unknown, path: readonly string[], out: Set<string>, depth: number): void {
  if (depth > MAX_DEPTH || typeof schema !== 'object' || schema === null) return;
  const node = schema as SchemaNode;
  if (path.length > 0 && markedAsRedacted(node)) {
    out.add(path.join('.'));
    return;
  }
  const def = node._zod?.def;
  if (def === undefined) return;
  const next = depth + 1;
  if (def.type === 'object' && def.shape) {
    for (const [key, child] of Object.entries(def.shape)) {
      if (!UNNAMEABLE.test(key)) walk(child, [...path, key], out, next);
    }
  } else if (def.type === 'array') {
    walk(def.element, [...path, '*'], out, next);
  } else if (def.type === 'record') {
    walk(def.valueType, [...path, '*'], out, next);
  } else if (def.type === 'union') {
    for (const option of def.options ?? []) walk(option, path, out, next);
  } else if (def.type === 'pipe') {
    walk(def.in, path, out, next);
  } else if (def.type !== undefined && WRAPPERS.has(def.type)) {
    walk(def.innerType, path, out, next);
  }
}

/**
 * The redaction paths that an input schema marks: each field (at any depth, through
 * objects, arrays, records, unions and optional or nullable wrappers) whose schema has
 * `.meta({ redact: true })`. An array element is `*`. Schemas other than zod 4 mark nothing.
 *
 * @example
 * markedRedactPaths(z.object({ card: z.object({ number: z.string().meta({ redact: true }) }) }));
 * // ['card.number']
 */
export function markedRedactPaths(schema: unknown): string[] {
  const out = new Set<string>();
  walk(schema, [], out, 0);
  return [...out];
}
