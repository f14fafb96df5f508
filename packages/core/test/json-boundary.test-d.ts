import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { Client } from '../src/client.js';
import type { Jsonify, JsonProblem } from '../src/json-types.js';
import { defineTask, type TaskInput, type TaskResult } from '../src/task.js';

/**
 * The JSON boundary in the types: what cannot cross is a compile error in defineTask,
 * and result types are what arrives.
 */

declare const client: Client;

class Money {
  constructor(readonly cents: number) {}
  format(): string {
    return `${this.cents / 100}`;
  }
}

describe('inputs that cannot cross JSON are compile errors', () => {
  it('refuses Sets, Maps, bigints, functions and class instances', () => {
    // @ts-expect-error input.tags is a Set
    defineTask({ name: 't.set', input: z.object({ tags: z.set(z.string()) }), run: () => null });
    // @ts-expect-error input.byId is a Map
    defineTask({
      name: 't.map',
      input: z.object({ byId: z.map(z.string(), z.number()) }),
      run: () => null,
    });
    // @ts-expect-error input.n is a bigint
    defineTask({ name: 't.big', input: z.object({ n: z.bigint() }), run: () => null });
    // @ts-expect-error input.cb is a function
    defineTask({ name: 't.fn', input: z.object({ cb: z.function() }), run: () => null });
    // @ts-expect-error input.price.format is a function: a class instance
    defineTask({
      name: 't.class',
      input: z.object({ price: z.instanceof(Money) }),
      run: () => null,
    });
    // @ts-expect-error input.deep[].tags is a Set, however deep
    defineTask({
      name: 't.deep',
      input: z.object({ deep: z.array(z.object({ tags: z.set(z.string()) })) }),
      run: () => null,
    });
  });

  it('names the path and the fix in the message', () => {
    expectTypeOf<
      JsonProblem<{ tags: Set<string> }, 'input'>
    >().toEqualTypeOf<'input.tags is a Set, which JSON cannot carry: use an array (z.array())'>();
    expectTypeOf<
      JsonProblem<{ a: { b?: bigint } }, 'input'>
    >().toEqualTypeOf<'input.a.b is a bigint, which JSON cannot carry: use z.string() or a zod codec from string to bigint'>();
    expectTypeOf<JsonProblem<{ at: Date; n?: number; u: unknown; s: string[] }>>().toBeNever();
    expectTypeOf<
      JsonProblem<{ list: Array<string | undefined> }, 'input'>
    >().toEqualTypeOf<'input.list is an array that may hold undefined, which JSON cannot carry: use null'>();
    expectTypeOf<
      JsonProblem<{ why: Error }, 'input'>
    >().toEqualTypeOf<'input.why is an Error or RegExp, which JSON cannot carry: send its text as a string'>();
  });

  it('accepts Dates, optional fields, unknown and codecs', () => {
    const dates = defineTask({
      name: 't.date',
      input: z.object({ at: z.date(), note: z.string().optional(), data: z.unknown() }),
      run: (input) => {
        expectTypeOf(input.at).toEqualTypeOf<Date>();
        return null;
      },
    });
    expectTypeOf<TaskInput<typeof dates>>().toEqualTypeOf<{
      at: Date;
      note?: string | undefined;
      data: unknown;
    }>();

    const isoDate = z.codec(z.iso.datetime(), z.date(), {
      decode: (text) => new Date(text),
      encode: (date) => date.toISOString(),
    });
    const codec = defineTask({
      name: 't.codec',
      input: z.object({ at: isoDate }),
      run: (input) => {
        expectTypeOf(input.at).toEqualTypeOf<Date>();
        return null;
      },
    });
    // The producer passes the codec's JSON form; run receives the decoded value.
    expectTypeOf<TaskInput<typeof codec>>().toEqualTypeOf<{ at: string }>();
  });
});

describe('results are typed as they arrive', () => {
  it('turns Dates into strings without an output schema', async () => {
    const task = defineTask({
      name: 't.r-date',
      input: z.null(),
      run: () => ({ at: new Date(), n: 1, maybe: undefined as number | undefined }),
    });
    expectTypeOf<TaskResult<typeof task>>().toEqualTypeOf<{
      at: string;
      n: number;
      maybe?: number;
    }>();
    const handle = await client.enqueue(task, null);
    const result = await handle.result();
    expectTypeOf(result.at).toEqualTypeOf<string>();
    // @ts-expect-error a string has no getFullYear: the type says what arrives.
    result.at.getFullYear();
  });

  it('decodes with an output schema, so a z.date() output is a Date', () => {
    const task = defineTask({
      name: 't.r-out',
      input: z.null(),
      output: z.object({ at: z.date() }),
      run: () => ({ at: new Date() }),
    });
    expectTypeOf<TaskResult<typeof task>>().toEqualTypeOf<{ at: Date }>();
  });

  it('makes a result that cannot cross JSON a compile error', () => {
    // @ts-expect-error result is a Set
    defineTask({ name: 't.r-set', input: z.null(), run: () => new Set<string>() });
    // @ts-expect-error result.n is a bigint
    defineTask({ name: 't.r-big', input: z.null(), run: async () => ({ n: 1n }) });
    // @ts-expect-error result.price.format is a function: a class instance
    defineTask({ name: 't.r-class', input: z.null(), run: () => ({ price: new Money(1) }) });
    // @ts-expect-error result.error is an Error: JSON makes it {}
    defineTask({ name: 't.r-error', input: z.null(), run: () => ({ error: new Error('x') }) });
    // An undefined element in a plain result arrives as null, and the type says so.
    const holes = defineTask({ name: 't.r-holes', input: z.null(), run: () => [1, undefined] });
    expectTypeOf<TaskResult<typeof holes>>().toEqualTypeOf<Array<number | null>>();
    // @ts-expect-error output.ids is a Set
    defineTask({
      name: 't.r-outset',
      input: z.null(),
      output: z.object({ ids: z.set(z.string()) }),
      run: () => ({ ids: new Set<string>() }),
    });
  });

  it('keeps void and plain values as they are', () => {
    const none = defineTask({ name: 't.void', input: z.null(), run: async () => {} });
    expectTypeOf<TaskResult<typeof none>>().toEqualTypeOf<void>();
    expectTypeOf<Jsonify<{ list: Array<Date | undefined>; f: () => void }>>().toEqualTypeOf<{
      list: Array<string | null>;
    }>();
    expectTypeOf<Jsonify<unknown>>().toEqualTypeOf<unknown>();
  });

  it('keeps numeric keys, which JSON carries as strings', () => {
    // They were refused as "keyed by a symbol", and Jsonify dropped them.
    expectTypeOf<JsonProblem<{ 200: string; 404: string }>>().toBeNever();
    expectTypeOf<JsonProblem<{ byYear: Record<number, string> }>>().toBeNever();
    expectTypeOf<Jsonify<{ 42: number; x: 1 }>>().toEqualTypeOf<{ 42: number; x: 1 }>();
    expectTypeOf<Jsonify<{ byYear: Record<number, string> }>>().toEqualTypeOf<{
      byYear: Record<number, string>;
    }>();
    const byYear = defineTask({
      name: 't.by-year',
      input: z.object({ byYear: z.record(z.number(), z.string()) }),
      run: () => ({ 200: 'ok', 404: 'missing' }),
    });
    expectTypeOf<TaskResult<typeof byYear>>().toEqualTypeOf<{ 200: string; 404: string }>();
  });

  it('names a Map a Map, not a Set', () => {
    expectTypeOf<
      JsonProblem<{ byId: Map<string, number> }, 'result'>
    >().toEqualTypeOf<'result.byId is a Map, which JSON cannot carry: use an object (z.record()) or an array of [key, value]'>();
  });
});
