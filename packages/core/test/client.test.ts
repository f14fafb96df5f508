import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { EnqueueOptions } from '../src/call-options.js';
import { type Client, createClient } from '../src/client.js';
import {
  type ConveyorError,
  InvalidOptionError,
  JobCancelledError,
  JobFailedError,
  JobNotFoundError,
  NotJsonError,
  PayloadTooLargeError,
  ResultTimeoutError,
  ValidationError,
} from '../src/errors.js';
import { memoryTransport } from '../src/memory/index.js';
import { defineSchedule } from '../src/schedule/define-schedule.js';
import { bindTask } from '../src/stub.js';
import { type AnyTaskContract, defineTask, taskContract } from '../src/task.js';
import { createManualClock } from '../src/testing/index.js';
import type { EnqueueRequest, EnqueueResult, Transport } from '../src/transport.js';
import { defineWorkflow } from '../src/workflow/define-workflow.js';

const sendEmail = defineTask({
  name: 'shop.sendEmail',
  input: z.object({ email: z.email(), name: z.string().min(1) }),
  run: ({ email }) => ({ sent: email }),
});

const routedTask = defineTask({
  name: 'shop.routed',
  input: z.object({ n: z.number() }),
  queue: 'emails',
  priority: 8,
  retry: { attempts: 7 },
  run: ({ n }) => n,
});

/** A transport that records every enqueue call and answers nothing else. */
function recordingTransport(answer?: (request: EnqueueRequest) => EnqueueResult) {
  const calls: EnqueueRequest[][] = [];
  const unsupported = () => Promise.reject(new Error('not used by these tests'));
  const transport: Transport = {
    name: 'recording',
    async enqueue(requests) {
      calls.push([...requests]);
      return requests.map(
        (request) => answer?.(request) ?? { id: request.envelope.id, duplicate: false },
      );
    },
    reserve: unsupported,
    renew: unsupported,
    settle: unsupported,
    getJob: unsupported,
    waitFor: unsupported,
    cancel: unsupported,
    onCancel: () => () => {},
    close: async () => {},
  };
  /** The requests of all calls, in order. */
  const requests = () => calls.flat();
  return { transport, calls, requests };
}

function recordingClient(options: { maxPayloadBytes?: number; batchSize?: number } = {}) {
  const recording = recordingTransport();
  return { ...recording, client: createClient({ transport: recording.transport, ...options }) };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection, but it resolved');
    },
    (error: unknown) => error,
  );
}

const clients: Client[] = [];
function memoryClient(): Client {
  const client = createClient({ transport: memoryTransport() });
  clients.push(client);
  return client;
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

/** Takes the next job of a queue off a memory transport, as a worker would. */
async function reserveOne(transport: Transport, queue = 'default') {
  const [reservation] = await transport.reserve({
    queues: [queue],
    max: 1,
    leaseMs: 60_000,
    consumer: 'test',
  });
  if (!reservation) throw new Error(`no job in ${queue}`);
  return reservation;
}

describe('client.enqueue: validation', () => {
  it('validates the input with the task schema before anything reaches the transport', async () => {
    const { client, calls } = recordingClient();
    const error = await rejection(client.enqueue(sendEmail, { email: 'not-an-email', name: '' }));
    expect(error).toBeInstanceOf(ValidationError);
    const invalid = error as ValidationError;
    expect(invalid.code).toBe('VALIDATION_FAILED');
    expect(invalid.task).toBe('shop.sendEmail');
    expect(invalid.target).toBe('input');
    expect(invalid.issues.map((issue) => issue.path)).toEqual([['email'], ['name']]);
    expect(invalid.issues[0]?.message).toMatch(/email/i);
    expect(invalid.message).toMatch(/^Invalid input for task "shop\.sendEmail": email: .+; name: /);
    expect(calls).toHaveLength(0);
  });

  it('quotes a huge value by its start and length, not whole', async () => {
    const { client } = recordingClient();
    const error = await rejection(
      client.enqueue(
        sendEmail,
        { email: 'a@b.co', name: 'A' },
        { idempotencyKey: 'k'.repeat(100_000) },
      ),
    );
    expect((error as Error).message).toMatch(
      /^Invalid idempotencyKey "k{299}… \(100,000 characters\): expected /,
    );
    expect((error as Error).message.length).toBeLessThan(600);
  });

  it('reports the exact zod issues', async () => {
    const { client } = recordingClient();
    const schema = sendEmail.input;
    const bad = { email: 42, name: 'Ada' };
    const error = (await rejection(client.enqueue(sendEmail, bad as never))) as ValidationError;
    const expected = schema.safeParse(bad);
    expect(expected.success).toBe(false);
    expect(error.issues).toEqual(expected.error?.issues);
  });

  it('awaits schemas that validate asynchronously', async () => {
    const task = defineTask({
      name: 'async.check',
      input: z.string().refine(async (value) => value === 'ok', 'must be ok'),
      run: () => null,
    });
    const { client, requests } = recordingClient();
    await client.enqueue(task, 'ok');
    const error = (await rejection(client.enqueue(task, 'nope'))) as ValidationError;
    expect(error.issues[0]?.message).toBe('must be ok');
    expect(requests()).toHaveLength(1);
  });

  it('rejects an input JSON cannot carry, even when the schema allows it', async () => {
    const task = defineTask({ name: 'any.input', input: z.any(), run: () => null });
    const { client, calls } = recordingClient();
    const error = await rejection(client.enqueue(task, { when: 5n }));
    expect(error).toBeInstanceOf(NotJsonError);
    expect((error as NotJsonError).path).toBe('input.when');
    expect(calls).toHaveLength(0);
  });

  it('stores the input as passed, leaving defaults and transforms to the worker', async () => {
    const task = defineTask({
      name: 'shop.transform',
      input: z.object({
        email: z.string().transform((value) => value.toLowerCase()),
        locale: z.string().default('en'),
      }),
      run: (input) => input,
    });
    const { client, requests } = recordingClient();
    await client.enqueue(task, { email: 'ADA@EXAMPLE.COM' });
    expect(requests()[0]?.envelope.input).toEqual({ email: 'ADA@EXAMPLE.COM' });
  });
});

describe('client.enqueue: the envelope', () => {
  it('builds a version-1 envelope with defaults, and payload is its JSON', async () => {
    const { client, calls } = recordingClient();
    const before = Date.now();
    const handle = await client.enqueue(sendEmail, { email: 'ada@example.com', name: 'Ada' });
    const after = Date.now();
    expect(calls).toHaveLength(1);
    const [request] = calls[0] ?? [];
    const envelope = request?.envelope;
    expect(envelope).toEqual({
      v: 1,
      id: expect.stringMatching(/^default:[-0-9A-Z_a-z]{17}$/),
      task: 'shop.sendEmail',
      queue: 'default',
      input: { email: 'ada@example.com', name: 'Ada' },
      attempt: 0,
      maxAttempts: 3,
      priority: 5,
      enqueuedAt: expect.any(Number),
    });
    expect(envelope?.enqueuedAt).toBeGreaterThanOrEqual(before);
    expect(envelope?.enqueuedAt).toBeLessThanOrEqual(after);
    expect(request?.dedupeWindowMs).toBe(86_400_000);
    expect(request).not.toHaveProperty('delayMs');
    expect(request).not.toHaveProperty('runAt');
    expect(handle.id).toBe(envelope?.id);
    expect(handle.duplicate).toBe(false);
  });

  it('gives every job its own id', async () => {
    const { client, requests } = recordingClient();
    await client.enqueueMany(
      sendEmail,
      Array.from({ length: 50 }, () => ({ email: 'a@b.co', name: 'A' })),
    );
    expect(new Set(requests().map((request) => request.envelope.id)).size).toBe(50);
  });

  it('routes by the call queue, then the task queue, then "default", prefixing the id', async () => {
    const { client, requests } = recordingClient();
    await client.enqueue(routedTask, { n: 1 }, { queue: 'urgent' });
    await client.enqueue(routedTask, { n: 2 });
    await client.enqueue(sendEmail, { email: 'a@b.co', name: 'A' });
    expect(requests().map(({ envelope }) => [envelope.queue, envelope.id.split(':')[0]])).toEqual([
      ['urgent', 'urgent'],
      ['emails', 'emails'],
      ['default', 'default'],
    ]);
  });

  it('takes the priority from the call, then the task, then 5', async () => {
    const { client, requests } = recordingClient();
    await client.enqueue(routedTask, { n: 1 }, { priority: 0 });
    await client.enqueue(routedTask, { n: 2 });
    await client.enqueue(sendEmail, { email: 'a@b.co', name: 'A' });
    expect(requests().map(({ envelope }) => envelope.priority)).toEqual([0, 8, 5]);
  });

  it('takes maxAttempts from the call attempts, then the task retry policy, then 3', async () => {
    const { client, requests } = recordingClient();
    await client.enqueue(routedTask, { n: 1 }, { attempts: 1 });
    await client.enqueue(routedTask, { n: 2 });
    await client.enqueue(sendEmail, { email: 'a@b.co', name: 'A' });
    expect(requests().map(({ envelope }) => envelope.maxAttempts)).toEqual([1, 7, 3]);
  });

  it('sets idempotencyKey, expiresAt (from a Date or a number) and the client dedupe window', async () => {
    const recording = recordingTransport();
    const client = createClient({ transport: recording.transport, dedupeWindowMs: 5_000 });
    const expires = new Date('2030-01-01T00:00:00Z');
    await client.enqueue(
      sendEmail,
      { email: 'a@b.co', name: 'A' },
      {
        idempotencyKey: 'order-42',
        expiresAt: expires,
      },
    );
    await client.enqueue(routedTask, { n: 1 }, { expiresAt: 1_900_000_000_000 });
    const [first, second] = recording.requests();
    expect(first?.envelope.idempotencyKey).toBe('order-42');
    expect(first?.envelope.expiresAt).toBe(expires.getTime());
    expect(first?.dedupeWindowMs).toBe(5_000);
    expect(second?.envelope.expiresAt).toBe(1_900_000_000_000);
    expect(second?.envelope).not.toHaveProperty('idempotencyKey');
  });

  it('records the schema fingerprint of a codegen contract', async () => {
    const contract = taskContract({
      name: 'shop.sendEmail',
      input: z.object({ email: z.string() }),
      fingerprint: 'sha256:abcd',
    });
    const { client, requests } = recordingClient();
    await client.enqueue(contract, { email: 'a@b.co' });
    await client.enqueue(sendEmail, { email: 'a@b.co', name: 'A' });
    expect(requests()[0]?.envelope.schema).toBe('sha256:abcd');
    expect(requests()[1]?.envelope).not.toHaveProperty('schema');
  });

  it('maps delay to delayMs and eta (a Date or a number) to runAt', async () => {
    const { client, requests } = recordingClient();
    const input = { email: 'a@b.co', name: 'A' };
    await client.enqueue(sendEmail, input, { delay: 5_000 });
    await client.enqueue(sendEmail, input, { eta: new Date(1_800_000_000_000) });
    await client.enqueue(sendEmail, input, { eta: 1_800_000_000_001 });
    await client.enqueue(sendEmail, input, { delay: 0 });
    const [delayed, dated, numbered, immediate] = requests();
    expect(delayed).toMatchObject({ delayMs: 5_000 });
    expect(delayed).not.toHaveProperty('runAt');
    expect(dated).toMatchObject({ runAt: 1_800_000_000_000 });
    expect(dated).not.toHaveProperty('delayMs');
    expect(numbered).toMatchObject({ runAt: 1_800_000_000_001 });
    expect(immediate).toMatchObject({ delayMs: 0 });
  });
});

describe('client.enqueue: option checks', () => {
  const input = { email: 'a@b.co', name: 'A' };

  it.each([
    // The types refuse it too (see types.test-d.ts); JavaScript does not.
    [
      'delay and eta together',
      { delay: 10, eta: Date.now() + 10 } as unknown as EnqueueOptions,
      'either delay or eta',
    ],
    ['a negative delay', { delay: -1 }, 'Invalid delay -1'],
    ['priority 10', { priority: 10 }, 'Invalid priority 10'],
    ['a bad queue name', { queue: 'no spaces' }, 'Invalid queue "no spaces"'],
    // It read "Invalid retry.attempts 0", an option the caller never wrote.
    ['attempts 0', { attempts: 0 }, 'Invalid attempts 0: expected an integer from 1 to 1000'],
    ['an empty idempotency key', { idempotencyKey: '' }, 'Invalid idempotencyKey ""'],
    [
      'a 257-character idempotency key',
      { idempotencyKey: 'k'.repeat(257) },
      'Invalid idempotencyKey',
    ],
    // JSON.stringify gives null for it: "Invalid eta null" said nothing.
    ['an invalid eta Date', { eta: new Date(Number.NaN) }, 'Invalid eta Invalid Date: expected'],
    ['a NaN expiresAt', { expiresAt: Number.NaN }, 'Invalid expiresAt NaN'],
  ])('rejects %s with INVALID_OPTION and enqueues nothing', async (_label, options, message) => {
    const { client, calls } = recordingClient();
    const error = await rejection(client.enqueue(sendEmail, input, options));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as ConveyorError).code).toBe('INVALID_OPTION');
    expect((error as Error).message).toContain(message);
    expect(calls).toHaveLength(0);
  });

  it('accepts a 256-character idempotency key', async () => {
    const { client, requests } = recordingClient();
    await client.enqueue(sendEmail, input, { idempotencyKey: 'k'.repeat(256) });
    expect(requests()[0]?.envelope.idempotencyKey).toHaveLength(256);
  });

  it('rejects bad client options', () => {
    const { transport } = recordingTransport();
    expect(() => createClient({ transport, batchSize: 0 })).toThrow(InvalidOptionError);
    expect(() => createClient({ transport, batchSize: 1.5 })).toThrow('Invalid batchSize 1.5');
    // A byte cap, checked as bytes (it was once checked as a duration: "a finite number of ms").
    for (const bad of [-1, 1.5]) {
      expect(() => createClient({ transport, maxPayloadBytes: bad })).toThrow(
        `Invalid maxPayloadBytes ${bad}: expected a number of bytes (a positive integer).`,
      );
    }
    expect(() => createClient({ transport, dedupeWindowMs: Number.NaN })).toThrow(
      'Invalid dedupeWindowMs NaN',
    );
  });
});

describe('client: indexed input fields', () => {
  const indexedTask = defineTask({
    name: 'shop.indexed',
    input: z.object({
      customer: z.object({ id: z.number(), tags: z.array(z.string()).optional() }),
      email: z.string().optional(),
      vip: z.boolean().optional(),
      note: z.string().nullable().optional(),
    }),
    index: ['customer.id', 'email', 'vip', 'note'],
    run: () => null,
  });

  it('sends each indexed field’s value as JSON writes it', async () => {
    const { client, requests } = recordingClient();
    await client.enqueue(indexedTask, {
      customer: { id: 42 },
      email: 'ada@example.com',
      vip: false,
      note: 'x'.repeat(128),
    });
    expect(requests()[0]?.index).toEqual([
      { field: 'customer.id', value: '42' },
      { field: 'email', value: 'ada@example.com' },
      { field: 'vip', value: 'false' },
      { field: 'note', value: 'x'.repeat(128) },
    ]);
  });

  it('leaves out missing values, nulls, objects and strings over 128 characters', async () => {
    const { client, requests } = recordingClient();
    await client.enqueueMany(indexedTask, [
      { customer: { id: 1.5 }, note: 'x'.repeat(129) },
      { customer: { id: 7 }, note: null },
    ]);
    expect(requests().map((request) => request.index)).toEqual([
      [{ field: 'customer.id', value: '1.5' }],
      [{ field: 'customer.id', value: '7' }],
    ]);
    const objectField = defineTask({
      name: 'shop.objectField',
      // Loose: a path the schema names no field for is refused at defineTask otherwise.
      input: z.looseObject({ customer: z.object({ id: z.number() }) }),
      index: ['customer', 'missing.path'],
      run: () => null,
    });
    await client.enqueue(objectField, { customer: { id: 1 } });
    expect(requests()[2]).not.toHaveProperty('index');
  });

  it('reads values from the JSON form of the input, as the worker gets it', async () => {
    const { client, requests } = recordingClient();
    const dated = defineTask({
      name: 'shop.dated',
      input: z.object({ at: z.date(), tag: z.string().optional() }),
      index: ['at', 'tag'],
      run: () => null,
    });
    const at = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
    await client.enqueue(dated, { at, tag: undefined });
    expect(requests()[0]?.index).toEqual([{ field: 'at', value: '2026-01-02T03:04:05.000Z' }]);
  });

  it('sends no index for a task without one', async () => {
    const { client, requests } = recordingClient();
    await client.enqueue(sendEmail, { email: 'ada@example.com', name: 'Ada' });
    expect(requests()[0]).not.toHaveProperty('index');
  });

  it('lets the memory transport find the job by its value', async () => {
    const transport = memoryTransport();
    const client = createClient({ transport });
    const job = await client.enqueue(indexedTask, { customer: { id: 9 }, email: 'b@c.de' });
    await client.enqueue(indexedTask, { customer: { id: 10 } });
    const found = await transport.admin.findByIndex('default', {
      task: 'shop.indexed',
      field: 'customer.id',
      value: '9',
    });
    expect(found.jobs.map((record) => record.id)).toEqual([job.id]);
    expect(await transport.admin.indexedFields('default')).toEqual([
      { task: 'shop.indexed', field: 'customer.id' },
      { task: 'shop.indexed', field: 'email' },
    ]);
    await client.close();
  });
});

describe('client: payload limit', () => {
  it('rejects a job over maxPayloadBytes, enqueuing nothing', async () => {
    const { client, calls } = recordingClient({ maxPayloadBytes: 300 });
    const error = await rejection(
      client.enqueue(sendEmail, { email: 'a@b.co', name: 'x'.repeat(300) }),
    );
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    const tooLarge = error as PayloadTooLargeError;
    expect(tooLarge.code).toBe('PAYLOAD_TOO_LARGE');
    expect(tooLarge.limit).toBe(300);
    expect(tooLarge.bytes).toBeGreaterThan(300);
    expect(calls).toHaveLength(0);
  });

  it('accepts a job under the limit', async () => {
    const { client, requests } = recordingClient({ maxPayloadBytes: 300 });
    await client.enqueue(sendEmail, { email: 'a@b.co', name: 'x' });
    expect(Buffer.byteLength(JSON.stringify(requests()[0]?.envelope))).toBeLessThanOrEqual(300);
  });

  it('defaults to 512 KiB', async () => {
    const { client, calls } = recordingClient();
    const big = { email: 'a@b.co', name: 'x'.repeat(512 * 1024) };
    await expect(client.enqueue(sendEmail, big)).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect(calls).toHaveLength(0);
  });
});

describe('client and transport payload caps', () => {
  // A client given a larger cap than its transport's was refused by the transport with
  // "raise maxPayloadBytes", which the caller had just done: the advice names the cap now.
  it("names the cap that refused the job: the client's or the transport's", async () => {
    const big = { email: 'a@b.co', name: 'x'.repeat(600 * 1024) };
    const transport = memoryTransport();
    const roomy = createClient({ transport, maxPayloadBytes: 2 * 1024 * 1024 });
    clients.push(roomy);
    await expect(roomy.enqueue(sendEmail, big)).rejects.toThrow(
      /over the 524288-byte limit\. .* or raise the memory transport's maxPayloadBytes \(the client and the worker have their own\)\.$/,
    );
    const strict = createClient({ transport: memoryTransport(), maxPayloadBytes: 1024 });
    clients.push(strict);
    await expect(strict.enqueue(sendEmail, big)).rejects.toThrow(
      /over the 1024-byte limit\. .* or raise the client's maxPayloadBytes \(createClient; the transport and the worker have their own\)\.$/,
    );
  });
});

describe('client.enqueueMany', () => {
  const inputs = [1, 2, 3, 4, 5].map((n) => ({ email: `u${n}@b.co`, name: `U${n}` }));

  it('refuses inputs that are not an array, and options that are not an object, sending nothing', async () => {
    const { client, calls } = recordingClient({ batchSize: 2 });
    // A lone input enqueued nothing and returned []; a string was taken a character at a time.
    for (const given of [inputs[0], 'abc', null]) {
      await expect(client.enqueueMany(sendEmail, given as never)).rejects.toMatchObject({
        code: 'INVALID_OPTION',
        message: expect.stringMatching(/^Invalid inputs .*: expected an array of task inputs/),
      });
    }
    await expect(
      client.enqueue(sendEmail, inputs[0] as never, null as never),
    ).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      message: 'Invalid options null: expected an object of enqueue options, or none.',
    });
    expect(calls).toEqual([]);
  });

  it('sends one transport call per batch and returns handles in input order', async () => {
    const { client, calls } = recordingClient({ batchSize: 2 });
    const handles = await client.enqueueMany(sendEmail, inputs);
    expect(calls.map((batch) => batch.length)).toEqual([2, 2, 1]);
    const sent = calls.flat();
    expect(sent.map((request) => request.envelope.input)).toEqual(inputs);
    expect(handles.map((handle) => handle.id)).toEqual(sent.map((r) => r.envelope.id));
  });

  it('applies the call options to every job', async () => {
    const { client, requests } = recordingClient({ batchSize: 2 });
    await client.enqueueMany(sendEmail, inputs.slice(0, 3), { queue: 'bulk', priority: 1 });
    expect(requests().map(({ envelope }) => [envelope.queue, envelope.priority])).toEqual([
      ['bulk', 1],
      ['bulk', 1],
      ['bulk', 1],
    ]);
  });

  it('sends nothing for no inputs', async () => {
    const { client, calls } = recordingClient();
    expect(await client.enqueueMany(sendEmail, [])).toEqual([]);
    expect(calls).toHaveLength(0);
  });

  it('enqueues nothing when an input in a later batch is invalid', async () => {
    const { client, calls } = recordingClient({ batchSize: 2 });
    const withBadLast = [...inputs.slice(0, 4), { email: 'bad', name: 'Bad' }];
    await expect(client.enqueueMany(sendEmail, withBadLast)).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(calls).toHaveLength(0);
  });

  it('surfaces duplicates per job', async () => {
    const recording = recordingTransport((request) =>
      request.envelope.input && (request.envelope.input as { name: string }).name === 'U2'
        ? { id: 'default:earlier', duplicate: true }
        : { id: request.envelope.id, duplicate: false },
    );
    const client = createClient({ transport: recording.transport });
    const handles = await client.enqueueMany(sendEmail, inputs.slice(0, 3));
    expect(handles.map((handle) => handle.duplicate)).toEqual([false, true, false]);
    expect(handles[1]?.id).toBe('default:earlier');
  });
});

describe('a workflow where a task goes', () => {
  // It has a name and an input schema too: its jobs, named after the workflow, used to wait in
  // the default queue for a worker that never came, and a schedule of it fired such a job.
  const workflow = defineWorkflow({
    name: 'shop.nightly',
    input: z.object({ n: z.number() }),
    steps: (flow) =>
      flow.step('one', defineTask({ name: 'shop.one', input: z.unknown(), run: () => null })),
  });
  const asTask = workflow as unknown as AnyTaskContract;

  it('is refused by enqueue, enqueueMany, bind and defineSchedule, saying how to start it', async () => {
    const transport = memoryTransport();
    const client = createClient({ transport });
    const message =
      /^Invalid task "workflow shop\.nightly": expected a task; a workflow starts with client\.workflows\.start\(workflow, input\)/;
    await expect(client.enqueue(asTask, { n: 1 })).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      message: expect.stringMatching(message),
    });
    await expect(client.enqueueMany(asTask, [{ n: 1 }])).rejects.toThrow(message);
    expect(() => client.bind(asTask)).toThrow(/^Invalid task to bind "workflow shop\.nightly"/);
    expect(() =>
      defineSchedule({ id: 'nightly', task: asTask, every: '1d', input: { n: 1 } }),
    ).toThrow(/^Invalid task of schedule "nightly" "workflow shop\.nightly": expected a task/);
    expect(await transport.admin.queueCounts(['default'])).toMatchObject([{ waiting: 0 }]);
    await transport.close();
  });
});

describe('bind and bindTask', () => {
  it('binds a task to a client: delay, enqueue with options, enqueueMany', async () => {
    const { client, requests } = recordingClient();
    const stub = client.bind(routedTask);
    expect(stub.name).toBe('shop.routed');
    expect(stub.contract).toBe(routedTask);
    await stub.delay({ n: 1 });
    await stub.enqueue({ n: 2 }, { priority: 2, delay: 100 });
    await stub.enqueueMany([{ n: 3 }, { n: 4 }], { queue: 'bulk' });
    expect(
      requests().map(({ envelope, delayMs }) => [
        envelope.input,
        envelope.queue,
        envelope.priority,
        delayMs,
      ]),
    ).toEqual([
      [{ n: 1 }, 'emails', 8, undefined],
      [{ n: 2 }, 'emails', 2, 100],
      [{ n: 3 }, 'bulk', 8, undefined],
      [{ n: 4 }, 'bulk', 8, undefined],
    ]);
  });

  it('validates through the stub as well', async () => {
    const { client, calls } = recordingClient();
    const stub = bindTask(client, sendEmail);
    await expect(stub.delay({ email: 'nope', name: 'A' })).rejects.toBeInstanceOf(ValidationError);
    expect(calls).toHaveLength(0);
  });

  // `.delay(input, { delay: 100 })` from JavaScript ran the job at once, the options dropped.
  it('refuses options passed to .delay(), naming .enqueue, and enqueues nothing', async () => {
    const { client, calls } = recordingClient();
    const stub = bindTask(client, sendEmail);
    const delay = stub.delay as (input: unknown, options: unknown) => Promise<unknown>;
    await expect(delay({ email: 'a@b.co', name: 'A' }, { dealy: 100 })).rejects.toThrow(
      `Invalid options of shop.sendEmail.delay() {"dealy":100}: expected none: .delay(input) takes the input only (Celery's delay); pass options with .enqueue(input, options) (Celery's apply_async).`,
    );
    expect(calls).toHaveLength(0);
    await delay({ email: 'a@b.co', name: 'A' }, undefined);
    expect(calls).toHaveLength(1);
  });

  it('resolves a lazy client only at the first call, and at every call after', async () => {
    const { client, requests } = recordingClient();
    const getClient = vi.fn(() => client);
    const stub = bindTask(getClient, sendEmail);
    expect(getClient).not.toHaveBeenCalled();
    expect(stub.name).toBe('shop.sendEmail');
    expect(getClient).not.toHaveBeenCalled();
    await stub.delay({ email: 'a@b.co', name: 'A' });
    expect(getClient).toHaveBeenCalledTimes(1);
    await stub.enqueue({ email: 'c@d.co', name: 'C' });
    expect(getClient).toHaveBeenCalledTimes(2);
    expect(requests()).toHaveLength(2);
  });

  it('refuses a stub given to client.enqueue, and says to call it or pass its contract', async () => {
    const { client, calls } = recordingClient();
    const stub = bindTask(client, sendEmail);
    // @ts-expect-error a stub is not a task contract
    const refused = client.enqueue(stub, { email: 'a@b.co', name: 'A' });
    await expect(refused).rejects.toThrow(
      `Invalid task "stub of shop.sendEmail": expected a task or a task contract, not a stub bound to a client: call the stub's own .delay(input) or .enqueue(input, options), or pass the stub's .contract`,
    );
    await expect(refused).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    // @ts-expect-error a stub is not a task contract
    expect(() => bindTask(client, stub)).toThrow(
      `Invalid task to bind "stub of shop.sendEmail": expected a task or a task contract, not a stub bound to a client: pass the stub's .contract`,
    );
    expect(calls).toHaveLength(0);
  });

  it('turns a throwing lazy getter into a rejected promise at call time', async () => {
    const stub = bindTask(() => {
      throw new Error('no REDIS_URL');
    }, sendEmail);
    expect(stub.name).toBe('shop.sendEmail');
    await expect(async () => stub.delay({ email: 'a@b.co', name: 'A' })).rejects.toThrow(
      'no REDIS_URL',
    );
  });
});

describe('job handles over the memory transport', () => {
  const input = { email: 'ada@example.com', name: 'Ada' };

  it('reports status and info of a waiting job, and unknown for a missing one', async () => {
    const client = memoryClient();
    const handle = await client.enqueue(sendEmail, input, { priority: 3 });
    expect(await handle.status()).toBe('waiting');
    const info = await handle.info();
    expect(info?.id).toBe(handle.id);
    expect(info?.state).toBe('waiting');
    expect(info?.envelope).toMatchObject({ task: 'shop.sendEmail', input, priority: 3 });
    expect(await client.getJob(handle.id)).toEqual(info);
    expect(await client.job('default:missing').status()).toBe('unknown');
    expect(await client.job('default:missing').info()).toBeNull();
    // An empty id or no string at all is a mistake, not a job that is unknown forever.
    for (const id of ['', '  ', 42, undefined]) {
      expect(() => client.job(id as string)).toThrow(
        expect.objectContaining({ code: 'INVALID_OPTION' }),
      );
    }
    // So is an id that is not <queue>:<unique>: no job can have it.
    for (const id of ['nocolon', ':unique', 'default:', 'has space:1', 'brace{tag}:1']) {
      const expected = expect.objectContaining({
        code: 'INVALID_OPTION',
        message: expect.stringContaining(`${JSON.stringify(id)}: expected <queue>:<unique>`),
      });
      expect(() => client.job(id)).toThrow(expected);
      await expect(client.getJob(id)).rejects.toThrow(expected);
    }
  });

  it('reports a delayed job as delayed', async () => {
    const client = memoryClient();
    const handle = await client.enqueue(sendEmail, input, { delay: 60_000 });
    expect(await handle.status()).toBe('delayed');
  });

  it('surfaces the duplicate flag and the first job id for a repeated idempotency key', async () => {
    const client = memoryClient();
    const first = await client.enqueue(sendEmail, input, { idempotencyKey: 'order-1' });
    const second = await client.enqueue(sendEmail, input, { idempotencyKey: 'order-1' });
    const other = await client.enqueue(sendEmail, input, { idempotencyKey: 'order-2' });
    expect(first.duplicate).toBe(false);
    expect(second.duplicate).toBe(true);
    expect(second.id).toBe(first.id);
    expect(other.duplicate).toBe(false);
    expect(other.id).not.toBe(first.id);
  });

  it('cancels a waiting job; result then rejects with JobCancelledError', async () => {
    const client = memoryClient();
    const handle = await client.enqueue(sendEmail, input);
    expect(await handle.cancel()).toBe('cancelled');
    expect(await handle.status()).toBe('cancelled');
    expect(await handle.cancel()).toBe('finished');
    const error = await rejection(handle.result());
    expect(error).toBeInstanceOf(JobCancelledError);
    expect((error as JobCancelledError).code).toBe('JOB_CANCELLED');
    expect((error as JobCancelledError).jobId).toBe(handle.id);
    expect((error as JobCancelledError).state).toBe('cancelled');
    expect(await client.job('default:missing').cancel()).toBe('not-found');
  });

  // Expired and cancelled jobs reject with the same code; only the message told them apart.
  it("an expired job's result rejects with JobCancelledError whose state is 'expired'", async () => {
    const clock = createManualClock();
    clock.set(Date.now());
    const transport = memoryTransport({ clock });
    const client = createClient({ transport });
    clients.push(client);
    const handle = await client.enqueue(sendEmail, input, { expiresAt: Date.now() + 1_000 });
    await clock.advance(2_000);
    expect(
      await transport.reserve({ queues: ['default'], max: 1, leaseMs: 1_000, consumer: 't' }),
    ).toEqual([]);
    const error = await rejection(handle.result());
    expect(error).toMatchObject({ code: 'JOB_CANCELLED', state: 'expired' });
    expect((error as Error).message).toBe(
      `Job ${JSON.stringify(handle.id)} was expired and has no result.`,
    );
  });

  it('resolves result with the job result, also when it completes after the call', async () => {
    const client = memoryClient();
    const handle = await client.enqueue(sendEmail, input);
    const result = handle.result({ timeout: 10_000 });
    const { envelope, token } = await reserveOne(client.transport);
    expect(envelope.id).toBe(handle.id);
    await client.transport.settle([
      { type: 'complete', id: envelope.id, token, result: { sent: 'ada@example.com' } },
    ]);
    await expect(result).resolves.toEqual({ sent: 'ada@example.com' });
    await expect(handle.result()).resolves.toEqual({ sent: 'ada@example.com' });
  });

  it('rejects with JobFailedError carrying the job error, for failed and dead jobs', async () => {
    const client = memoryClient();
    for (const deadLetter of [false, true]) {
      const handle = await client.enqueue(sendEmail, input);
      const { token } = await reserveOne(client.transport);
      const jobError = { name: 'Error', message: 'SMTP down', code: 'ECONNREFUSED' };
      await client.transport.settle([
        { type: 'fail', id: handle.id, token, error: jobError, deadLetter },
      ]);
      const error = await rejection(handle.result());
      expect(error).toBeInstanceOf(JobFailedError);
      const failed = error as JobFailedError;
      expect(failed.code).toBe('JOB_FAILED');
      expect(failed.jobId).toBe(handle.id);
      expect(failed.jobError).toEqual(jobError);
      expect(failed.message).toBe(
        `Job ${JSON.stringify(handle.id)} ended ${deadLetter ? 'dead' : 'failed'}: Error: SMTP down`,
      );
    }
  });

  it('rejects with JobNotFoundError for an unknown id', async () => {
    const client = memoryClient();
    const error = await rejection(client.job('default:nope').result({ timeout: 1_000 }));
    expect(error).toBeInstanceOf(JobNotFoundError);
    expect((error as JobNotFoundError).code).toBe('JOB_NOT_FOUND');
    expect((error as JobNotFoundError).jobId).toBe('default:nope');
  });

  it('rejects with ResultTimeoutError when the job does not finish in time, and the job goes on', async () => {
    const client = memoryClient();
    const handle = await client.enqueue(sendEmail, input);
    const error = await rejection(handle.result({ timeout: 20 }));
    expect(error).toBeInstanceOf(ResultTimeoutError);
    const timeout = error as ResultTimeoutError;
    expect(timeout.code).toBe('RESULT_TIMEOUT');
    expect(timeout.jobId).toBe(handle.id);
    expect(timeout.message).toContain('within 20 ms (state: waiting)');
    expect(await handle.status()).toBe('waiting');
  });

  it('times out at once with timeout 0', async () => {
    const client = memoryClient();
    const handle = await client.enqueue(sendEmail, input);
    await expect(handle.result({ timeout: 0 })).rejects.toBeInstanceOf(ResultTimeoutError);
  });

  it('refuses a timeout that is not a number of ms, before waiting (NaN spun without end)', async () => {
    const client = memoryClient();
    const handle = await client.enqueue(sendEmail, input);
    for (const timeout of [Number.NaN, -1, '500', 'abc']) {
      await expect(handle.result({ timeout: timeout as number })).rejects.toMatchObject({
        code: 'INVALID_OPTION',
        message: expect.stringMatching(/^Invalid timeout .*: expected a number of milliseconds/),
      });
    }
  });

  it('stops waiting when the signal aborts, with the abort reason', async () => {
    const client = memoryClient();
    const handle = await client.enqueue(sendEmail, input);
    const controller = new AbortController();
    const result = handle.result({ signal: controller.signal });
    const reason = new Error('user left');
    controller.abort(reason);
    await expect(result).rejects.toBe(reason);
  });

  it('enqueues a job that a worker can read back with the same envelope', async () => {
    const client = memoryClient();
    const handle = await client.enqueue(routedTask, { n: 41 }, { priority: 9 });
    const { envelope } = await reserveOne(client.transport, 'emails');
    expect(envelope).toMatchObject({
      id: handle.id,
      task: 'shop.routed',
      queue: 'emails',
      input: { n: 41 },
      attempt: 1,
      maxAttempts: 7,
      priority: 9,
    });
  });
});
