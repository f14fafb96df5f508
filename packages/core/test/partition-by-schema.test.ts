// A task's partitionBy is checked against its input schema where that is a zod object: a
// misspelt field would otherwise route every job by its id, silently losing the order per
// value that partitionBy promises (docs/partitions.md).
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ConveyorError } from '../src/errors.js';
import type { Schema } from '../src/schema.js';
import { defineTask, taskContract } from '../src/task.js';

function define(input: Schema, partitionBy: string) {
  return defineTask({
    name: 'shop.charge',
    input,
    queue: { name: 'q', partitions: 4, partitionBy },
    run: () => null,
  });
}

function errorOf(fn: () => unknown): ConveyorError {
  try {
    fn();
  } catch (error) {
    return error as ConveyorError;
  }
  throw new Error('expected a throw');
}

const customer = z.object({ customerId: z.string(), orderId: z.string() });

describe('partitionBy against the input schema', () => {
  it('refuses a field the object does not have, quoting it and listing the fields', () => {
    const error = errorOf(() => define(customer, 'customerID'));
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.message).toBe(
      `Invalid queue.partitionBy of task "shop.charge" "customerID": expected a dot path through the input schema's fields, but the input schema has no field "customerID" (its fields: customerId, orderId; did you mean "customerId"?).`,
    );
    expect(errorOf(() => define(z.object({}), 'id')).message).toContain(
      'the input schema has no field "id" (it has none)',
    );
  });

  it('follows a dot path through nested objects, and wrappers, pipes, lazies, intersections', () => {
    const nested = z.object({ customer: z.object({ id: z.string(), email: z.string() }) });
    expect(define(nested, 'customer.id').partitionBy).toBe('customer.id');
    expect(errorOf(() => define(nested, 'customer.ID')).message).toContain(
      'but input.customer has no field "ID" (its fields: email, id; did you mean "id"?)',
    );
    expect(errorOf(() => define(nested, 'client.id')).message).toContain(
      'the input schema has no field "client" (its fields: customer)',
    );
    const wrapped = z
      .object({ account: z.object({ id: z.number() }).optional().default({ id: 1 }) })
      .transform((value) => value);
    expect(define(wrapped, 'account.id').partitionBy).toBe('account.id');
    expect(errorOf(() => define(wrapped, 'account.key')).code).toBe('INVALID_OPTION');
    expect(
      errorOf(() =>
        define(
          z.lazy(() => customer),
          'customer',
        ),
      ).code,
    ).toBe('INVALID_OPTION');
    const both = z.intersection(z.object({ a: z.string() }), z.object({ b: z.string() }));
    expect(define(both, 'b').partitionBy).toBe('b');
    expect(errorOf(() => define(both, 'c')).message).toContain('(its fields: a, b)');
    expect(errorOf(() => define(z.strictObject({ a: z.string() }), 'b')).code).toBe(
      'INVALID_OPTION',
    );
  });

  it('checks nothing past a schema whose fields are open or unknown', () => {
    const anything: Schema = {
      '~standard': { version: 1, vendor: 'test', validate: (value) => ({ value }) },
    };
    expect(define(anything, 'customer').partitionBy).toBe('customer');
    expect(define(z.looseObject({ a: z.string() }), 'b').partitionBy).toBe('b');
    expect(define(z.object({ a: z.string() }).catchall(z.string()), 'b').partitionBy).toBe('b');
    expect(define(z.record(z.string(), z.string()), 'b').partitionBy).toBe('b');
    expect(define(z.object({ meta: z.record(z.string(), z.string()) }), 'meta.x').partitionBy).toBe(
      'meta.x',
    );
    expect(define(z.object({ meta: z.any() }), 'meta.x.y').partitionBy).toBe('meta.x.y');
    const union = z.union([z.object({ a: z.string() }), z.object({ b: z.string() })]);
    expect(define(union, 'b').partitionBy).toBe('b');
  });

  it('checks a hand-written taskContract the same way', () => {
    const error = errorOf(() =>
      taskContract({
        name: 'shop.charge',
        input: customer,
        queue: 'q',
        partitions: 4,
        partitionBy: 'customer_id',
      }),
    );
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.message).toContain('Invalid partitionBy of task "shop.charge" "customer_id"');
    expect(error.message).toContain(
      '(its fields: customerId, orderId; did you mean "customerId"?)',
    );
  });

  it("takes defineTask's queue object in a taskContract, held as queue, partitions and partitionBy", () => {
    // Before: refused with "expected 1–64 characters from …", blaming the name's characters.
    const contract = taskContract({
      name: 'shop.charge',
      input: customer,
      queue: { name: 'payments', partitions: 4, partitionBy: 'customerId' },
    });
    expect(contract).toMatchObject({
      queue: 'payments',
      partitions: 4,
      partitionBy: 'customerId',
    });
    const task = defineTask({
      name: 'shop.charge',
      input: customer,
      queue: { name: 'payments', partitions: 4, partitionBy: 'customerId' },
      run: () => null,
    });
    expect(contract).toMatchObject({
      queue: task.queue,
      partitions: task.partitions,
      partitionBy: task.partitionBy,
    });
    // Checked as defineTask checks it.
    const misspelt = errorOf(() =>
      taskContract({
        name: 'shop.charge',
        input: customer,
        queue: { name: 'payments', partitions: 4, partitionBy: 'customer_id' },
      }),
    );
    expect(misspelt.message).toContain('Invalid queue.partitionBy of task "shop.charge"');
    // Partitions given twice are refused rather than one of them dropped.
    const twice = errorOf(() =>
      taskContract({
        name: 'shop.charge',
        input: customer,
        queue: { name: 'payments', partitions: 4 },
        partitions: 8,
      }),
    );
    expect(twice.code).toBe('INVALID_OPTION');
    expect(twice.message).toContain('partitions and partitionBy in one place');
  });
});
