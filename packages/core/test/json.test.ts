import { describe, expect, it } from 'vitest';
import { NotJsonError } from '../src/errors.js';
import { assertJsonValue, MAX_JSON_DEPTH } from '../src/json.js';

function notJson(value: unknown, path?: string): NotJsonError {
  try {
    assertJsonValue(value, path);
  } catch (error) {
    expect(error).toBeInstanceOf(NotJsonError);
    expect((error as NotJsonError).code).toBe('NOT_JSON');
    return error as NotJsonError;
  }
  throw new Error(`expected a NotJsonError for ${String(value)}`);
}

/** `levels` objects, each inside the previous one: `{ next: { next: … } }`. */
function nested(levels: number): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let current = root;
  for (let level = 1; level < levels; level++) {
    const child: Record<string, unknown> = {};
    current.next = child;
    current = child;
  }
  return root;
}

describe('assertJsonValue', () => {
  it('accepts plain JSON: primitives, arrays, plain and null-prototype objects', () => {
    for (const value of [
      'text',
      0,
      -1.5,
      true,
      null,
      [],
      [1, 'two', [3], { four: 4 }],
      { a: { b: [null, false] } },
      Object.assign(Object.create(null), { bare: 1 }),
    ]) {
      expect(() => assertJsonValue(value)).not.toThrow();
    }
  });

  it('accepts Dates, which travel as ISO strings', () => {
    expect(() => assertJsonValue({ at: new Date(0) })).not.toThrow();
  });

  it('accepts strings with lone surrogates', () => {
    const lone = 'a\uD800b\uDFFF';
    expect(() => assertJsonValue({ [lone]: lone })).not.toThrow();
    expect(JSON.parse(JSON.stringify(lone))).toBe(lone);
  });

  it('accepts an own "__proto__" key as parsed from JSON', () => {
    const value: unknown = JSON.parse('{"__proto__":{"polluted":1},"ok":true}');
    expect(Object.keys(value as object)).toEqual(['__proto__', 'ok']);
    expect(() => assertJsonValue(value)).not.toThrow();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('skips undefined object fields, which JSON drops', () => {
    expect(() => assertJsonValue({ kept: 1, dropped: undefined })).not.toThrow();
  });

  it('accepts a value shared by two branches (not a cycle)', () => {
    const shared = { n: 1 };
    expect(() => assertJsonValue({ a: shared, b: [shared, shared] })).not.toThrow();
  });

  it('rejects a function, naming its path', () => {
    const error = notJson({ user: { save() {} } }, 'input');
    expect(error.path).toBe('input.user.save');
    expect(error.message).toMatch(/^input\.user\.save is not JSON-serializable \(.*\): a function/);
  });

  it('rejects a symbol', () => {
    expect(notJson({ tag: Symbol('x') }).message).toContain('a symbol cannot be sent as JSON');
  });

  it('rejects a bigint and says to send it as a string', () => {
    const error = notJson({ amount: 10n });
    expect(error.path).toBe('value.amount');
    expect(error.message).toBe(
      'value.amount is not JSON-serializable (10n): JSON has no bigint; send it as a string.',
    );
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])('rejects %s', (n) => {
    const error = notJson([1, n]);
    expect(error.path).toBe('value[1]');
    expect(error.message).toContain(`(${n})`);
    expect(error.message).toContain('JSON has no NaN or Infinity');
  });

  it('rejects undefined in an array, which JSON turns into null', () => {
    const error = notJson(['a', undefined]);
    expect(error.path).toBe('value[1]');
    expect(error.message).toContain('omit the field or use null');
  });

  it('rejects a top-level undefined', () => {
    expect(notJson(undefined).path).toBe('value');
  });

  it('rejects a hole in a sparse array, which JSON turns into null', () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point.
    const error = notJson([1, , 3]);
    expect(error.path).toBe('value[1]');
    expect(notJson(new Array(2)).path).toBe('value[0]');
  });

  it('rejects an invalid Date, which JSON turns into null', () => {
    const error = notJson({ at: new Date(Number.NaN) });
    expect(error.path).toBe('value.at');
    expect(error.message).toContain('Invalid Date');
  });

  it.each([
    ['Map', new Map([['a', 1]])],
    ['Set', new Set([1])],
    ['RegExp', /x/],
    ['Uint8Array', new Uint8Array(2)],
  ])('rejects a %s instance, naming the class', (name, value) => {
    const error = notJson({ field: value });
    expect(error.path).toBe('value.field');
    expect(error.message).toContain(`a ${name} instance is not plain JSON`);
  });

  it('rejects a class instance, naming the class', () => {
    class Money {
      constructor(readonly cents: number) {}
    }
    const error = notJson({ price: new Money(100) });
    expect(error.message).toBe(
      'value.price is not JSON-serializable ([Money]): a Money instance is not plain JSON; convert it to an object or array.',
    );
  });

  it('rejects a cycle through an object', () => {
    const node: Record<string, unknown> = { name: 'root' };
    node.self = node;
    const error = notJson(node);
    expect(error.path).toBe('value.self');
    expect(error.message).toContain('the value contains a cycle');
  });

  it('rejects a cycle through an array', () => {
    const list: unknown[] = [];
    list.push({ back: list });
    expect(notJson(list).path).toBe('value[0].back');
  });

  it(`accepts exactly ${MAX_JSON_DEPTH} levels of nesting and rejects one more`, () => {
    expect(MAX_JSON_DEPTH).toBe(256);
    expect(() => assertJsonValue(nested(MAX_JSON_DEPTH))).not.toThrow();
    const error = notJson(nested(MAX_JSON_DEPTH + 1));
    expect(error.message).toContain(`nesting is deeper than ${MAX_JSON_DEPTH} levels`);
  });

  it('rejects 10,000 levels of nesting cleanly, without overflowing the stack', () => {
    const error = notJson(nested(10_000));
    expect(error.message).toContain('nesting is deeper than 256 levels');
    let deepArray: unknown = [];
    for (let level = 0; level < 10_000; level++) deepArray = [deepArray];
    expect(notJson(deepArray).message).toContain('nesting is deeper');
  });
});
