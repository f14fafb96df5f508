import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { jsonProblemsOf } from '../src/json-boundary.js';
import { defineTask } from '../src/task.js';
import { closeClients, newClient, roundTrip } from './json-boundary-harness.js';

/**
 * The JSON boundary's results, end to end on the memory transport: decoded with the output
 * schema on read; and defineTask's warnings about schemas that cannot cross JSON.
 */

afterEach(closeClients);

describe('results', () => {
  it('decodes with the output schema: a z.date() result arrives as a Date', async () => {
    const at = new Date('2026-12-02T10:00:00.000Z');
    const task = defineTask({
      name: 't.out-date',
      input: z.null(),
      output: z.object({ at: z.date() }),
      run: () => ({ at }),
    });
    const { result } = await roundTrip(newClient(), task, null);
    expect(result).toEqual({ at });
  });

  it('stores the output form that the schema strips to, and decodes a codec', async () => {
    const bigintText = z.codec(z.string().regex(/^-?\d+$/), z.bigint(), {
      decode: (text) => BigInt(text),
      encode: (value) => value.toString(),
    });
    const task = defineTask({
      name: 't.out-codec',
      input: z.null(),
      output: z.object({ total: bigintText }),
      run: () => ({ total: '12345678901234567890', secret: 'not stored' }),
    });
    const client = newClient();
    const { result, stored } = await roundTrip(client, task, null);
    expect(result).toEqual({ total: 12345678901234567890n });
    expect(stored).toEqual({ total: '12345678901234567890' });
  });

  it('names the task whose stored result its schema refuses, when tasks share an output schema', async () => {
    const output = z.object({ n: z.number() });
    const first = defineTask({
      name: 't.shared-a',
      input: z.null(),
      output,
      run: () => ({ n: 1 }),
    });
    const second = defineTask({
      name: 't.shared-b',
      input: z.null(),
      output,
      run: () => ({ n: 1 }),
    });
    const client = newClient();
    await roundTrip(client, first, null);
    const handle = await client.enqueue(second, null);
    const [reservation] = await client.transport.reserve({
      queues: ['default'],
      max: 1,
      leaseMs: 60_000,
      consumer: 'test',
    });
    if (!reservation) throw new Error('nothing was queued');
    // A worker running another version of the task stored a result this schema refuses.
    await client.transport.settle([
      {
        type: 'complete',
        id: reservation.envelope.id,
        token: reservation.token,
        result: { n: 'x' },
      },
    ]);
    await expect(handle.result({ timeout: 5_000 })).rejects.toThrow(/task "t\.shared-b"/);
  });

  it('returns the JSON form without an output schema: a Date arrives as a string', async () => {
    const task = defineTask({
      name: 't.out-plain',
      input: z.null(),
      run: () => ({ at: new Date('2026-12-02T10:00:00.000Z') }),
    });
    const { result } = await roundTrip(newClient(), task, null);
    expect(result).toEqual({ at: '2026-12-02T10:00:00.000Z' });
  });
});

describe('defineTask warns about schemas that cannot cross JSON', () => {
  it('names each path and the fix, once per task', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const config = {
      name: 't.warn',
      input: z.object({ ids: z.set(z.string()), n: z.bigint().optional(), ok: z.date() }),
      run: () => null,
    };
    // biome-ignore lint/suspicious/noExplicitAny: a JavaScript caller, with no compile step.
    defineTask(config as any);
    // biome-ignore lint/suspicious/noExplicitAny: the same task again.
    defineTask(config as any);
    expect(warn).toHaveBeenCalledTimes(1);
    const message = String(warn.mock.calls[0]?.[0]);
    expect(message).toContain('input.ids is z.set(), which JSON cannot carry: use z.array()');
    expect(message).toContain('input.n is z.bigint()');
    expect(message).not.toContain('input.ok');
  });

  it('finds nothing in a schema that crosses, and walks wrappers, pipes and unions', () => {
    expect(jsonProblemsOf(z.object({ a: z.date(), b: z.string().transform(Number) }))).toEqual([]);
    expect(jsonProblemsOf(z.array(z.map(z.string(), z.number())).optional(), 'input')).toEqual([
      'input[] is z.map(), which JSON cannot carry: use z.record() or an array of [key, value]',
    ]);
    expect(jsonProblemsOf(z.union([z.string(), z.set(z.string())]), 'x')).toHaveLength(1);
  });
});
