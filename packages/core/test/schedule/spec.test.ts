import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { keepsStoredSchema, restartsSlots } from '../../src/driver/index.js';
import {
  defineSchedule,
  InvalidOptionError,
  nextSlots,
  type ScheduleSpec,
  scheduleJob,
  scheduleKey,
  scheduleSpec,
  slotsBetween,
} from '../../src/index.js';
import { defineTask, taskContract } from '../../src/task.js';
import { dueSlots } from '../../src/worker/index.js';

const report = defineTask({
  name: 'shop.report',
  queue: 'reports',
  priority: 7,
  retry: { attempts: 5 },
  index: ['customer'],
  input: z.object({ customer: z.string(), since: z.coerce.date().optional() }),
  run: () => null,
});

describe('scheduleSpec', () => {
  it('takes queue, maxAttempts, priority, schema and indexed fields from the task, as an enqueue would', () => {
    const schedule = defineSchedule({
      id: 'reports.daily',
      task: report,
      cron: '0 7 * * *',
      tz: 'Europe/Berlin',
      input: { customer: 'c1' },
      misfire: { catchUp: 3 },
      overlap: 'skip',
    });
    expect(scheduleSpec(schedule, 'code')).toEqual({
      id: 'reports.daily',
      queue: 'reports',
      task: 'shop.report',
      cron: '0 7 * * *',
      tz: 'Europe/Berlin',
      input: { customer: 'c1' },
      misfire: { catchUp: 3 },
      overlap: 'skip',
      enabled: true,
      source: 'code',
      maxAttempts: 5,
      priority: 7,
      index: ['customer'],
    });
  });

  it('uses the defaults of a task that sets none, and a contract fingerprint', () => {
    const contract = {
      ...taskContract({ name: 'plain.tick', input: z.object({}) }),
      fingerprint: 'abc123',
    };
    const spec = scheduleSpec(
      defineSchedule({ id: 'tick', task: contract, every: '5m', input: {}, enabled: false }),
      'runtime',
    );
    expect(spec).toEqual({
      id: 'tick',
      queue: 'default',
      task: 'plain.tick',
      every: 300_000,
      tz: 'UTC',
      input: {},
      misfire: 'latest',
      overlap: 'allow',
      enabled: false,
      source: 'runtime',
      maxAttempts: 3,
      priority: 5,
      schema: 'abc123',
    });
    expect('cron' in spec).toBe(false);
    expect(scheduleKey(spec)).toBe('default/tick');
  });

  it('stores the input in its JSON form', () => {
    const since = new Date('2026-01-01T00:00:00Z');
    const spec = scheduleSpec(
      defineSchedule({ id: 'r', task: report, every: '1h', input: { customer: 'c', since } }),
      'code',
    );
    expect(spec.input).toEqual({ customer: 'c', since: '2026-01-01T00:00:00.000Z' });
  });

  it('refuses what is not a schedule, and an unknown source', () => {
    expect(() => scheduleSpec({ id: 'x' } as never, 'code')).toThrow(InvalidOptionError);
    const schedule = defineSchedule({
      id: 'r',
      task: report,
      every: '1h',
      input: { customer: 'c' },
    });
    expect(() => scheduleSpec(schedule, 'cli' as never)).toThrow(/'code' or 'runtime'/);
  });
});

describe('scheduleJob', () => {
  const spec: ScheduleSpec = {
    id: 'reports.daily',
    queue: 'reports',
    task: 'shop.report',
    every: 60_000,
    tz: 'UTC',
    input: { customer: 'c9' },
    misfire: 'latest',
    overlap: 'allow',
    enabled: true,
    source: 'runtime',
    maxAttempts: 4,
    priority: 2,
    schema: 'f00d',
  };

  it('builds the enqueue request from the stored spec alone', () => {
    const request = scheduleJob(spec, { id: 'reports:x', enqueuedAt: 1_000, index: ['customer'] });
    expect(request).toEqual({
      envelope: {
        v: 1,
        id: 'reports:x',
        task: 'shop.report',
        queue: 'reports',
        input: { customer: 'c9' },
        attempt: 0,
        maxAttempts: 4,
        priority: 2,
        enqueuedAt: 1_000,
        schema: 'f00d',
      },
      inputJson: '{"customer":"c9"}',
      index: [{ field: 'customer', value: 'c9' }],
    });
    expect(scheduleJob(spec, { id: 'reports:y', enqueuedAt: 2 }).index).toBeUndefined();
    // The spec's own fields come first; the option serves a spec stored without them.
    const indexed = { ...spec, index: ['customer'] };
    expect(scheduleJob(indexed, { id: 'reports:z', enqueuedAt: 3 }).index).toEqual([
      { field: 'customer', value: 'c9' },
    ]);
  });
});

describe('slot math on a stored spec', () => {
  const base = {
    id: 's',
    queue: 'q',
    task: 't',
    input: null,
    overlap: 'allow',
    source: 'runtime',
    maxAttempts: 1,
    priority: 5,
  } as const;
  const at = (iso: string) => Date.parse(iso);

  it('reads every, cron with tz, misfire and enabled as from a definition', () => {
    const everyMinute: ScheduleSpec = {
      ...base,
      every: 60_000,
      tz: 'UTC',
      misfire: { catchUp: 2 },
      enabled: true,
    };
    const t0 = at('2026-01-01T10:00:00Z');
    expect(nextSlots(everyMinute, t0, 2)).toEqual([t0 + 60_000, t0 + 120_000]);
    expect(dueSlots(everyMinute, t0, t0 + 600_000)).toEqual([t0 + 540_000, t0 + 600_000]);
    expect(dueSlots({ ...everyMinute, enabled: false }, t0, t0 + 600_000)).toEqual([]);
    const ny: ScheduleSpec = {
      ...base,
      cron: '30 2 * * *',
      tz: 'America/New_York',
      misfire: 'latest',
      enabled: true,
    };
    // 02:30 does not exist on 8 March 2026 in New York: 03:00 EDT.
    expect(slotsBetween(ny, at('2026-03-07T12:00:00Z'), at('2026-03-09T12:00:00Z'), 5)).toEqual([
      at('2026-03-08T07:00:00Z'),
      at('2026-03-09T06:30:00Z'),
    ]);
    // A fresh spec object of the same pattern (as each list() gives) reads the same.
    expect(nextSlots({ ...ny }, at('2026-03-07T12:00:00Z'), 1)).toEqual([
      at('2026-03-08T07:00:00Z'),
    ]);
  });
});

describe('restartsSlots', () => {
  const stored = scheduleSpec(
    defineSchedule({ id: 'r.daily', task: report, cron: '0 7 * * *', input: { customer: 'c' } }),
    'code',
  );
  // What a deploy changes without moving the slots keeps the mark (conformance S8a).
  it('is false for a change of anything but the timing, or an enabled one disabled', () => {
    const changes: Array<Partial<ScheduleSpec>> = [
      { input: { n: 2 } },
      { maxAttempts: 9, priority: 1 },
      { schema: 'another-fingerprint' },
      { misfire: { catchUp: 3 }, overlap: 'skip' },
      { enabled: false },
      { source: 'runtime', task: 'shop.other' },
    ];
    for (const change of changes) {
      expect(restartsSlots(stored, { ...stored, ...change }), JSON.stringify(change)).toBe(false);
    }
    expect(restartsSlots(stored, stored)).toBe(false);
  });

  it('is true for a new cron, tz or interval, and for a disabled spec enabled', () => {
    const { cron: _cron, ...timed } = stored;
    for (const next of [
      { ...stored, cron: '0 8 * * *' },
      { ...stored, tz: 'Europe/Berlin' },
      { ...timed, every: 60_000 },
    ]) {
      expect(restartsSlots(stored, next), JSON.stringify(next)).toBe(true);
    }
    expect(restartsSlots({ ...stored, enabled: false }, stored)).toBe(true);
  });
});

describe('keepsStoredSchema', () => {
  // A worker started with --tasks declares the spec a registry worker stored, without the
  // fingerprint (conformance S7a).
  const stored = scheduleSpec(
    defineSchedule({
      id: 'r.daily',
      task: { ...report, fingerprint: 'fp-1' },
      cron: '0 7 * * *',
      input: { customer: 'c' },
    }),
    'code',
  );
  const { schema: _schema, ...bare } = stored;

  it('is true for a spec lacking only the stored fingerprint', () => {
    expect(stored).toMatchObject({ schema: 'fp-1', index: ['customer'] });
    expect(keepsStoredSchema(stored, bare)).toBe(true);
  });

  it('is false for the same spec, one with a fingerprint, or any other difference', () => {
    expect(keepsStoredSchema(stored, stored)).toBe(false);
    expect(keepsStoredSchema(bare, stored)).toBe(false);
    expect(keepsStoredSchema(bare, bare)).toBe(false);
    expect(keepsStoredSchema(stored, { ...stored, schema: 'another' })).toBe(false);
    const { index: _index, ...unindexed } = bare;
    for (const next of [{ ...bare, input: { customer: 'd' } }, unindexed]) {
      expect(keepsStoredSchema(stored, next), JSON.stringify(next)).toBe(false);
    }
  });
});
