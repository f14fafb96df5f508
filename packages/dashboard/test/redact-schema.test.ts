import { defineTask, memoryTransport, taskContract } from '@conveyor/core';
import { afterAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { createDashboard, markedRedactPaths } from '../src/index.js';
import { enqueue, login, type Served, serve } from './helpers.js';

const secret = <T extends z.ZodType>(schema: T): T => schema.meta({ redact: true });

const Checkout = z.object({
  orderId: z.string(),
  card: z.object({ number: secret(z.string()), brand: z.string() }).optional(),
  items: z.array(z.object({ sku: z.string(), voucher: secret(z.string()).nullable() })),
  notes: z.record(z.string(), secret(z.string())).optional(),
  contact: z.union([z.object({ phone: secret(z.string()) }), z.object({ email: z.string() })]),
});

describe('markedRedactPaths', () => {
  test('finds fields marked with .meta({ redact: true }) through objects, arrays, records, unions and wrappers', () => {
    expect(markedRedactPaths(Checkout).sort()).toEqual([
      'card.number',
      'contact.phone',
      'items.*.voucher',
      'notes.*',
    ]);
  });

  test('marks nothing on an unmarked schema, a whole marked input, or a value that is no zod schema', () => {
    expect(markedRedactPaths(z.object({ a: z.string() }))).toEqual([]);
    expect(markedRedactPaths({ '~standard': { vendor: 'other' } })).toEqual([]);
    expect(markedRedactPaths(undefined)).toEqual([]);
  });
});

describe('markedRedactPaths through the shapes it used to miss', () => {
  test.each([
    [
      'an intersection (.and())',
      z.object({ orderId: z.string() }).and(z.object({ cardNumber: secret(z.string()) })),
      ['cardNumber'],
    ],
    [
      'z.preprocess',
      z.object({ cvv: z.preprocess((value) => String(value), secret(z.string())) }),
      ['cvv'],
    ],
    ['the output side of a pipe', z.object({ pin: z.string().pipe(secret(z.string())) }), ['pin']],
    [
      'a tuple item (its index)',
      z.object({ pair: z.tuple([z.string(), secret(z.string())]) }),
      ['pair.1'],
    ],
    [
      'a tuple rest (every item)',
      z.object({ keys: z.tuple([z.string()], secret(z.string())) }),
      ['keys.*'],
    ],
    ['.catchall()', z.object({ id: z.string() }).catchall(secret(z.string())), ['*']],
    [
      'z.lazy',
      z.object({ card: z.lazy(() => z.object({ number: secret(z.string()) })) }),
      ['card.number'],
    ],
    [
      'a nested key a path cannot name (the enclosing object, whole)',
      z.object({ card: z.object({ 'odd.key': secret(z.string()), brand: z.string() }) }),
      ['card'],
    ],
  ])('%s', (_, schema, paths) => {
    expect(markedRedactPaths(schema).sort()).toEqual(paths);
  });

  test('a recursive schema (z.lazy, getters) ends: the recursive position is redacted whole', () => {
    const Node: z.ZodType = z.lazy(() =>
      z.object({ secret: secret(z.string()), children: z.array(Node) }),
    );
    expect(markedRedactPaths(Node).sort()).toEqual(['children.*', 'secret']);
    // Getters, as zod 4 writes recursive objects.
    const Tree = z.object({
      pin: secret(z.string()),
      name: z.string(),
      get kids() {
        return z.array(Tree);
      },
    });
    expect(markedRedactPaths(Tree).sort()).toEqual(['kids.*', 'pin']);
  });

  test('an unmarked recursive schema marks nothing', () => {
    const Node: z.ZodType = z.lazy(() => z.object({ name: z.string(), children: z.array(Node) }));
    expect(markedRedactPaths(Node)).toEqual([]);
  });

  test('a mark no path can name throws INVALID_OPTION, naming the task at createDashboard', () => {
    expect(() => markedRedactPaths(secret(z.string()))).toThrow(/whole input/);
    const odd = z.object({ 'odd.key': secret(z.string()) });
    expect(() => markedRedactPaths(odd)).toThrow(/"\." or "\*"/);
    const task = defineTask({ name: 'shop.odd', input: odd, run: () => null });
    expect(() =>
      createDashboard({ transport: memoryTransport(), auth: 'none', tasks: [task] }),
    ).toThrow(
      expect.objectContaining({
        code: 'INVALID_OPTION',
        message: expect.stringContaining('"shop.odd"'),
      }),
    );
  });
});

describe('createDashboard({ tasks }) with the shapes the review found', () => {
  let served: Served | undefined;
  afterAll(async () => served?.close());

  test('intersection, preprocess and tuple fields are redacted in GET /api/jobs/<id>', async () => {
    const Payment = z.object({ orderId: z.string() }).and(
      z.object({
        cardNumber: secret(z.string()),
        cvv: z.preprocess((value) => value, secret(z.string())),
        pair: z.tuple([z.string(), secret(z.string())]),
      }),
    );
    const pay = defineTask({ name: 'shop.pay', input: Payment, run: () => null });
    served = await serve({ tasks: [pay], redactDefaults: false });
    const client = await login(served);
    const id = await enqueue(served.transport, {
      task: 'shop.pay',
      input: {
        orderId: 'o-2',
        cardNumber: '4111111111111111',
        cvv: '737',
        pair: ['a', 'TUPLE-SECRET'],
      },
    });
    const text = await (await client.get(`/api/jobs/${encodeURIComponent(id)}`)).text();
    for (const hidden of ['4111111111111111', '737', 'TUPLE-SECRET'])
      expect(text).not.toContain(hidden);
    expect(JSON.parse(text).job.input).toEqual({
      orderId: 'o-2',
      cardNumber: '[redacted]',
      cvv: '[redacted]',
      pair: ['a', '[redacted]'],
    });
  });
});

describe('createDashboard({ tasks })', () => {
  const checkout = defineTask({ name: 'shop.checkout', input: Checkout, run: () => null });
  // A contract (what a producer holds) marks the same fields.
  const contract = taskContract({ name: 'shop.checkout', input: Checkout });
  let served: Served | undefined;
  afterAll(async () => served?.close());

  test("the marked fields of a task's input never leave the server", async () => {
    served = await serve({ tasks: [checkout, contract], redactDefaults: false });
    const client = await login(served);
    const id = await enqueue(served.transport, {
      task: 'shop.checkout',
      input: {
        orderId: 'o-1',
        card: { number: '4242424242424242', brand: 'visa' },
        items: [{ sku: 'S-1', voucher: 'V-SECRET' }],
        contact: { phone: '+49 30 1234567' },
      },
    });
    const response = await client.get(`/api/jobs/${encodeURIComponent(id)}`);
    expect(response.status).toBe(200);
    const text = await response.text();
    for (const hidden of ['4242424242424242', 'V-SECRET', '+49 30 1234567']) {
      expect(text).not.toContain(hidden);
    }
    expect(JSON.parse(text).job.input).toEqual({
      orderId: 'o-1',
      card: { number: '[redacted]', brand: 'visa' },
      items: [{ sku: 'S-1', voucher: '[redacted]' }],
      contact: { phone: '[redacted]' },
    });
  });
});
