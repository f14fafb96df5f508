// The JSON boundary end to end, as a user meets it: generated stubs (codegen's output for
// test/fixtures/json-app, checked current below), a private Redis, and a real worker.
// A call that compiles and is accepted at enqueue must not fail at the worker because of
// JSON, and results must be what their types say. What JSON cannot carry (a Map, a Set, a
// bigint) is refused with NOT_JSON naming its path: at enqueue, storing nothing; as a
// result, failing the job.
import { fileURLToPath } from 'node:url';
import { checkGenerated } from '@conveyor/codegen';
import { defineTask, JobFailedError, NotJsonError, ValidationError } from '@conveyor/core';
import { beforeAll, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { z } from 'zod';
import {
  archiveEvent,
  bookStay,
  configureConveyor,
  postEntry,
  quote,
  storeBlob,
  storeBlobContract,
} from '../fixtures/json-app/generated/client.js';
import { tasks } from '../fixtures/json-app/generated/registry.js';
import { captureLogger } from '../helpers.js';
import { useRedisWorkers } from './harness.js';

const appDir = fileURLToPath(new URL('../fixtures/json-app/', import.meta.url));
const queue = 'json-e2e';

const redis = useRedisWorkers();

beforeAll(() => {
  configureConveyor(redis.client());
  // Started here, it runs for the whole file.
  redis.startWorker({ tasks, queues: [queue], concurrency: 4, logger: captureLogger() });
});

/**
 * Every job Redis holds for the queue: the counts by state, and each job's key. A job
 * waiting since enqueue is a field of the queue's packed hash `j:`; any other has its own
 * hash `j:<id>`.
 */
async function storedJobs(): Promise<{ counts: unknown; keys: string[] }> {
  const [counts] = (await redis.producer().admin?.queueCounts([queue])) ?? [];
  const base = `conveyor:{${queue}}:j:`;
  const packed = await redis.admin().hkeys(base);
  const own = await redis.admin().keys(`${base}?*`);
  return { counts, keys: [...packed.map((unique) => `${base}${unique}`), ...own].sort() };
}

it('runs against stubs that are current for the fixture tasks', async () => {
  const checked = await checkGenerated({ cwd: appDir });
  expect(checked.diagnostics).toEqual([]);
  expect(checked.ok).toBe(true);
});

describe('Dates in inputs', () => {
  it('reach run as Dates at every z.date() field, and a z.date() output decodes to a Date', async () => {
    const arrive = new Date('2027-01-10T15:00:00.000Z');
    const handle = await bookStay.delay({
      arrive,
      window: { from: arrive, to: new Date('2027-01-13T15:00:00.000Z') },
      notes: [{ at: arrive, text: 'late arrival' }],
      either: arrive,
    });
    const result = await handle.result({ timeout: 30_000 });
    expectTypeOf(result.checkIn).toEqualTypeOf<Date>();
    expect(result).toEqual({ checkIn: arrive, nights: 3, allDates: true });
    expect(result.checkIn.getUTCFullYear()).toBe(2027);
    // Stored as JSON: the record holds the ISO string.
    expect((await handle.info())?.result).toEqual({
      checkIn: '2027-01-10T15:00:00.000Z',
      nights: 3,
      allDates: true,
    });
  });

  it('types a Date returned without an output schema as the string that arrives', async () => {
    const handle = await quote.delay({ at: new Date('2027-01-10T00:00:00.000Z'), nights: 2 });
    const result = await handle.result({ timeout: 30_000 });
    expectTypeOf(result.validUntil).toEqualTypeOf<string>();
    expect(result).toEqual({ validUntil: '2027-01-12T00:00:00.000Z', nights: 2 });
  });

  it('reach run as their ISO strings inside z.any() and z.unknown() data, where no z.date() says to revive them', async () => {
    const at = new Date('2027-01-10T15:00:00.000Z');
    const handle = await archiveEvent.delay({ event: { at }, context: at });
    expect(await handle.result({ timeout: 30_000 })).toEqual({
      eventAt: 'string 2027-01-10T15:00:00.000Z',
      context: 'string 2027-01-10T15:00:00.000Z',
    });
    expect((await handle.info())?.envelope.input).toEqual({
      event: { at: '2027-01-10T15:00:00.000Z' },
      context: '2027-01-10T15:00:00.000Z',
    });
  });
});

describe('declared codecs', () => {
  it('decode the JSON form for run, and a codec output decodes for the reader', async () => {
    const handle = await postEntry.delay({ account: 'a-1', cents: '9007199254740993' });
    const result = await handle.result({ timeout: 30_000 });
    expectTypeOf(result.balance).toEqualTypeOf<bigint>();
    expect(result.balance).toBe(18014398509481986n);
  });
});

describe('the producer refuses what the worker would refuse', () => {
  const refusals: Array<[string, Parameters<typeof storeBlob.delay>[0]]> = [
    ['undefined on a z.unknown() field', { data: undefined }],
    ['a Date where z.instanceof(Date) checks it', { data: 1, at: new Date() }],
  ];
  for (const [what, input] of refusals) {
    it(`refuses ${what}, and queues nothing`, async () => {
      const before = await storedJobs();
      const attempt = storeBlob.delay(input);
      await expect(attempt).rejects.toBeInstanceOf(ValidationError);
      await expect(attempt).rejects.toMatchObject({ code: 'VALIDATION_FAILED', afterJson: true });
      expect(await storedJobs()).toEqual(before);
    });
  }

  it('accepts what crosses as the worker reads it: a Date into a check that takes strings', async () => {
    const handle = await storeBlob.delay({ data: { n: 1 }, stamp: new Date(), note: undefined });
    expect(await handle.result({ timeout: 30_000 })).toEqual({ kind: 'object' });
  });

  it('names the input of a batch that would fail, and queues none of it', async () => {
    const before = await storedJobs();
    const attempt = storeBlob.enqueueMany([{ data: 1 }, { data: 2 }, { data: undefined }]);
    await expect(attempt).rejects.toMatchObject({ inputIndex: 2, afterJson: true });
    await expect(attempt).rejects.toThrow(/^inputs\[2\] \(of 3\)/);
    expect(await storedJobs()).toEqual(before);
  });
});

describe('the producer refuses what JSON cannot carry with NOT_JSON, naming the path', () => {
  const notJson: Array<[string, Parameters<typeof storeBlob.delay>[0], string, string]> = [
    ['a Map', { data: new Map([['a', 1]]) }, 'input.data', '[Map]'],
    ['a Set', { data: { tags: new Set(['a']) } }, 'input.data.tags', '[Set]'],
    ['a bigint', { data: { lines: [{ cents: 10n }] } }, 'input.data.lines[0].cents', '10n'],
  ];
  for (const [what, input, path, shown] of notJson) {
    it(`refuses ${what} in z.unknown() data through a stub, and stores nothing`, async () => {
      const before = await storedJobs();
      const attempt = storeBlob.delay(input);
      await expect(attempt).rejects.toBeInstanceOf(NotJsonError);
      await expect(attempt).rejects.toMatchObject({ code: 'NOT_JSON', path });
      await expect(attempt).rejects.toThrow(`${path} is not JSON-serializable (${shown}): `);
      expect(await storedJobs()).toEqual(before);
    });
  }

  it('refuses every job of a task whose schema declares z.map(), z.set() or z.bigint()', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    // @ts-expect-error a Map, a Set and a bigint cannot cross JSON; the compiler says so.
    const tally = defineTask({
      name: 'json.tally',
      queue,
      input: z.object({
        totals: z.map(z.string(), z.number()).optional(),
        tags: z.set(z.string()).optional(),
        cents: z.bigint().optional(),
      }),
      run: () => null,
    });
    const warnings = warn.mock.calls.map(([message]) => String(message));
    warn.mockRestore();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('input.totals is z.map(), which JSON cannot carry');
    const before = await storedJobs();
    const inputs = [
      [{ totals: new Map([['a', 1]]) }, 'input.totals'],
      [{ tags: new Set(['a']) }, 'input.tags'],
      [{ cents: 10n }, 'input.cents'],
    ] as const;
    for (const [input, path] of inputs) {
      const attempt = redis.client().enqueue(tally, input as never);
      await expect(attempt).rejects.toMatchObject({ code: 'NOT_JSON', path });
    }
    expect(await storedJobs()).toEqual(before);
  });

  it('names the input of a batch that JSON cannot carry, and queues none of it', async () => {
    const before = await storedJobs();
    const attempt = redis
      .client()
      .enqueueMany(storeBlobContract, [{ data: 1 }, { data: 2n }, { data: 3 }]);
    await expect(attempt).rejects.toMatchObject({ code: 'NOT_JSON', inputIndex: 1 });
    await expect(attempt).rejects.toThrow(
      /^inputs\[1\] \(of 3\): input\.data is not JSON-serializable \(2n\)/,
    );
    expect(await storedJobs()).toEqual(before);
  });
});

describe('a result JSON cannot carry fails its job with NOT_JSON', () => {
  const resultQueue = 'json-e2e-results';
  // Each is a compile error in defineTask; JavaScript and `any` reach the worker anyway.
  const returns = [
    [
      'a Map',
      // @ts-expect-error a Map cannot cross JSON.
      defineTask({
        name: 'json.returnsMap',
        queue: resultQueue,
        input: z.null(),
        run: () => ({ totals: new Map([['a', 1]]) }),
      }),
      'result.totals',
      '[Map]',
    ],
    [
      'a Set',
      // @ts-expect-error a Set cannot cross JSON.
      defineTask({
        name: 'json.returnsSet',
        queue: resultQueue,
        input: z.null(),
        run: () => ({ tags: new Set(['a']) }),
      }),
      'result.tags',
      '[Set]',
    ],
    [
      'a bigint',
      // @ts-expect-error a bigint cannot cross JSON.
      defineTask({
        name: 'json.returnsBigint',
        queue: resultQueue,
        input: z.null(),
        run: () => ({ lines: [{ cents: 10n }] }),
      }),
      'result.lines[0].cents',
      '10n',
    ],
  ] as const;

  beforeAll(() => {
    redis.startWorker({
      tasks: returns.map(([, task]) => task),
      queues: [resultQueue],
      logger: captureLogger(),
    });
  });

  for (const [what, task, path, shown] of returns) {
    it(`fails a job whose run returns ${what}, at once and with no result stored`, async () => {
      const handle = await redis.client().enqueue(task, null);
      const attempt = handle.result({ timeout: 30_000 });
      await expect(attempt).rejects.toBeInstanceOf(JobFailedError);
      await expect(attempt).rejects.toMatchObject({ jobError: { code: 'NOT_JSON' } });
      const record = await handle.info();
      expect(record).toMatchObject({ state: 'failed', attempts: 1, error: { code: 'NOT_JSON' } });
      expect(record?.error?.message).toContain(`${path} is not JSON-serializable (${shown}): `);
      expect(record).not.toHaveProperty('result');
    });
  }
});
