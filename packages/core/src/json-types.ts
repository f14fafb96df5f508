/**
 * The JSON boundary at the type level. Jobs travel as JSON, so what a producer passes
 * and what a result reader gets are what survives `JSON.stringify` and `JSON.parse`.
 * {@link Jsonify} says what arrives; {@link JsonProblem} says why a type cannot cross.
 */

/** Nesting deeper than this is not checked (recursive types stop here). */
type Depth = [never, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

// biome-ignore lint/suspicious/noExplicitAny: matches every function type.
type AnyFunction = (...args: any[]) => unknown;

type IsAny<T> = 0 extends 1 & T ? true : false;

/** Keys whose values JSON drops: functions, symbols and `undefined`-only values. */
type DroppedKeys<T> = {
  [K in keyof T]-?: K extends symbol
    ? K
    : [Exclude<T[K], undefined>] extends [never]
      ? K
      : [Exclude<T[K], undefined>] extends [AnyFunction | symbol]
        ? K
        : never;
}[keyof T];

/** Keys that may be absent after the trip: their values may be `undefined`. */
type OptionalKeys<T> = {
  [K in keyof T]-?: undefined extends T[K] ? K : never;
}[keyof T];

// Numeric keys stay: JSON writes them as strings, and TypeScript reads `{ 200: … }` and
// `{ "200": … }` as the same property.
type JsonifyObject<T, D extends number> = {
  [K in Exclude<keyof T, DroppedKeys<T> | OptionalKeys<T>> & (string | number)]: JsonifyAt<T[K], D>;
} & {
  [K in Exclude<OptionalKeys<T>, DroppedKeys<T>> & (string | number)]?: JsonifyAt<
    Exclude<T[K], undefined>,
    D
  >;
};

/** Flattens an intersection into one object type, for readable hovers. */
type Simplify<T> = { [K in keyof T]: T[K] } & {};

type JsonifyAt<T, D extends number> =
  IsAny<T> extends true
    ? // biome-ignore lint/suspicious/noExplicitAny: any stays any.
      any
    : unknown extends T
      ? unknown
      : [D] extends [never]
        ? unknown
        : T extends string | number | boolean | null
          ? T
          : T extends { toJSON(): infer J }
            ? JsonifyAt<J, Depth[D]>
            : T extends undefined | AnyFunction | symbol | bigint
              ? never
              : T extends ReadonlyMap<unknown, unknown> | ReadonlySet<unknown>
                ? Record<string, never>
                : T extends readonly unknown[]
                  ? { -readonly [K in keyof T]: JsonifyElement<T[K], Depth[D]> }
                  : T extends object
                    ? Simplify<JsonifyObject<T, Depth[D]>>
                    : never;

/** In arrays, JSON turns `undefined` and functions into `null`. */
type JsonifyElement<T, D extends number> = T extends undefined | AnyFunction | symbol
  ? null
  : JsonifyAt<T, D>;

/**
 * The type a value of `T` has after `JSON.parse(JSON.stringify(value))`: a `Date` becomes
 * a `string`, `undefined` properties become optional, functions are dropped. This is
 * what `handle.result()` resolves to for a task without an output schema. `undefined`
 * (and `void`) at the top stays: a task that returns nothing has no result.
 *
 * @example
 * type R = Jsonify<{ at: Date; n?: number }>; // { at: string; n?: number }
 */
// biome-ignore lint/suspicious/noConfusingVoidType: a task returning nothing is typed void.
export type Jsonify<T> = T extends undefined | void ? T : JsonifyAt<T, 12>;

type Fix<
  P extends string,
  What extends string,
  Use extends string,
> = `${P} is ${What}, which JSON cannot carry: ${Use}`;

type ProblemAt<T, P extends string, D extends number, Holes extends boolean> =
  IsAny<T> extends true
    ? never
    : unknown extends T
      ? never
      : [D] extends [never]
        ? never
        : T extends string | number | boolean | null | undefined | Date
          ? never
          : T extends bigint
            ? Fix<P, 'a bigint', 'use z.string() or a zod codec from string to bigint'>
            : T extends symbol
              ? Fix<P, 'a symbol', 'remove it'>
              : T extends AnyFunction
                ? Fix<P, 'a function', 'remove it, or use a plain object instead of a class'>
                : // A Map has every member a ReadonlySet has: asked first, or it reads as a Set.
                  T extends ReadonlyMap<unknown, unknown>
                  ? Fix<P, 'a Map', 'use an object (z.record()) or an array of [key, value]'>
                  : T extends ReadonlySet<unknown>
                    ? Fix<P, 'a Set', 'use an array (z.array())'>
                    : T extends Error | RegExp
                      ? Fix<P, 'an Error or RegExp', 'send its text as a string'>
                      : T extends readonly (infer E)[]
                        ? Holes extends true
                          ? undefined extends E
                            ? Fix<P, 'an array that may hold undefined', 'use null'>
                            : ProblemAt<E, `${P}[]`, Depth[D], Holes>
                          : ProblemAt<Exclude<E, undefined>, `${P}[]`, Depth[D], Holes>
                        : T extends object
                          ? {
                              [K in keyof T]-?: K extends string | number
                                ? ProblemAt<T[K], `${P}.${K}`, Depth[D], Holes>
                                : Fix<P, 'keyed by a symbol', 'use string keys'>;
                            }[keyof T]
                          : never;

/**
 * `never` when every value of `T` crosses JSON (a `Date` counts: it crosses as an ISO
 * string), otherwise a message naming the first path that cannot, and the fix. `unknown`
 * and `any` pass: they cannot be checked here, so the producer checks them at run time.
 *
 * @example
 * type P = JsonProblem<{ tags: Set<string> }, 'input'>;
 * // "input.tags is a Set, which JSON cannot carry: use an array (z.array())"
 */
export type JsonProblem<T, Path extends string = 'value'> = ProblemAt<T, Path, 12, true>;

/**
 * {@link JsonProblem} for what `run` returns without an output schema: there an
 * `undefined` array element is no problem, it arrives as `null` and {@link Jsonify} says so.
 */
export type ResultJsonProblem<T, Path extends string = 'result'> = ProblemAt<T, Path, 12, false>;

/**
 * `unknown` (no constraint) when `T` crosses JSON; otherwise an object type with a
 * required `'~json'` property whose type is the problem, so that passing a config
 * without it fails to compile and the compiler's message quotes the problem.
 */
export type JsonCheck<T, Path extends string> = Checked<JsonProblem<T, Path>>;

/** {@link JsonCheck} for what `run` returns without an output schema. */
export type ResultJsonCheck<T> = Checked<ResultJsonProblem<T>>;

/**
 * Over a type parameter (a helper generic in its schema) the check cannot be decided, and it
 * passes: the producer still checks at run time. Left undecided, `[Problem] extends [never]`
 * made the compiler require both branches, `'~json'` included, so no such helper compiled.
 * Undecided, {@link HasProblem} has the constraint `never` (an `any` branch drops out of a
 * conditional type's constraint), so the compiler takes the check as passed.
 */
type Checked<Problem> = [HasProblem<Problem>] extends [never]
  ? unknown
  : { readonly '~json': `Conveyor: ${Problem & string}` };

// biome-ignore lint/suspicious/noExplicitAny: the marker of a problem; see Checked.
type HasProblem<Problem> = [Problem] extends [never] ? never : any;
