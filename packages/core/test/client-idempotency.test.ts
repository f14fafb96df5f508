import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { type Client, type ClientOptions, createClient } from '../src/client.js';
import { IdempotencyConflictError, InvalidOptionError } from '../src/errors.js';
import type { Logger } from '../src/logger.js';
import { memoryTransport } from '../src/memory/index.js';
import { defineTask } from '../src/task.js';
import type { EnqueueRequest, Transport } from '../src/transport.js';

// Idempotency keys are scoped to the task [R5]; a key sent again with another input is
// reported with both input fingerprints, or refused in strict mode [R5a].

const charge = defineTask({
  name: 'shop.charge',
  input: z.object({ order: z.string(), cents: z.number() }),
  run: ({ cents }) => ({ charged: cents }),
});

const sendReceipt = defineTask({
  name: 'shop.sendReceipt',
  input: z.object({ order: z.string() }),
  run: ({ order }) => ({ sent: order }),
});

const FINGERPRINT = /^[0-9a-f]{16}$/;

function recordingLogger() {
  const warn = vi.fn();
  const logger: Logger = { debug: () => {}, info: () => {}, warn, error: () => {} };
  return { logger, warn };
}

const clients: Client[] = [];
function memoryClient(options: Partial<ClientOptions> = {}): Client {
  const client = createClient({ transport: memoryTransport(), ...options });
  clients.push(client);
  return client;
}
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

async function waitingJobs(transport: Transport, queue = 'default'): Promise<number> {
  const [counts] = (await transport.admin?.queueCounts([queue])) ?? [];
  return counts?.waiting ?? -1;
}

describe('idempotency keys are scoped to the task', () => {
  it('makes the same key on another task a job of its own', async () => {
    const client = memoryClient({ logger: recordingLogger().logger });
    const charged = await client.enqueue(
      charge,
      { order: 'o-1', cents: 500 },
      { idempotencyKey: 'o-1' },
    );
    const receipt = await client.enqueue(sendReceipt, { order: 'o-1' }, { idempotencyKey: 'o-1' });
    expect(receipt.duplicate).toBe(false);
    expect(receipt.id).not.toBe(charged.id);
    expect((await client.getJob(receipt.id))?.envelope.task).toBe('shop.sendReceipt');
    const again = await client.enqueue(sendReceipt, { order: 'o-1' }, { idempotencyKey: 'o-1' });
    expect(again).toMatchObject({ id: receipt.id, duplicate: true });
    expect(await waitingJobs(client.transport)).toBe(2);
  });
});

describe('input fingerprints', () => {
  it('are sent only with a key: 16 hex digits of the SHA-256 of the input JSON', async () => {
    const requests: EnqueueRequest[] = [];
    const transport = memoryTransport();
    const enqueue = transport.enqueue.bind(transport);
    transport.enqueue = (batch) => {
      requests.push(...batch);
      return enqueue(batch);
    };
    const client = memoryClient({ transport });
    await client.enqueue(charge, { order: 'o-1', cents: 1 });
    await client.enqueue(charge, { order: 'o-1', cents: 1 }, { idempotencyKey: 'k' });
    const [keyless, keyed] = requests;
    expect(keyless).not.toHaveProperty('inputFingerprint');
    const json = JSON.stringify({ order: 'o-1', cents: 1 });
    const sha = createHash('sha256').update(json).digest('hex');
    expect(keyed?.inputFingerprint).toBe(sha.slice(0, 16));
  });

  it('say nothing when the same input comes again with its key', async () => {
    const { logger, warn } = recordingLogger();
    const client = memoryClient({ logger, idempotency: 'strict' });
    const input = { order: 'o-1', cents: 500 };
    const first = await client.enqueue(charge, input, { idempotencyKey: 'o-1' });
    const second = await client.enqueue(charge, { ...input }, { idempotencyKey: 'o-1' });
    expect(second).toMatchObject({ id: first.id, duplicate: true });
    expect(warn).not.toHaveBeenCalled();
  });
});

describe('the same key with a different input', () => {
  it('returns the job holding the key and warns with the task, key, job and both fingerprints', async () => {
    const { logger, warn } = recordingLogger();
    const client = memoryClient({ logger });
    const first = await client.enqueue(
      charge,
      { order: 'o-1', cents: 500 },
      { idempotencyKey: 'o-1' },
    );
    const second = await client.enqueue(
      charge,
      { order: 'o-1', cents: 900 },
      { idempotencyKey: 'o-1' },
    );
    expect(second).toMatchObject({ id: first.id, duplicate: true });
    expect(warn).toHaveBeenCalledTimes(1);
    const [fields, message] = warn.mock.calls[0] as [Record<string, string>, string];
    expect(fields).toEqual({
      task: 'shop.charge',
      idempotencyKey: 'o-1',
      jobId: first.id,
      existingFingerprint: expect.stringMatching(FINGERPRINT),
      inputFingerprint: expect.stringMatching(FINGERPRINT),
    });
    expect(fields.existingFingerprint).not.toBe(fields.inputFingerprint);
    for (const part of [
      '"shop.charge"',
      '"o-1"',
      JSON.stringify(first.id),
      fields.existingFingerprint,
      fields.inputFingerprint,
      'NOT enqueued',
      "idempotency: 'strict'",
    ]) {
      expect(message).toContain(part);
    }
    expect(await waitingJobs(client.transport)).toBe(1);
    const record = await client.getJob(first.id);
    expect(record?.envelope.input).toEqual({ order: 'o-1', cents: 500 });
  });

  it('warns on the console by default', async () => {
    const consoleWarn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const client = memoryClient();
    await client.enqueue(charge, { order: 'o-1', cents: 1 }, { idempotencyKey: 'o-1' });
    await client.enqueue(charge, { order: 'o-1', cents: 2 }, { idempotencyKey: 'o-1' });
    expect(consoleWarn).toHaveBeenCalledTimes(1);
    expect(String(consoleWarn.mock.calls[0]?.[0])).toContain('Idempotency key "o-1"');
  });

  it('strict: refuses it with IDEMPOTENCY_CONFLICT naming task, key, job and both fingerprints', async () => {
    const { logger, warn } = recordingLogger();
    const client = memoryClient({ logger, idempotency: 'strict' });
    const first = await client.enqueue(
      charge,
      { order: 'o-1', cents: 500 },
      { idempotencyKey: 'o-1' },
    );
    const error = await client
      .enqueue(charge, { order: 'o-1', cents: 900 }, { idempotencyKey: 'o-1' })
      .then(
        () => undefined,
        (rejected: unknown) => rejected,
      );
    expect(error).toBeInstanceOf(IdempotencyConflictError);
    const conflict = error as IdempotencyConflictError;
    expect(conflict).toMatchObject({
      code: 'IDEMPOTENCY_CONFLICT',
      task: 'shop.charge',
      idempotencyKey: 'o-1',
      jobId: first.id,
      existingFingerprint: expect.stringMatching(FINGERPRINT),
      inputFingerprint: expect.stringMatching(FINGERPRINT),
    });
    expect(conflict.existingFingerprint).not.toBe(conflict.inputFingerprint);
    for (const part of [
      '"shop.charge"',
      '"o-1"',
      JSON.stringify(first.id),
      conflict.existingFingerprint,
      conflict.inputFingerprint,
      'new key',
    ]) {
      expect(conflict.message).toContain(part);
    }
    expect(warn).not.toHaveBeenCalled();
    expect(await waitingJobs(client.transport)).toBe(1);
  });

  it('in enqueueMany, names the input by its index (warn and strict)', async () => {
    const { logger, warn } = recordingLogger();
    const inputs = [
      { order: 'o-1', cents: 1 },
      { order: 'o-1', cents: 2 },
    ];
    const warning = memoryClient({ logger });
    const handles = await warning.enqueueMany(charge, inputs, { idempotencyKey: 'o-1' });
    expect(handles.map((handle) => handle.id)).toEqual([handles[0]?.id, handles[0]?.id]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatchObject({ inputIndex: 1, jobId: handles[0]?.id });

    const strict = memoryClient({ logger, idempotency: 'strict' });
    const error = await strict.enqueueMany(charge, inputs, { idempotencyKey: 'o-1' }).then(
      () => undefined,
      (rejected: unknown) => rejected,
    );
    expect(error).toBeInstanceOf(IdempotencyConflictError);
    expect(error).toMatchObject({ inputIndex: 1 });
    expect((error as Error).message).toMatch(/^inputs\[1\] \(of 2\): Idempotency key "o-1"/);
  });

  it('in enqueueMany, a key function keys each input; a resend adds nothing and keeps the order', async () => {
    const { logger, warn } = recordingLogger();
    const client = memoryClient({ logger, idempotency: 'strict' });
    const inputs = [
      { order: 'o-1', cents: 1 },
      { order: 'o-2', cents: 2 },
      { order: 'o-3', cents: 3 },
    ];
    const seen: [string, number][] = [];
    const keyOf = (input: { order: string }, index: number) => {
      seen.push([input.order, index]);
      return `charge:${input.order}`;
    };
    const first = await client.enqueueMany(charge, inputs, { idempotencyKey: keyOf });
    expect(seen).toEqual([
      ['o-1', 0],
      ['o-2', 1],
      ['o-3', 2],
    ]);
    expect(new Set(first.map((handle) => handle.id)).size).toBe(3);
    expect(first.map((handle) => handle.duplicate)).toEqual([false, false, false]);
    for (const [index, handle] of first.entries()) {
      expect((await client.getJob(handle.id))?.envelope.idempotencyKey).toBe(
        `charge:o-${index + 1}`,
      );
    }

    // The same call again (its reply lost, say), with one more input: only that one is new.
    const again = await client.enqueueMany(charge, [...inputs, { order: 'o-4', cents: 4 }], {
      idempotencyKey: keyOf,
    });
    expect(again.slice(0, 3).map((handle) => handle.id)).toEqual(first.map((handle) => handle.id));
    expect(again.map((handle) => handle.duplicate)).toEqual([true, true, true, false]);
    expect(await waitingJobs(client.transport)).toBe(4);
    expect(warn).not.toHaveBeenCalled();

    // Through a stub as well.
    const stubbed = await client
      .bind(charge)
      .enqueueMany([inputs[1] as (typeof inputs)[number]], { idempotencyKey: keyOf });
    expect(stubbed[0]?.id).toBe(first[1]?.id);
  });

  it('in enqueueMany, a key function that gives no key fails before anything is sent, naming the input', async () => {
    const client = memoryClient();
    const inputs = [
      { order: 'o-1', cents: 1 },
      { order: '', cents: 2 },
    ];
    const error = await client
      .enqueueMany(charge, inputs, { idempotencyKey: (input) => input.order })
      .then(
        () => undefined,
        (rejected: unknown) => rejected,
      );
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error).toMatchObject({ code: 'INVALID_OPTION', inputIndex: 1 });
    expect((error as Error).message).toMatch(/^inputs\[1\] \(of 2\): /);
    expect((error as Error).message).toContain('idempotencyKey function');
    expect(await waitingJobs(client.transport)).toBe(0);

    // A function that throws is named with the input it threw for, and what it threw.
    const thrown = await client
      .enqueueMany(charge, inputs, {
        idempotencyKey: (input) => {
          if (input.order === '') throw new Error('no order id');
          return input.order;
        },
      })
      .then(
        () => undefined,
        (rejected: unknown) => rejected,
      );
    expect(thrown).toBeInstanceOf(InvalidOptionError);
    expect(thrown).toMatchObject({ inputIndex: 1, cause: { message: 'no order id' } });
    expect((thrown as Error).message).toBe(
      'inputs[1] (of 2): Invalid idempotencyKey [function idempotencyKey]: expected a key for every input, but the function threw Error: no order id for this one.',
    );
    // A key too long is quoted short, with its own length.
    const long = await client
      .enqueueMany(charge, inputs, { idempotencyKey: () => 'k'.repeat(300) })
      .then(
        () => undefined,
        (rejected: unknown) => rejected,
      );
    expect((long as Error).message).toContain('… (300 characters)');
    // An async function gives a promise, not a key: said so.
    const promised = await client
      .enqueueMany(charge, inputs, {
        idempotencyKey: (async (input: { order: string }) =>
          input.order) as unknown as () => string,
      })
      .then(
        () => undefined,
        (rejected: unknown) => rejected,
      );
    expect((promised as Error).message).toContain(
      'Invalid idempotencyKey "[a promise]": expected a string of 1–256 characters from the idempotencyKey function, returned at once: it may not be async.',
    );
    expect(await waitingJobs(client.transport)).toBe(0);

    // A function is enqueueMany's: one enqueue refuses it (from JavaScript; the types do too).
    const single = await client
      .enqueue(charge, inputs[0] as (typeof inputs)[number], {
        idempotencyKey: (() => 'k') as unknown as string,
      })
      .then(
        () => undefined,
        (rejected: unknown) => rejected,
      );
    expect(single).toBeInstanceOf(InvalidOptionError);
    expect((single as Error).message).toContain('for enqueueMany');
  });

  it('takes only warn or strict', () => {
    expect(() =>
      createClient({
        transport: memoryTransport(),
        idempotency: 'loose' as unknown as 'warn',
      }),
    ).toThrow(InvalidOptionError);
  });
});
