import { describe, expect, test } from 'vitest';
import { createRedactor, DEFAULT_REDACT, REDACTED } from '../src/index.js';

describe('createRedactor', () => {
  test('a plain path hides that value only', () => {
    const redactor = createRedactor(['card.number']);
    expect(redactor.apply({ card: { number: '4242', brand: 'visa' }, number: 1 })).toEqual({
      card: { number: REDACTED, brand: 'visa' },
      number: 1,
    });
  });

  test('* is one segment (keys and array indexes), ** any number, including none', () => {
    const redactor = createRedactor(['items.*.sku', '**.token']);
    expect(
      redactor.apply({
        items: [{ sku: 'a', qty: 1 }, { sku: 'b' }],
        token: 't0',
        deep: { er: [{ token: 't1' }], tokens: 'kept' },
      }),
    ).toEqual({
      items: [{ sku: REDACTED, qty: 1 }, { sku: REDACTED }],
      token: REDACTED,
      deep: { er: [{ token: REDACTED }], tokens: 'kept' },
    });
  });

  test('matches keys without regard to case, and hides whole objects', () => {
    const redactor = createRedactor(DEFAULT_REDACT);
    expect(
      redactor.apply({ headers: { Authorization: 'Bearer x' }, APIKEY: 'k', secret: { a: 1 } }),
    ).toEqual({ headers: { Authorization: REDACTED }, APIKEY: REDACTED, secret: REDACTED });
  });

  test('keeps hostile keys as data and leaves the original untouched', () => {
    const input = JSON.parse('{"__proto__": {"password": "p"}, "constructor": 1}');
    const out = createRedactor(['**.password']).apply(input) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(JSON.stringify(out)).toBe('{"__proto__":{"password":"[redacted]"},"constructor":1}');
    expect(Object.getOwnPropertyDescriptor(input, '__proto__')?.value).toEqual({ password: 'p' });
  });

  test('hides() answers for a field and for fields inside a redacted object', () => {
    const redactor = createRedactor(['card', '**.password']);
    expect(redactor.hides('card')).toBe(true);
    expect(redactor.hides('card.number')).toBe(true);
    expect(redactor.hides('user.Password')).toBe(true);
    expect(redactor.hides('customerId')).toBe(false);
  });

  test('refuses malformed paths, quoting them', () => {
    for (const bad of ['', 'a..b', '**', '**.**', 'a*b', '.a']) {
      expect(() => createRedactor([bad]), bad).toThrow(JSON.stringify(bad));
    }
  });
});
