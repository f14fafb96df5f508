/**
 * The JSON boundary at run time, for zod 4 schemas: which values a schema's input form
 * cannot carry through JSON, and how to turn the JSON form back into what the schema
 * validated. A job's input (and a result, for tasks with an output schema) crosses in
 * its schema's input form; a `Date` in it crosses as an ISO string and is revived here
 * wherever the schema says `z.date()`, so the reader validates what the writer did.
 *
 * Other Standard Schema libraries are not walked: their values cross as plain JSON, and
 * the producer's check of the JSON form (see `client.ts`) still catches what would fail.
 */

/** The parts of a zod 4 schema definition the walk reads (`schema._zod.def`). */
interface ZodDef {
  readonly type: string;
  readonly [key: string]: unknown;
}

/** Turns a JSON value back into what the schema validates; returns the same reference when nothing changed. */
export type Reviver = (value: unknown) => unknown;

/**
 * A JSON value in the form a schema reads it: Dates revived where the schema has
 * `z.date()`. The worker validates this; the producer validates it too, before queueing.
 */
export function revived(schema: object, value: unknown): unknown {
  const reviver = reviverFor(schema);
  return reviver ? reviver(value) : value;
}

/** {@link revived} of the JSON text a producer made: what the worker will validate. */
export function receivedInput(schema: object, inputJson: string): unknown {
  return revived(schema, JSON.parse(inputJson));
}

function defOf(schema: unknown): ZodDef | undefined {
  if ((typeof schema !== 'object' && typeof schema !== 'function') || schema === null) {
    return undefined;
  }
  const def = (schema as { _zod?: { def?: ZodDef } })._zod?.def;
  return def !== undefined && typeof def.type === 'string' ? def : undefined;
}

/** Definitions that wrap one inner schema and let `undefined` or `null` through as they are. */
const WRAPPERS = new Set([
  'optional',
  'nullable',
  'default',
  'prefault',
  'catch',
  'readonly',
  'nonoptional',
  'success',
]);

/**
 * The fields of a zod object schema's input form, by name (through optional, default, pipe,
 * lazy and the like; both sides of an intersection), or undefined when the schema is not a
 * zod object or takes keys beyond its fields (a catchall, `z.looseObject`): then no name can
 * be ruled out. `partitionBy` is checked against it.
 */
export function objectShapeOf(
  schema: unknown,
  seen = new Set<unknown>(),
): Readonly<Record<string, unknown>> | undefined {
  const def = defOf(schema);
  if (!def || seen.has(schema)) return undefined;
  seen.add(schema);
  if (WRAPPERS.has(def.type)) return objectShapeOf(def.innerType, seen);
  switch (def.type) {
    case 'pipe':
      return objectShapeOf(def.in, seen);
    case 'lazy':
      return objectShapeOf((def.getter as () => unknown)(), seen);
    case 'object': {
      const closed = def.catchall === undefined || defOf(def.catchall)?.type === 'never';
      return closed ? (def.shape as Record<string, unknown>) : undefined;
    }
    case 'intersection': {
      const left = objectShapeOf(def.left, seen);
      const right = left && objectShapeOf(def.right, seen);
      return right && { ...left, ...right };
    }
    default:
      return undefined;
  }
}

const revivers = new WeakMap<object, Reviver | null>();

/**
 * The reviver for a schema, or undefined when its input form has no `z.date()` (most
 * schemas): then the JSON form is already what the schema reads, at no cost per job.
 */
export function reviverFor(schema: object): Reviver | undefined {
  let found = revivers.get(schema);
  if (found === undefined) {
    found = build(schema, new Map()) ?? null;
    revivers.set(schema, found);
  }
  return found ?? undefined;
}

type Pending = Map<unknown, Reviver | null | 'pending'>;

function build(schema: unknown, seen: Pending): Reviver | undefined {
  const known = seen.get(schema);
  if (known === 'pending') {
    // A recursive schema (z.lazy): resolve when called, once the walk has finished.
    return (value) => {
      const resolved = seen.get(schema);
      return typeof resolved === 'function' ? resolved(value) : value;
    };
  }
  if (known !== undefined) return known ?? undefined;
  const def = defOf(schema);
  if (!def) return undefined;
  seen.set(schema, 'pending');
  const made = buildDef(def, seen);
  seen.set(schema, made ?? null);
  return made;
}

function buildDef(def: ZodDef, seen: Pending): Reviver | undefined {
  if (def.type === 'date') return reviveDate;
  if (WRAPPERS.has(def.type)) {
    const inner = build(def.innerType, seen);
    return inner && ((value) => (value === undefined || value === null ? value : inner(value)));
  }
  switch (def.type) {
    case 'pipe':
      return build(def.in, seen);
    case 'lazy':
      return build((def.getter as () => unknown)(), seen);
    case 'object':
      return objectReviver(def, seen);
    case 'record': {
      const value = build(def.valueType, seen);
      return value && ((input) => mapValues(input, () => value));
    }
    case 'array': {
      const element = build(def.element, seen);
      return element && ((input) => mapItems(input, () => element));
    }
    case 'tuple':
      return tupleReviver(def, seen);
    case 'union':
      return unionReviver(def.options as readonly object[], seen);
    case 'intersection': {
      const left = build(def.left, seen);
      const right = build(def.right, seen);
      if (!left || !right) return left ?? right;
      return (value) => right(left(value));
    }
    default:
      return undefined;
  }
}

function reviveDate(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectReviver(def: ZodDef, seen: Pending): Reviver | undefined {
  const fields = new Map<string, Reviver>();
  for (const [key, field] of Object.entries(def.shape as Record<string, unknown>)) {
    const reviver = build(field, seen);
    if (reviver) fields.set(key, reviver);
  }
  const rest = def.catchall === undefined ? undefined : build(def.catchall, seen);
  if (fields.size === 0 && !rest) return undefined;
  return (input) =>
    mapValues(
      input,
      (key) => fields.get(key) ?? (rest && !(key in (def.shape as object)) ? rest : undefined),
    );
}

function tupleReviver(def: ZodDef, seen: Pending): Reviver | undefined {
  const items = (def.items as readonly unknown[]).map((item) => build(item, seen));
  const rest = def.rest == null ? undefined : build(def.rest, seen);
  if (!rest && items.every((item) => item === undefined)) return undefined;
  return (input) =>
    mapItems(input, (index) => items[index] ?? (index >= items.length ? rest : undefined));
}

/**
 * A union keeps a value that one of its options accepts as it is (a string stays a
 * string in `z.union([z.string(), z.date()])`); otherwise the first option whose
 * reviver changes it into something that option accepts wins.
 */
function unionReviver(options: readonly object[], seen: Pending): Reviver | undefined {
  const revivable = options.flatMap((option) => {
    const reviver = build(option, seen);
    return reviver ? [{ option, reviver }] : [];
  });
  if (revivable.length === 0) return undefined;
  return (value) => {
    if (options.some((option) => acceptsNow(option, value))) return value;
    for (const { option, reviver } of revivable) {
      const candidate = reviver(value);
      if (candidate !== value && acceptsNow(option, candidate)) return candidate;
    }
    return value;
  };
}

/** True when a schema accepts the value synchronously; an async schema counts as no. */
function acceptsNow(schema: object, value: unknown): boolean {
  const standard = (schema as { '~standard'?: { validate?: (v: unknown) => unknown } })[
    '~standard'
  ];
  const result = standard?.validate?.(value);
  return (
    typeof result === 'object' &&
    result !== null &&
    !(result instanceof Promise) &&
    !(result as { issues?: unknown }).issues
  );
}

/** Copies an object only when a field's reviver changes it. */
function mapValues(input: unknown, reviverOf: (key: string) => Reviver | undefined): unknown {
  if (!isPlainObject(input)) return input;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(input)) {
    const reviver = reviverOf(key);
    if (!reviver) continue;
    const before = input[key];
    const after = reviver(before);
    if (after !== before) {
      copy ??= { ...input };
      copy[key] = after;
    }
  }
  return copy ?? input;
}

/** Copies an array only when an item's reviver changes it. */
function mapItems(input: unknown, reviverOf: (index: number) => Reviver | undefined): unknown {
  if (!Array.isArray(input)) return input;
  let copy: unknown[] | undefined;
  for (let index = 0; index < input.length; index++) {
    const reviver = reviverOf(index);
    if (!reviver) continue;
    const before = input[index];
    const after = reviver(before);
    if (after !== before) {
      copy ??= input.slice();
      copy[index] = after;
    }
  }
  return copy ?? input;
}

/** What a schema kind cannot carry through JSON, and the fix, by `def.type`. */
const NOT_JSON: Readonly<Record<string, string>> = {
  bigint:
    'z.bigint(), which JSON cannot carry: use z.string() or a zod codec from string to bigint',
  set: 'z.set(), which JSON cannot carry: use z.array()',
  map: 'z.map(), which JSON cannot carry: use z.record() or an array of [key, value]',
  symbol: 'z.symbol(), which JSON cannot carry: remove it',
  function: 'z.function(), which JSON cannot carry: remove it',
  promise: 'z.promise(), which JSON cannot carry: pass the resolved value',
  nan: 'z.nan(), which JSON turns into null: use z.number() or z.null()',
  file: 'z.file(), which JSON cannot carry: send a URL or storage key instead',
};

/**
 * Paths in a zod schema's input form that JSON cannot carry, each with its fix, e.g.
 * `input.tags is z.set(), which JSON cannot carry: use z.array()`. Empty for a schema
 * that crosses (and for other schema libraries, which are not walked).
 */
export function jsonProblemsOf(schema: unknown, path = 'value'): string[] {
  const problems: string[] = [];
  walkProblems(schema, path, new Set(), problems);
  return problems;
}

function walkProblems(schema: unknown, path: string, seen: Set<unknown>, out: string[]): void {
  const def = defOf(schema);
  if (!def || seen.has(schema) || out.length >= 5) return;
  seen.add(schema);
  const problem = NOT_JSON[def.type];
  if (problem) out.push(`${path} is ${problem}`);
  else if (WRAPPERS.has(def.type)) walkProblems(def.innerType, path, seen, out);
  else if (def.type === 'pipe') walkProblems(def.in, path, seen, out);
  else if (def.type === 'lazy') walkProblems((def.getter as () => unknown)(), path, seen, out);
  else if (def.type === 'array') walkProblems(def.element, `${path}[]`, seen, out);
  else if (def.type === 'record') walkProblems(def.valueType, `${path}[key]`, seen, out);
  else if (def.type === 'intersection') {
    walkProblems(def.left, path, seen, out);
    walkProblems(def.right, path, seen, out);
  } else if (def.type === 'union' || def.type === 'tuple') {
    const parts = (def.type === 'union' ? def.options : def.items) as readonly unknown[];
    parts.forEach((part, index) => {
      walkProblems(part, def.type === 'tuple' ? `${path}[${index}]` : path, seen, out);
    });
  } else if (def.type === 'object') {
    for (const [key, field] of Object.entries(def.shape as Record<string, unknown>)) {
      walkProblems(field, `${path}.${key}`, seen, out);
    }
  }
  seen.delete(schema);
}

const warned = new Set<string>();

/**
 * Warns once per task and target when a schema's input form cannot cross JSON: the
 * compiler reports the same through `defineTask`'s types, but JavaScript callers and
 * `any`-typed schemas get no compile step.
 */
export function warnIfNotJsonSafe(task: string, target: 'input' | 'output', schema: unknown): void {
  const problems = jsonProblemsOf(schema, target);
  const key = `${task}\0${target}`;
  if (problems.length === 0 || warned.has(key)) return;
  warned.add(key);
  console.warn(
    `[conveyor] task ${JSON.stringify(task)}: ${problems.join('; ')}. Jobs travel as JSON, so ${target === 'input' ? 'producers will refuse every job of this task' : 'every result would fail'} until the schema changes.`,
  );
}
