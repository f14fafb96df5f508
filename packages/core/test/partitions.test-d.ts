import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { defineTask, type TaskContract } from '../src/task.js';

describe('defineTask queue option', () => {
  it('takes a name or { name, partitions, partitionBy }, and the contract has the fields', () => {
    const task = defineTask({
      name: 't.partitioned',
      input: z.object({ customerId: z.string() }),
      queue: { name: 'emails', partitions: 8, partitionBy: 'customerId' },
      run: () => null,
    });
    expectTypeOf(task.queue).toEqualTypeOf<string | undefined>();
    expectTypeOf(task.partitions).toEqualTypeOf<number | undefined>();
    expectTypeOf(task.partitionBy).toEqualTypeOf<string | undefined>();
    expectTypeOf(task).toExtend<TaskContract>();
    defineTask({ name: 't.plain', input: z.object({}), queue: 'emails', run: () => null });
  });

  it('refuses a misspelt field and a queue object without a name', () => {
    defineTask({
      name: 't.bad',
      input: z.object({}),
      // @ts-expect-error partitons is not an option of queue
      queue: { name: 'emails', partitons: 8 },
      run: () => null,
    });
    defineTask({
      name: 't.bad',
      input: z.object({}),
      // @ts-expect-error a queue object needs its name
      queue: { partitions: 8 },
      run: () => null,
    });
  });
});
