import {
  defineTask,
  type JobRecord,
  type JsonValue,
  memoryTransport,
  SECRET_FIELD_NAMES,
} from '@conveyor/core';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { createRedactor, DEFAULT_REDACT, REDACTED } from '../src/index.js';
import { TOO_DEEP } from '../src/redact.js';
import { enqueue, login, serve } from './helpers.js';

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

  test('the defaults cover the usual spellings of secrets, and nothing that only contains one', () => {
    const redactor = createRedactor(DEFAULT_REDACT);
    const input = {
      api_key: 'k',
      secretKey: 's',
      accessToken: 'a',
      refresh_token: 'r',
      creditCard: { number: '4242' },
      card_number: '4242',
      Cookie: 'sid=1',
      nested: [{ private_key: 'pem', CVV: '123' }],
      tokens: 'kept',
      keyboard: 'kept',
      secretary: 'kept',
    };
    expect(redactor.apply(input)).toEqual({
      api_key: REDACTED,
      secretKey: REDACTED,
      accessToken: REDACTED,
      refresh_token: REDACTED,
      creditCard: REDACTED,
      card_number: REDACTED,
      Cookie: REDACTED,
      nested: [{ private_key: REDACTED, CVV: REDACTED }],
      tokens: 'kept',
      keyboard: 'kept',
      secretary: 'kept',
    });
    expect(redactor.hides('order.payment.cvc')).toBe(true);
    expect(redactor.hides('order.payment.amount')).toBe(false);
  });

  // Headers and session credentials were shown in clear (X-Api-Key, pwd, session_token), and
  // cardNumber or cvv could be indexed by a task, storing them in Redis key names, since core
  // kept a shorter list of its own.
  test('the defaults are core SECRET_FIELD_NAMES, which defineTask refuses to index', () => {
    const redactor = createRedactor(DEFAULT_REDACT);
    expect(
      redactor.apply({ headers: { 'X-Api-Key': 'k', pwd: 'p', Session_Token: 's', accept: '*' } }),
    ).toEqual({
      headers: { 'X-Api-Key': REDACTED, pwd: REDACTED, Session_Token: REDACTED, accept: '*' },
    });
    for (const name of SECRET_FIELD_NAMES) {
      expect(redactor.hides(`order.${name}`)).toBe(true);
      expect(() =>
        defineTask({
          name: 't',
          input: z.looseObject({}),
          index: [`order.${name}`],
          run: () => {},
        }),
      ).toThrow(/no secret/);
    }
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

describe('deeply nested values', () => {
  /** `{ n: { n: … { leaf: 'bottom' } } }`, `depth` levels of `n`. */
  function nested(depth: number): JsonValue {
    let value: JsonValue = { leaf: 'bottom' };
    for (let i = 0; i < depth; i++) value = { n: value };
    return value;
  }

  test('a value nested deeper than the client allows is cut at 512 levels, not a stack overflow', () => {
    for (const redactor of [createRedactor(DEFAULT_REDACT), createRedactor([])]) {
      let value = redactor.apply(nested(5000)) as JsonValue;
      let depth = 0;
      while (typeof value === 'object' && value !== null && 'n' in value) {
        value = (value as { n: JsonValue }).n;
        depth++;
      }
      expect(depth).toBe(512);
      expect(value).toBe(TOO_DEEP);
    }
    // What the client accepts (256 levels) comes back whole.
    expect(createRedactor(DEFAULT_REDACT).apply(nested(256))).toEqual(nested(256));
  });

  test('a job whose input is nested 3,000 levels deep still has a page', async () => {
    // Written past the client (which refuses it): the transport hands such a record back.
    const transport = memoryTransport();
    const id = await enqueue(transport, { queue: 'deep' });
    const stored = (await transport.getJob(id)) as JobRecord;
    const deep = { ...stored, envelope: { ...stored.envelope, input: nested(3000) } };
    const getJob = async (jobId: string) => (jobId === id ? deep : transport.getJob(jobId));
    const served = await serve({ transport: Object.assign(Object.create(transport), { getJob }) });
    try {
      const client = await login(served);
      const response = await client.get(`/api/jobs/${id}`);
      expect(response.status).toBe(200);
      expect(JSON.stringify(await response.json())).toContain(TOO_DEEP);
    } finally {
      await served.close();
      await transport.close();
    }
  });
});
