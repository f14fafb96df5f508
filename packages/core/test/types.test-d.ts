import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { Client } from '../src/client.js';
import type { TaskContext } from '../src/context.js';
import { ConveyorError, type ConveyorErrorCode } from '../src/conveyor-error.js';
import { JobFailedError, ValidationError } from '../src/errors.js';
import type { JobHandle } from '../src/job-handle.js';
import { bindTask, type TaskStub } from '../src/stub.js';
import {
  defineTask,
  type TaskContract,
  type TaskDefinition,
  type TaskInput,
  type TaskResult,
  taskContract,
} from '../src/task.js';
import { defineWorkflow } from '../src/workflow/define-workflow.js';
import { WorkflowNotCompletedError } from '../src/workflow/errors.js';

declare const client: Client;

const sendEmail = defineTask({
  name: 'shop.sendEmail',
  input: z.object({ email: z.string(), name: z.string(), vip: z.boolean().optional() }),
  run: async ({ email }) => ({ sent: true as boolean, to: email }),
});

/** Input with a default and a transform: producers and `run` see different types. */
const createOrder = defineTask({
  name: 'shop.createOrder',
  input: z.object({
    sku: z.string(),
    quantity: z.number().int().default(1),
    placedAt: z.string().transform((text) => new Date(text)),
  }),
  output: z.object({ orderId: z.string(), total: z.string().transform(Number) }),
  run(input) {
    expectTypeOf(input).toEqualTypeOf<{ sku: string; quantity: number; placedAt: Date }>();
    return { orderId: `o-${input.sku}`, total: '12.50' };
  },
});

describe('defineTask', () => {
  it('keeps the literal task name', () => {
    expectTypeOf(sendEmail.name).toEqualTypeOf<'shop.sendEmail'>();
    expectTypeOf(createOrder.name).toEqualTypeOf<'shop.createOrder'>();
  });

  it("gives run the schema's output type and the task context", () => {
    defineTask({
      name: 'types.run',
      input: z.object({ n: z.string().transform((text) => text.length) }),
      run(input, ctx) {
        expectTypeOf(input).toEqualTypeOf<{ n: number }>();
        expectTypeOf(ctx).toEqualTypeOf<TaskContext>();
        // @ts-expect-error run sees the transformed number, not the string sent
        input.n.toUpperCase();
      },
    });
  });

  it('checks that run returns what the output schema accepts', () => {
    // @ts-expect-error ok must be a boolean (overload errors are reported at the call)
    defineTask({
      name: 'types.output',
      input: z.object({}),
      output: z.object({ ok: z.boolean() }),
      run: () => ({ ok: 'yes' }),
    });
  });

  it('types the result from run when there is no output schema', () => {
    expectTypeOf(sendEmail).toEqualTypeOf<
      TaskDefinition<'shop.sendEmail', typeof sendEmail.input, { sent: boolean; to: string }>
    >();
  });
});

describe('client.enqueue', () => {
  it('accepts the schema input type, optional fields optional', () => {
    expectTypeOf(client.enqueue(sendEmail, { email: 'a@b.co', name: 'A' })).toEqualTypeOf<
      Promise<JobHandle<{ sent: boolean; to: string }>>
    >();
    client.enqueue(sendEmail, { email: 'a@b.co', name: 'A', vip: true }, { delay: 1_000 });
  });

  it('rejects a field of the wrong type', () => {
    // @ts-expect-error email must be a string
    client.enqueue(sendEmail, { email: 42, name: 'A' });
  });

  it('rejects a missing required field', () => {
    // @ts-expect-error name is required
    client.enqueue(sendEmail, { email: 'a@b.co' });
  });

  it('rejects an unknown field in an object literal', () => {
    // @ts-expect-error subject is not in the schema
    client.enqueue(sendEmail, { email: 'a@b.co', name: 'A', subject: 'Hi' });
  });

  it("takes the schema's input type, before defaults and transforms", () => {
    expectTypeOf<TaskInput<typeof createOrder>>().toEqualTypeOf<{
      sku: string;
      quantity?: number | undefined;
      placedAt: string;
    }>();
    client.enqueue(createOrder, { sku: 'SKU-1', placedAt: '2025-01-01' });
    // @ts-expect-error producers send the string the transform parses, not a Date
    client.enqueue(createOrder, { sku: 'SKU-1', placedAt: new Date() });
  });

  it('types enqueueMany inputs and handles', () => {
    expectTypeOf(client.enqueueMany(sendEmail, [{ email: 'a@b.co', name: 'A' }])).toEqualTypeOf<
      Promise<JobHandle<{ sent: boolean; to: string }>[]>
    >();
    // @ts-expect-error the second input lacks name
    client.enqueueMany(sendEmail, [{ email: 'a@b.co', name: 'A' }, { email: 'c@d.co' }]);
  });

  it('checks per-call options', () => {
    // @ts-expect-error delay is a number of ms
    client.enqueue(sendEmail, { email: 'a@b.co', name: 'A' }, { delay: '5s' });
    // @ts-expect-error countdown is Celery's name; ours is delay
    client.enqueue(sendEmail, { email: 'a@b.co', name: 'A' }, { countdown: 5 });
  });
});

describe('results', () => {
  it("resolves to the output schema's output type when output is given", async () => {
    const handle = await client.enqueue(createOrder, { sku: 'SKU-1', placedAt: '2025-01-01' });
    const result = await handle.result();
    expectTypeOf(result).toEqualTypeOf<{ orderId: string; total: number }>();
    expectTypeOf<TaskResult<typeof createOrder>>().toEqualTypeOf<{
      orderId: string;
      total: number;
    }>();
  });

  it('resolves to the awaited return type of run otherwise', async () => {
    const handle = await client.enqueue(sendEmail, { email: 'a@b.co', name: 'A' });
    expectTypeOf(handle.result()).toEqualTypeOf<Promise<{ sent: boolean; to: string }>>();
    expectTypeOf<TaskResult<typeof sendEmail>>().toEqualTypeOf<{ sent: boolean; to: string }>();

    const syncTask = defineTask({ name: 't.sync', input: z.string(), run: (text) => text.length });
    expectTypeOf<TaskResult<typeof syncTask>>().toEqualTypeOf<number>();
    const voidTask = defineTask({ name: 't.void', input: z.string(), run: async () => {} });
    expectTypeOf<TaskResult<typeof voidTask>>().toEqualTypeOf<void>();
  });

  it('fails a wrong assertion on the result type', async () => {
    const stringTask = defineTask({ name: 't.string', input: z.null(), run: () => 'done' });
    const handle = await client.enqueue(stringTask, null);
    expectTypeOf(await handle.result()).toEqualTypeOf<string>();
    // @ts-expect-error the result is a string, not a number
    expectTypeOf(await handle.result()).toEqualTypeOf<number>();
  });

  it('types a handle for a known id as unknown unless told', () => {
    expectTypeOf(client.job('default:1').result()).toEqualTypeOf<Promise<unknown>>();
    expectTypeOf(client.job<{ n: 1 }>('default:1').result()).toEqualTypeOf<Promise<{ n: 1 }>>();
  });
});

describe('stubs', () => {
  const stub = client.bind(sendEmail);

  it('types delay like enqueue', () => {
    expectTypeOf(stub).toEqualTypeOf<TaskStub<typeof sendEmail>>();
    expectTypeOf(stub.name).toEqualTypeOf<'shop.sendEmail'>();
    expectTypeOf(stub.delay({ email: 'a@b.co', name: 'A' })).toEqualTypeOf<
      Promise<JobHandle<{ sent: boolean; to: string }>>
    >();
  });

  it('rejects a wrong field type, a missing field and an unknown field in delay', () => {
    // @ts-expect-error email must be a string
    stub.delay({ email: 1, name: 'A' });
    // @ts-expect-error name is required
    stub.delay({ email: 'a@b.co' });
    // @ts-expect-error subject is not in the schema
    stub.delay({ email: 'a@b.co', name: 'A', subject: 'Hi' });
  });

  it('binds to a lazy client getter with the same types', () => {
    const lazy = bindTask(() => client, createOrder);
    expectTypeOf(lazy.enqueue).parameter(0).toEqualTypeOf<TaskInput<typeof createOrder>>();
    // @ts-expect-error sku is required
    lazy.delay({ placedAt: '2025-01-01' });
  });
});

describe('taskContract', () => {
  const schema = z.object({ email: z.string() });
  const contract = taskContract<'shop.sendEmail', typeof schema, { sent: boolean }>({
    name: 'shop.sendEmail',
    input: schema,
  });

  it('carries the result type parameter', async () => {
    expectTypeOf(contract).toEqualTypeOf<
      TaskContract<'shop.sendEmail', typeof schema, { sent: boolean }>
    >();
    expectTypeOf<TaskResult<typeof contract>>().toEqualTypeOf<{ sent: boolean }>();
    const handle = await client.enqueue(contract, { email: 'a@b.co' });
    expectTypeOf(await handle.result()).toEqualTypeOf<{ sent: boolean }>();
  });

  it('defaults the result to unknown and infers the name', () => {
    const untyped = taskContract({ name: 'shop.untyped', input: schema });
    expectTypeOf(untyped.name).toEqualTypeOf<'shop.untyped'>();
    expectTypeOf<TaskResult<typeof untyped>>().toEqualTypeOf<unknown>();
  });

  it('holds its input schema to JSON, as defineTask does', () => {
    // It compiled, and the input was refused only at enqueue.
    // @ts-expect-error input.s is a Set
    taskContract({ name: 'p.c5', input: z.object({ s: z.set(z.string()) }) });
  });

  it('checks inputs against the contract schema', () => {
    // @ts-expect-error email must be a string
    client.enqueue(contract, { email: null });
    // @ts-expect-error a contract has no run, so it cannot be given one
    taskContract({ name: 'x', input: schema, run: () => 1 });
  });

  it('accepts a task definition where a contract is expected', () => {
    expectTypeOf(sendEmail).toExtend<TaskContract<'shop.sendEmail'>>();
    expectTypeOf(contract).not.toHaveProperty('run');
  });
});

describe('error codes', () => {
  it('narrow to the literal of each class after instanceof', () => {
    // Each was the whole ConveyorErrorCode union: a switch on it after instanceof checked nothing.
    const error: unknown = new Error('x');
    if (error instanceof ValidationError) {
      expectTypeOf(error.code).toEqualTypeOf<'VALIDATION_FAILED'>();
    }
    if (error instanceof JobFailedError) expectTypeOf(error.code).toEqualTypeOf<'JOB_FAILED'>();
    if (error instanceof WorkflowNotCompletedError) {
      expectTypeOf(error.code).toEqualTypeOf<'WORKFLOW_NOT_COMPLETED'>();
    }
    if (error instanceof ConveyorError) expectTypeOf(error.code).toEqualTypeOf<ConveyorErrorCode>();
  });
});

describe('options that exclude each other', () => {
  it('refuse delay with eta, and timeoutMs with deadline, at compile time', () => {
    const task = defineTask({ name: 't.opts', input: z.object({}), run: () => 1 });
    const workflow = defineWorkflow({
      name: 'w.opts',
      input: z.object({}),
      steps: (flow) => flow.step('only', task),
    });
    // @ts-expect-error delay and eta exclude each other (INVALID_OPTION at run time)
    void client.enqueue(task, {}, { delay: 5, eta: new Date() });
    void client.enqueue(task, {}, { delay: 5, eta: undefined });
    // @ts-expect-error timeoutMs and deadline exclude each other
    void client.workflows.start(workflow, {}, { timeoutMs: 5, deadline: new Date() });
    void client.workflows.start(workflow, {}, { deadline: Date.now() + 5, idempotencyKey: 'k' });
  });
});

// index: ['emial'] compiled, and at run time no job was indexed.
describe('defineTask index', () => {
  it("takes the input's fields as dot paths, and refuses a misspelt one", () => {
    const input = z.object({
      email: z.string(),
      customer: z.object({ id: z.number(), tags: z.array(z.string()) }),
      meta: z.record(z.string(), z.string()),
    });
    defineTask({ name: 'a.ok', input, index: ['email', 'customer.id', 'meta.source'], run() {} });
    // @ts-expect-error "emial" is not a field of the input
    defineTask({ name: 'a.b', input, index: ['emial'], run() {} });
    // @ts-expect-error customer has no field "ID"
    defineTask({ name: 'a.c', input, index: ['customer.ID'], run() {} });
    const fields: string[] = ['email'];
    defineTask({ name: 'a.d', input: z.looseObject({}), index: fields, run() {} });
  });
});
