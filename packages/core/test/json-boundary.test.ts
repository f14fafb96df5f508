import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { NotJsonError, ValidationError } from '../src/errors.js';
import { revived } from '../src/json-boundary.js';
import { defineTask } from '../src/task.js';
import { closeClients, newClient, queued, roundTrip } from './json-boundary-harness.js';

/**
 * The JSON boundary's inputs, end to end on the memory transport: what a producer passes is
 * checked in the form the worker receives, and the worker revives Dates where the schema
 * says z.date(). Results and defineTask's warnings: json-boundary-results.test.ts.
 */

afterEach(closeClients);

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
