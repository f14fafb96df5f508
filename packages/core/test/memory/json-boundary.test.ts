import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { JobEnvelope } from '../../src/envelope.js';
import type { JsonValue } from '../../src/json.js';
import { memoryTransport } from '../../src/memory/index.js';
import { defineTask } from '../../src/task.js';
import { closeClients, newClient, roundTrip } from '../json-boundary-harness.js';

/**
 * The memory transport hands out what crosses JSON, as Redis does (docs/json-boundary.md),
 * not a copy of what was given: tests on it must see what production sees.
 */

afterEach(closeClients);

function envelope(input: unknown): JobEnvelope {
  return {
    v: 1,
    id: 'q:job1',
    task: 't',
    queue: 'q',
    input: input as JsonValue,
    attempt: 0,
    maxAttempts: 3,
    priority: 5,
    enqueuedAt: 0,
  };
}

const at = new Date(0);
const iso = '1970-01-01T00:00:00.000Z';

describe('memoryTransport: inputs cross JSON', () => {
  it('hands run an ISO string for a Date where the schema says nothing (z.any())', async () => {
    const task = defineTask({
      name: 't.any',
      input: z.object({ v: z.any() }),
      run: ({ v }) => ({ type: typeof v, isDate: v instanceof Date }),
    });
    const { received, result } = await roundTrip(newClient(), task, { v: at });
    expect(received).toEqual({ v: iso });
    expect(result).toEqual({ type: 'string', isDate: false });
  });

  it('stores the JSON form, from the producer’s inputJson or its own', async () => {
    const transport = memoryTransport();
    const input = { at, gone: undefined, nested: [{ at }] };
    await transport.enqueue([{ envelope: envelope(input), inputJson: JSON.stringify(input) }]);
    await transport.enqueue([{ envelope: { ...envelope(input), id: 'q:job2' } }]);
    const [first, second] = await transport.reserve({
      queues: ['q'],
      max: 2,
      leaseMs: 1_000,
      consumer: 'w',
    });
    for (const delivered of [first?.envelope.input, second?.envelope.input]) {
      expect(delivered).toStrictEqual({ at: iso, nested: [{ at: iso }] });
    }
    expect((await transport.getJob('q:job1'))?.envelope.input).toStrictEqual({
      at: iso,
      nested: [{ at: iso }],
    });
    await transport.close();
  });
});

describe('memoryTransport: progress crosses JSON', () => {
  it('stores a progress value as its JSON form', async () => {
    const transport = memoryTransport();
    await transport.enqueue([{ envelope: envelope({}) }]);
    const [lease] = await transport.reserve({
      queues: ['q'],
      max: 1,
      leaseMs: 1_000,
      consumer: 'w',
    });
    if (!lease) throw new Error('nothing was queued');
    // What ctx.progress receives from a task holding untyped data (a z.any() field).
    const progress = { at, gone: undefined } as unknown as JsonValue;
    expect(await transport.renew([{ id: 'q:job1', token: lease.token, progress }], 1_000)).toEqual([
      'held',
    ]);
    expect((await transport.getJob('q:job1'))?.progress).toStrictEqual({ at: iso });
    await transport.close();
  });
});
