import { defineTask, taskContract } from '@conveyor/core';
import { afterAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { markedRedactPaths } from '../src/index.js';
import { enqueue, login, type Served, serve } from './helpers.js';

const secret = <T extends z.ZodType>(schema: T): T => schema.meta({ redact: true });

const Checkout = z.object({
  orderId: z.string(),
  card: z.object({ number: secret(z.string()), brand: z.string() }).optional(),
  items: z.array(z.object({ sku: z.string(), voucher: secret(z.string()).nullable() })),
  notes: z.record(z.string(), secret(z.string())).optional(),
  contact: z.union([z.object({ phone: secret(z.string()) }), z.object({ email: z.string() })]),
  'odd.key': secret(z.string()).optional(),
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
    expect(markedRedactPaths(secret(z.string()))).toEqual([]);
    expect(markedRedactPaths({ '~standard': { vendor: 'other' } })).toEqual([]);
    expect(markedRedactPaths(undefined)).toEqual([]);
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
