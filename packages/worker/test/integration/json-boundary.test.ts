// The JSON boundary end to end, as a user meets it: generated stubs (codegen's output for
// test/fixtures/json-app, checked current below), a private Redis, and a real worker.
// A call that compiles and is accepted at enqueue must not fail at the worker because of
// JSON, and results must be what their types say.
import { fileURLToPath } from 'node:url';
import { checkGenerated } from '@conveyor/codegen';
import { ValidationError } from '@conveyor/core';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  bookStay,
  configureConveyor,
  postEntry,
  quote,
  storeBlob,
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

async function waitingJobs(): Promise<number> {
  const [counts] = (await redis.producer().admin?.queueCounts([queue])) ?? [];
  return (counts?.waiting ?? 0) + (counts?.delayed ?? 0) + (counts?.active ?? 0);
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
      const before = await waitingJobs();
      const attempt = storeBlob.delay(input);
      await expect(attempt).rejects.toBeInstanceOf(ValidationError);
      await expect(attempt).rejects.toMatchObject({ code: 'VALIDATION_FAILED', afterJson: true });
      expect(await waitingJobs()).toBe(before);
    });
  }

  it('accepts what crosses as the worker reads it: a Date into a check that takes strings', async () => {
    const handle = await storeBlob.delay({ data: { n: 1 }, stamp: new Date(), note: undefined });
    expect(await handle.result({ timeout: 30_000 })).toEqual({ kind: 'object' });
  });

  it('names the input of a batch that would fail, and queues none of it', async () => {
    const before = await waitingJobs();
    const attempt = storeBlob.enqueueMany([{ data: 1 }, { data: 2 }, { data: undefined }]);
    await expect(attempt).rejects.toMatchObject({ inputIndex: 2, afterJson: true });
    await expect(attempt).rejects.toThrow(/^inputs\[2\] \(of 3\)/);
    expect(await waitingJobs()).toBe(before);
  });
});
