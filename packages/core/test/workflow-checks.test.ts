import { describe, expect, it } from 'vitest';
import { assertItemsWithin, jsonWithin } from '../src/driver/workflow-checks.js';

const roundTrip = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

describe('jsonWithin (the JSON checks of transport.workflows)', () => {
  it('answers what the JSON round trip answers, for primitives and objects alike', () => {
    const values = [0, -0, 1.5, -Number.MAX_VALUE, true, false, null, '', 'é\u0000"\\'];
    for (const value of [...values, { a: [1, 'x', null] }, [{ b: -0 }]]) {
      expect(Object.is(jsonWithin(value, 'step result', 1_000), roundTrip(value))).toBe(
        typeof value !== 'object' || value === null,
      );
      expect(jsonWithin(value, 'step result', 1_000)).toStrictEqual(roundTrip(value));
    }
  });

  it('answers a copy of an object, not the object', () => {
    const result = { items: [1, 2] };
    const checked = jsonWithin(result, 'step result', 1_000) as { items: number[] };
    result.items.push(3);
    expect(checked).toStrictEqual({ items: [1, 2] });
  });

  it('refuses a value over the cap with PAYLOAD_TOO_LARGE, however small its kind', () => {
    const refused = (value: unknown, maxBytes: number) => {
      expect(() => jsonWithin(value, 'step result', maxBytes)).toThrow(
        expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }),
      );
    };
    refused('x'.repeat(100), 100); // 102 bytes with its quotes
    refused('\u0001'.repeat(10), 50); // escaped: 6 bytes each
    refused('é'.repeat(40), 80); // 2 bytes each in UTF-8
    refused(-Number.MAX_VALUE, 20);
    refused(123456, 5);
    refused({ a: 'x'.repeat(100) }, 100);
    expect(jsonWithin('x'.repeat(98), 'step result', 100)).toBe('x'.repeat(98));
    expect(jsonWithin(12345, 'step result', 5)).toBe(12345);
  });

  it('refuses what is not JSON (NOT_JSON), and undefined', () => {
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, () => 1, Symbol('s'), 1n]) {
      expect(() => jsonWithin(value, 'step result', 1_000)).toThrow(
        expect.objectContaining({ code: 'NOT_JSON' }),
      );
    }
    expect(() => jsonWithin(undefined, 'step result', 1_000)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    );
  });
});

describe("assertItemsWithin (a map step's items, for expand)", () => {
  const refusal = (items: unknown[], maxBytes = 1_000) => {
    try {
      assertItemsWithin(items, 'each', maxBytes);
    } catch (error) {
      return error as { code: string; message: string };
    }
    return undefined;
  };

  it('passes a list of JSON items, however large the whole, while each item is within the cap', () => {
    const items = Array.from({ length: 1_000 }, (_, n) => ({ n, at: new Date(n) }));
    // The whole list is about 40 KB, each item about 40 bytes.
    expect(refusal(items, 100)).toBeUndefined();
    expect(refusal(items, 1_000_000)).toBeUndefined();
    expect(refusal([])).toBeUndefined();
  });

  it('names the item at fault, as one by one: not JSON, undefined, or over the cap', () => {
    const bad = refusal([{ a: 1 }, { b: 2 }, { c: Number.NaN }]);
    expect(bad).toMatchObject({ code: 'NOT_JSON' });
    expect(bad?.message).toContain('item 2 of step "each"');
    const missing = refusal([1, undefined, 3]);
    expect(missing).toMatchObject({ code: 'INVALID_OPTION' });
    expect(missing?.message).toContain('item 1 of step "each"');
    // A hole of a sparse list, as an undefined item.
    // biome-ignore lint/suspicious/noSparseArray: the hole is the case
    const hole = refusal([1, , 3]);
    expect(hole).toMatchObject({ code: 'INVALID_OPTION' });
    expect(hole?.message).toContain('item 1 of step "each"');
    const large = refusal(['x', 'y'.repeat(200), 'z'], 100);
    expect(large).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(large?.message).toMatch(/^Item 1 of step "each" is 202 bytes, over the 100-byte limit/);
  });
});
