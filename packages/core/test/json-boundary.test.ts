import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { type Client, createClient } from '../src/client.js';
import { NotJsonError, ValidationError } from '../src/errors.js';
import { jsonProblemsOf, revived } from '../src/json-boundary.js';
import { memoryTransport } from '../src/memory/index.js';
import { createTaskRegistry } from '../src/registry.js';
import { runJob } from '../src/run-job.js';
import { type AnyTaskDefinition, defineTask } from '../src/task.js';

/**
 * The JSON boundary, end to end on the memory transport: what a producer passes is
 * checked in the form the worker receives, the worker revives Dates where the schema
 * says z.date(), and results are decoded with the output schema on read.
 */

const clients: Client[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  vi.restoreAllMocks();
});

function newClient(): Client {
  const client = createClient({ transport: memoryTransport() });
  clients.push(client);
  return client;
}

/** Enqueues one job, runs it as a worker would, and returns what `run` received. */
async function roundTrip<T extends AnyTaskDefinition>(
  client: Client,
  task: T,
  input: Parameters<Client['enqueue']>[1],
): Promise<{ received: unknown; result: unknown; stored: unknown }> {
  let received: unknown;
  const spy: AnyTaskDefinition = {
    ...task,
    run: (value: unknown, ctx: Parameters<T['run']>[1]) => {
      received = value;
      return task.run(value, ctx);
    },
  };
  const handle = await client.enqueue(task, input as never);
  const [reservation] = await client.transport.reserve({
    queues: [task.queue ?? 'default'],
    max: 1,
    leaseMs: 60_000,
    consumer: 'test',
  });
  if (!reservation) throw new Error('nothing was queued');
  const outcome = await runJob(reservation, {
    registry: createTaskRegistry([spy]),
    signal: new AbortController().signal,
  });
  await client.transport.settle([outcome.settlement]);
  const result = await handle.result({ timeout: 5_000 });
  return { received, result, stored: (await handle.info())?.result };
}

async function queued(client: Client): Promise<number> {
  const counts = await client.transport.admin?.queueCounts?.(['default']);
  return counts?.[0]?.waiting ?? Number.NaN;
}

describe('inputs: Dates cross JSON where the schema says z.date()', () => {
  it('hands run a Date for a z.date() field, at any depth', async () => {
    const at = new Date('2026-12-02T10:00:00.000Z');
    const task = defineTask({
      name: 't.dates',
      input: z.object({
        at: z.date(),
        maybe: z.date().optional(),
        nullable: z.date().nullable(),
        list: z.array(z.object({ when: z.date() })),
        byName: z.record(z.string(), z.date()),
        pair: z.tuple([z.string(), z.date()]),
        either: z.union([z.number(), z.date()]),
      }),
      run: (input) => ({
        ok:
          input.at instanceof Date &&
          input.list[0]?.when instanceof Date &&
          input.byName.x instanceof Date &&
          input.pair[1] instanceof Date &&
          input.either instanceof Date &&
          input.nullable === null,
      }),
    });
    const { received, result } = await roundTrip(newClient(), task, {
      at,
      nullable: null,
      list: [{ when: at }],
      byName: { x: at },
      pair: ['a', at],
      either: at,
    });
    expect(received).toEqual({
      at,
      nullable: null,
      list: [{ when: at }],
      byName: { x: at },
      pair: ['a', at],
      either: at,
    });
    expect(result).toEqual({ ok: true });
  });

  it('keeps a string that a union accepts as a string', async () => {
    const task = defineTask({
      name: 't.union',
      input: z.object({ v: z.union([z.string(), z.date()]) }),
      run: (input) => typeof input.v,
    });
    const text = '2026-12-02T10:00:00.000Z';
    expect((await roundTrip(newClient(), task, { v: text })).received).toEqual({ v: text });
  });

  it('revives Dates in a recursive (z.lazy) schema', async () => {
    interface Node {
      at: Date;
      children: Node[];
    }
    const node: z.ZodType<Node> = z.lazy(() => z.object({ at: z.date(), children: z.array(node) }));
    const at = new Date(0);
    const value = { at, children: [{ at, children: [] }] };
    expect(revived(node, JSON.parse(JSON.stringify(value)))).toEqual(value);
  });

  it('decodes with a declared codec: the producer passes the JSON form', async () => {
    const isoDate = z.codec(z.iso.datetime(), z.date(), {
      decode: (text) => new Date(text),
      encode: (date) => date.toISOString(),
    });
    const task = defineTask({
      name: 't.codec',
      input: z.object({ at: isoDate }),
      run: (input) => input.at.getUTCFullYear(),
    });
    const { received, result } = await roundTrip(newClient(), task, {
      at: '2026-12-02T10:00:00.000Z',
    });
    expect(received).toEqual({ at: new Date('2026-12-02T10:00:00.000Z') });
    expect(result).toBe(2026);
  });

  it('does not change the JSON value it revives (it copies on write)', () => {
    const schema = z.object({ at: z.date(), n: z.number() });
    const json = { at: '2026-12-02T10:00:00.000Z', n: 1 };
    const out = revived(schema, json);
    expect(json.at).toBe('2026-12-02T10:00:00.000Z');
    expect(out).toEqual({ at: new Date(json.at), n: 1 });
    const plain = { n: 1 };
    expect(revived(z.object({ n: z.number() }), plain)).toBe(plain);
  });
});

describe('inputs: the producer refuses what the worker would refuse', () => {
  it('refuses undefined on a z.unknown() field, before anything is queued', async () => {
    const client = newClient();
    const task = defineTask({
      name: 't.unknown',
      input: z.object({ data: z.unknown() }),
      run: () => null,
    });
    const attempt = client.enqueue(task, { data: undefined });
    await expect(attempt).rejects.toThrow(ValidationError);
    await expect(attempt).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      afterJson: true,
      target: 'input',
    });
    await expect(attempt).rejects.toThrow(/once sent as JSON.*data/);
    expect(await queued(client)).toBe(0);
  });

  it('refuses a Date where the schema does not say z.date() (z.custom)', async () => {
    const client = newClient();
    const task = defineTask({
      name: 't.custom',
      input: z.object({ at: z.custom<Date>((value) => value instanceof Date) }),
      run: () => null,
    });
    await expect(client.enqueue(task, { at: new Date() })).rejects.toMatchObject({
      afterJson: true,
    });
    expect(await queued(client)).toBe(0);
  });

  it('refuses a Date on a z.instanceof(Date) field: it would arrive as a string', async () => {
    const client = newClient();
    const instance = defineTask({
      name: 't.instance',
      input: z.object({ at: z.instanceof(Date) }),
      run: () => null,
    });
    await expect(client.enqueue(instance, { at: new Date() })).rejects.toThrow(/once sent as JSON/);
    expect(await queued(client)).toBe(0);
  });

  it('accepts what crosses unchanged without a second validation', async () => {
    const client = newClient();
    let calls = 0;
    const counted = z.object({ n: z.number() }).refine(() => {
      calls++;
      return true;
    });
    const task = defineTask({ name: 't.plain', input: counted, run: () => null });
    await client.enqueue(task, { n: 1 });
    expect(calls).toBe(1);
    const withDate = defineTask({
      name: 't.plain-date',
      input: z.object({ at: z.date() }).refine(() => {
        calls++;
        return true;
      }),
      run: () => null,
    });
    await client.enqueue(withDate, { at: new Date() });
    expect(calls).toBe(3);
  });

  it('refuses Sets, Maps and bigints with NOT_JSON, naming the path', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const client = newClient();
    // @ts-expect-error a Set cannot cross JSON; the compiler says so.
    const task = defineTask({
      name: 't.set',
      input: z.object({ tags: z.set(z.string()) }),
      run: () => null,
    });
    await expect(client.enqueue(task, { tags: new Set(['a']) } as never)).rejects.toThrow(
      NotJsonError,
    );
    await expect(client.enqueue(task, { tags: new Set(['a']) } as never)).rejects.toThrow(
      'input.tags',
    );
    // A Map and a bigint, behind schemas that let them through: refused the same way.
    const loose = defineTask({
      name: 't.loose',
      input: z.object({ data: z.unknown() }),
      run: () => null,
    });
    for (const [value, path] of [
      [{ data: new Map([['a', 1]]) }, 'input.data'],
      [{ data: { total: 10n } }, 'input.data.total'],
    ] as const) {
      const refused = client.enqueue(loose, value as never);
      await expect(refused).rejects.toThrow(NotJsonError);
      await expect(client.enqueue(loose, value as never)).rejects.toThrow(path);
    }
    expect(await queued(client)).toBe(0);
  });
});

describe('batches name the input that failed', () => {
  it('gives the index and the reason, and queues none of the batch', async () => {
    const client = newClient();
    const task = defineTask({
      name: 't.batch',
      input: z.object({ n: z.number().int() }),
      run: () => null,
    });
    const attempt = client.enqueueMany(task, [{ n: 1 }, { n: 2 }, { n: 2.5 }, { n: 4 }]);
    await expect(attempt).rejects.toThrow(
      /^inputs\[2\] \(of 4\): Invalid input for task "t.batch": n:/,
    );
    await expect(attempt).rejects.toMatchObject({ inputIndex: 2 });
    expect(await queued(client)).toBe(0);
  });

  it('names the index of an input that is not JSON, and of one that changes in JSON', async () => {
    const client = newClient();
    const task = defineTask({
      name: 't.batch2',
      input: z.object({ v: z.unknown() }),
      run: () => null,
    });
    await expect(client.enqueueMany(task, [{ v: 1 }, { v: Number.NaN }])).rejects.toMatchObject({
      code: 'NOT_JSON',
      inputIndex: 1,
    });
    await expect(
      client.enqueueMany(task, [{ v: 1 }, { v: 2 }, { v: undefined }]),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', afterJson: true, inputIndex: 2 });
  });

  it('names the index when the schema validates asynchronously', async () => {
    const client = newClient();
    const task = defineTask({
      name: 't.async',
      input: z.object({ n: z.number() }).refine(async (value) => value.n !== 3),
      run: () => null,
    });
    await expect(client.enqueueMany(task, [{ n: 1 }, { n: 2 }, { n: 3 }])).rejects.toMatchObject({
      inputIndex: 2,
    });
    expect(await queued(client)).toBe(0);
  });
});

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
