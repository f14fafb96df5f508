import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Client, createClient } from '../src/client.js';
import { ConveyorError, TransportError } from '../src/errors.js';
import { memoryTransport } from '../src/memory/index.js';
import { defineTask } from '../src/task.js';
import type { JobRecord, Transport } from '../src/transport.js';

// An enqueueMany sent in batches that fails part-way: the error says which inputs were
// stored (with their handles), which may have been, and which were never sent, so that
// the caller can finish the call without storing a job twice.

const echo = defineTask({
  name: 'test.echo',
  input: z.object({ n: z.number() }),
  run: ({ n }) => n,
});

const inputs = Array.from({ length: 9 }, (_, n) => ({ n }));

type Failure = 'reply-lost' | 'refused' | 'plain';

/**
 * A memory transport whose enqueue call number `failAt` (0-based) fails: `reply-lost` stores
 * the batch and then throws, as Redis does when the connection drops before the reply;
 * `refused` throws without storing; `plain` throws an Error that is not a Conveyor error.
 */
function failingTransport(failAt: number, failure: Failure = 'reply-lost') {
  const inner = memoryTransport();
  let calls = 0;
  const thrown: unknown[] = [];
  const transport: Transport = {
    ...inner,
    async enqueue(requests) {
      const call = calls++;
      if (call !== failAt) return inner.enqueue(requests);
      if (failure === 'reply-lost') await inner.enqueue(requests);
      const error =
        failure === 'plain'
          ? new Error('socket hang up')
          : new TransportError('[conveyor] [test] enqueue failed (CONNECTION): reply lost.');
      thrown.push(error);
      throw error;
    },
  };
  return { inner, transport, thrown };
}

const clients: Client[] = [];
function clientOf(transport: Transport): Client {
  const client = createClient({ transport, batchSize: 2 });
  clients.push(client);
  return client;
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

async function failure(promise: Promise<unknown>): Promise<ConveyorError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof ConveyorError)) throw new Error(`expected a ConveyorError: ${error}`);
  return error;
}

function inputOf(record: JobRecord | null): number | undefined {
  return (record?.envelope.input as { n: number } | undefined)?.n;
}

/** The `n` of every job stored in the default queue, smallest first. */
async function storedInputs(inner: ReturnType<typeof memoryTransport>): Promise<number[]> {
  const page = await inner.admin.listJobs('default', { state: 'waiting', limit: 100 });
  return page.jobs.map((job) => inputOf(job) ?? -1).sort((a, b) => a - b);
}

describe('enqueueMany: a batch that fails part-way', () => {
  it('says which inputs were stored, with their handles, which may have been, and which were not sent', async () => {
    // Batches [0,2) [2,4) [4,6) [6,8) [8,9); the third is stored but its reply is lost.
    const { inner, transport, thrown } = failingTransport(2);
    const error = await failure(clientOf(transport).enqueueMany(echo, inputs));

    // The transport's own error, code and all, told more.
    expect(error).toBe(thrown[0]);
    expect(error.code).toBe('TRANSPORT_ERROR');
    const progress = error.enqueueMany;
    expect(progress).toBeDefined();
    if (!progress) return;
    expect(progress.count).toBe(9);
    expect(progress.notSentFrom).toBe(6);
    expect(progress.uncertain).toMatchObject({ from: 4, to: 6 });

    // The stored handles are inputs 0–3's jobs, in order.
    expect(progress.stored).toHaveLength(4);
    const stored = await Promise.all(progress.stored.map((handle) => inner.getJob(handle.id)));
    expect(stored.map(inputOf)).toEqual([0, 1, 2, 3]);
    // The uncertain ids are inputs 4 and 5's, stored here before the reply was lost.
    const uncertain = await Promise.all(progress.uncertain.ids.map((id) => inner.getJob(id)));
    expect(uncertain.map(inputOf)).toEqual([4, 5]);
    expect(await storedInputs(inner)).toEqual([0, 1, 2, 3, 4, 5]);

    expect(error.message).toMatch(/^inputs\[4–5\] \(of 9\): \[conveyor\] \[test\] enqueue failed/);
    expect(error.message).toContain(
      'In this enqueueMany, inputs[0–3] were stored, their batches acknowledged (their jobs are in error.enqueueMany.stored); inputs[4–5] may have been stored (the batch that failed: its job ids are in error.enqueueMany.uncertain.ids), and inputs[6–8] were never sent.',
    );
    expect(error.message).toContain(
      "look up the failed batch's jobs by id (client.getJob(id)) and send again the inputs of those not found, then call enqueueMany again with inputs.slice(6).",
    );
  });

  it('lets the caller finish the call, storing each input once', async () => {
    const { inner, transport } = failingTransport(1, 'refused');
    const client = clientOf(transport);
    const error = await failure(client.enqueueMany(echo, inputs));
    const progress = error.enqueueMany;
    if (!progress) throw new Error('no progress on the error');
    // As the message says: look the uncertain batch up, then send the rest.
    const { from, ids } = progress.uncertain;
    const lost = [];
    for (const [offset, id] of ids.entries()) {
      if ((await client.getJob(id)) === null) lost.push(inputs[from + offset] as { n: number });
    }
    const rest = await client.enqueueMany(echo, [...lost, ...inputs.slice(progress.notSentFrom)]);
    expect(progress.stored.length + rest.length).toBe(9);
    expect(await storedInputs(inner)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('when the first batch fails, nothing was stored for certain', async () => {
    const { transport } = failingTransport(0, 'refused');
    const error = await failure(clientOf(transport).enqueueMany(echo, inputs));
    expect(error.enqueueMany).toMatchObject({ count: 9, stored: [], notSentFrom: 2 });
    expect(error.message).toContain(
      'In this enqueueMany, none was stored for certain; inputs[0–1] may have been stored',
    );
    expect(error.message).toContain('inputs.slice(2).');
  });

  it('when the last batch fails, every input was sent', async () => {
    const { transport } = failingTransport(4, 'refused');
    const error = await failure(clientOf(transport).enqueueMany(echo, inputs));
    expect(error.enqueueMany).toMatchObject({ notSentFrom: 9, uncertain: { from: 8, to: 9 } });
    expect(error.enqueueMany?.stored).toHaveLength(8);
    expect(error.message).toMatch(/^inputs\[8\] \(of 9\): /);
    expect(error.message).not.toContain('never sent');
    expect(error.message).not.toContain('inputs.slice');
  });

  it('puts a TransportError around an error that is not a Conveyor error, keeping it as the cause', async () => {
    const { transport, thrown } = failingTransport(1, 'plain');
    const error = await failure(clientOf(transport).enqueueMany(echo, inputs));
    expect(error).toBeInstanceOf(TransportError);
    expect(error.code).toBe('TRANSPORT_ERROR');
    expect(error.cause).toBe(thrown[0]);
    expect(error.message).toMatch(
      /^inputs\[2–3\] \(of 9\): The memory transport's enqueue failed: socket hang up\. In this enqueueMany, inputs\[0–1\] were stored/,
    );
    expect(error.enqueueMany?.stored).toHaveLength(2);
  });

  it('leaves a one-batch call as it was: the error is the transport’s own, unmarked', async () => {
    const { transport, thrown } = failingTransport(0, 'refused');
    const error = await failure(clientOf(transport).enqueueMany(echo, inputs.slice(0, 2)));
    expect(error).toBe(thrown[0]);
    expect(error.enqueueMany).toBeUndefined();
    expect(error.message).toBe('[conveyor] [test] enqueue failed (CONNECTION): reply lost.');
  });
});
