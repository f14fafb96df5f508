import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  bindTask,
  InvalidOptionError,
  isSchedule,
  taskContract,
  ValidationError,
} from '../../src/index.js';
import { memoryTransport } from '../../src/memory/index.js';
import { defineSchedule } from '../../src/schedule/define-schedule.js';
import { parseEvery } from '../../src/schedule/duration.js';
import { defineTask } from '../../src/task.js';
import type { ScheduleSpec } from '../../src/transport-schedules.js';

const report = defineTask({
  name: 'shop.lowStockReport',
  input: z.object({ threshold: z.number().int().positive() }),
  run: () => null,
});
const base = { id: 'shop.report', task: report, input: { threshold: 5 } } as const;

describe('defineSchedule', () => {
  it('returns a frozen, branded definition with the defaults', () => {
    const schedule = defineSchedule({ ...base, cron: '0 7 * * *' });
    expect(schedule).toMatchObject({
      kind: 'schedule',
      id: 'shop.report',
      task: report,
      input: { threshold: 5 },
      cron: '0 7 * * *',
      every: undefined,
      tz: 'UTC',
      misfire: 'latest',
      overlap: 'allow',
      enabled: true,
    });
    expect(Object.isFrozen(schedule)).toBe(true);
    expect(isSchedule(schedule)).toBe(true);
    expect(isSchedule(report)).toBe(false);
    expect(isSchedule({ kind: 'task', id: 'x' })).toBe(false);
  });

  it('keeps the given policies and zone', () => {
    const schedule = defineSchedule({
      ...base,
      cron: '30 0 7 * * 1-5',
      tz: 'Europe/Berlin',
      misfire: { catchUp: 3 },
      overlap: 'skip',
      enabled: false,
    });
    expect(schedule).toMatchObject({
      tz: 'Europe/Berlin',
      misfire: { catchUp: 3 },
      overlap: 'skip',
      enabled: false,
    });
    expect(Object.isFrozen(schedule.misfire)).toBe(true);
  });

  it('stores one spelling of a timing: the zone in its usual case, the cron without stray spaces', () => {
    // `europe/berlin` and ' 0 7 * * * ' were stored as written: each read as a changed timing,
    // and workers whose definitions differed only so replaced each other's stored schedule.
    const spelled = defineSchedule({ ...base, cron: '  0   7 * *  * ', tz: 'europe/berlin' });
    expect(spelled).toMatchObject({ cron: '0 7 * * *', tz: 'Europe/Berlin' });
    expect(defineSchedule({ ...base, cron: '0 7 * * *', tz: 'utc' }).tz).toBe('UTC');
    // A link stays the link the user wrote.
    expect(defineSchedule({ ...base, cron: '0 7 * * *', tz: 'US/Eastern' }).tz).toBe('US/Eastern');
  });

  // A raw transport.schedules.upsert stored the spelling as written (only defineSchedule
  // normalised it).
  it("stores a hand-written spec's timing in the same one spelling", async () => {
    const transport = memoryTransport();
    const spec: ScheduleSpec = {
      id: 'hand.written',
      queue: 'reports',
      task: 'shop.report',
      cron: ' 0  7 * * * ',
      tz: 'europe/berlin',
      input: null,
      misfire: 'latest',
      overlap: 'allow',
      enabled: true,
      source: 'runtime',
      maxAttempts: 3,
      priority: 5,
    };
    await transport.schedules.upsert([spec]);
    const { schedules } = await transport.schedules.list();
    expect(schedules.map(({ spec: stored }) => [stored.cron, stored.tz])).toEqual([
      ['0 7 * * *', 'Europe/Berlin'],
    ]);
    await transport.close();
  });

  it('says an every too large for a safe number of ms is too large, not malformed', () => {
    expect(() => defineSchedule({ ...base, every: '99999999999d' })).toThrow(
      'Invalid every of schedule "shop.report" "99999999999d": expected an interval of at most 104,249,991 days.',
    );
  });

  it('accepts a codegen contract as the task', () => {
    const contract = taskContract({ name: 'shop.lowStockReport', input: report.input });
    expect(defineSchedule({ ...base, task: contract, every: '1d' }).task).toBe(contract);
  });

  it('validates the input with the task schema and names the schedule', () => {
    const attempt = () =>
      // @ts-expect-error threshold must be a number
      defineSchedule({ ...base, input: { threshold: 'five' }, every: 60_000 });
    expect(attempt).toThrow(ValidationError);
    expect(attempt).toThrow(
      /Schedule "shop\.report": Invalid input for task "shop\.lowStockReport": threshold/,
    );
    expect(() => defineSchedule({ ...base, input: { threshold: -1 }, every: 60_000 })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', target: 'input', afterJson: false }),
    );
  });

  it('validates the input in the form the worker receives after JSON', () => {
    const task = defineTask({
      name: 't.instance',
      input: z.object({ at: z.instanceof(Date) }),
      run: () => null,
    });
    expect(() => defineSchedule({ id: 's', task, input: { at: new Date() }, every: '1m' })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', afterJson: true }),
    );
    const dated = defineTask({
      name: 't.date',
      input: z.object({ at: z.date() }),
      run: () => null,
    });
    expect(
      defineSchedule({ id: 's', task: dated, input: { at: new Date(0) }, every: '1m' }).id,
    ).toBe('s');
  });

  it('refuses an input JSON cannot carry, naming the schedule', () => {
    const loose = defineTask({ name: 't.loose', input: z.any(), run: () => null });
    expect(() =>
      defineSchedule({ id: 's.set', task: loose, input: new Set([1]), every: '1m' }),
    ).toThrow(
      expect.objectContaining({
        code: 'NOT_JSON',
        message: expect.stringMatching(/^Schedule "s\.set": input/),
      }),
    );
  });

  it.each([
    ['', 'schedule id'],
    ['has space', 'schedule id'],
    ['x'.repeat(129), 'schedule id'],
  ])('rejects the id %j', (id, option) => {
    expect(() => defineSchedule({ ...base, id, every: '1m' })).toThrow(
      new RegExp(`Invalid ${option} .*: expected 1–128 characters`),
    );
  });

  it('accepts an id of 128 characters from the allowed set', () => {
    const id = `a_b.c:d-${'x'.repeat(120)}`;
    expect(defineSchedule({ ...base, id, every: '1m' }).id).toBe(id);
  });

  it('needs exactly one of every and cron', () => {
    // @ts-expect-error both
    expect(() => defineSchedule({ ...base, every: '1m', cron: '* * * * *' })).toThrow(
      /exactly one of every .* and cron/,
    );
    // @ts-expect-error neither
    expect(() => defineSchedule({ ...base })).toThrow(
      'Invalid timing of schedule "shop.report" {}: expected exactly one of every',
    );
  });

  it('rejects tz with every, and a zone Intl does not know', () => {
    // @ts-expect-error no tz with every
    expect(() => defineSchedule({ ...base, every: '1h', tz: 'Europe/Berlin' })).toThrow(
      /Invalid tz of schedule "shop.report" "Europe\/Berlin": expected no tz with every/,
    );
    expect(() => defineSchedule({ ...base, cron: '0 7 * * *', tz: 'Mars/Olympus' })).toThrow(
      /Invalid tz of schedule "shop.report" "Mars\/Olympus": expected an IANA time zone/,
    );
  });

  it.each(['* * * *', '0 0 0 1 1 * 2030', '61 * * * *', 'every minute', '0 0 31 2 *'])(
    'rejects the cron pattern %j',
    (cron) => {
      expect(() => defineSchedule({ ...base, cron })).toThrow(InvalidOptionError);
      expect(() => defineSchedule({ ...base, cron })).toThrow(
        `Invalid cron of schedule "shop.report" ${JSON.stringify(cron)}: expected a`,
      );
    },
  );

  it.each([
    ['* * * *', 'it has 4 fields'],
    ['0 0 0 1 1 * 2030', 'it has 7 fields'],
    ['every minute', 'it has 2 fields'],
  ])('says how many fields %j has, in its own terms only', (cron, count) => {
    // croner's text ("five, six, or seven parts") was appended to "5 fields … or 6".
    let message = '';
    try {
      defineSchedule({ ...base, cron });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(`or 6 (seconds first), such as '0 7 * * *' (${count}).`);
    expect(message).not.toMatch(/seven|CronPattern/i);
  });

  it('keeps the reason croner gives for a pattern of 5 or 6 fields', () => {
    expect(() => defineSchedule({ ...base, cron: '61 * * * *' })).toThrow(
      /such as '0 7 \* \* \*' \(.*61.*\)\.$/,
    );
  });

  it.each([
    ['0 0 * 13 *', 'month 13 is out of range: month takes 1–12 or JAN–DEC'],
    ['0 0 * 0 *', 'month 0 is out of range'],
    ['0 0 * 1-13 *', 'month 13 is out of range'],
    ['0 0 0 * *', 'day-of-month 0 is out of range: day-of-month takes 1–31'],
    ['0 0 32 * *', 'day-of-month 32 is out of range'],
    ['0 0 32W * *', 'day-of-month 32 is out of range'],
    ['0 0 * * 8', 'day-of-week 8 is out of range: day-of-week takes 0–7'],
    ['0 24 * * *', 'hour 24 is out of range: hour takes 0–23'],
    ['60 0 * * * *', 'second 60 is out of range: second takes 0–59'],
    ['0 0 * FOO *', 'the month field "FOO" holds characters cron does not allow'],
    ['0 0 * * L', 'day-of-week is not a number'],
    // croner's syntax errors named no field ("From value is larger than to value"), or its
    // own name for one ("configuration entry day () is empty, check for trailing spaces").
    [
      '0 0 1,,2 * *',
      'the day-of-month field has an empty entry: two commas in a row, or one at an end',
    ],
    // A range that runs backwards was met with its reversal (`22-2`: write 2-22), which
    // passes and fires at nearly the opposite times; names were quoted as numbers.
    [
      '5-1 * * * *',
      'the minute field "5-1" has the range 5-1, which runs backwards: a range does not wrap around, so write it as 5-59,0-1',
    ],
    [
      '0 22-2 * * *',
      'the hour field "22-2" has the range 22-2, which runs backwards: a range does not wrap around, so write it as 22-23,0-2',
    ],
    [
      '0 8,22-2/2 * * *',
      'the hour field "8,22-2/2" has the range 22-2, which runs backwards: a range does not wrap around, so write it as 22,0,2',
    ],
    // Stepped, the values the wrap means: 22 and 1 (25), not 22-23/3,0-2/3 (22 and 0).
    [
      '0 22-2/3 * * *',
      'the hour field "22-2/3" has the range 22-2, which runs backwards: a range does not wrap around, so write it as 22,1',
    ],
    [
      '50-10/15 * * * *',
      'the minute field "50-10/15" has the range 50-10, which runs backwards: a range does not wrap around, so write it as 50,5',
    ],
    [
      '0 0 * * SAT-TUE/2',
      'the day-of-week field "SAT-TUE/2" has the range SAT-TUE, which runs backwards: a range does not wrap around, so write it as SAT,MON',
    ],
    [
      '0 0 28-3 * *',
      'the day-of-month field "28-3" has the range 28-3, which runs backwards: a range does not wrap around, so write it as 28-31,1-3',
    ],
    [
      '0 0 * DEC-FEB *',
      'the month field "DEC-FEB" has the range DEC-FEB, which runs backwards: a range does not wrap around, so write it as DEC,JAN-FEB',
    ],
    [
      '0 0 * nov-feb *',
      'the month field "nov-feb" has the range nov-feb, which runs backwards: a range does not wrap around, so write it as nov-DEC,JAN-feb',
    ],
    [
      '0 0 * 12-2 *',
      'the month field "12-2" has the range 12-2, which runs backwards: a range does not wrap around, so write it as 12,1-2',
    ],
    [
      '0 0 * * FRI-MON',
      'the day-of-week field "FRI-MON" has the range FRI-MON, which runs backwards: a range does not wrap around, so write it as FRI-SAT,SUN-MON',
    ],
    [
      '0 0 * * 6-0',
      'the day-of-week field "6-0" has the range 6-0, which runs backwards: a range does not wrap around, so write it as 6,0',
    ],
    [
      '0 0 * * 7-2',
      'the day-of-week field "7-2" has the range 7-2, which runs backwards: a range does not wrap around, so write it as 0-2',
    ],
    ['0 0 5-1 * * *', 'the hour field "5-1" has the range 5-1, which runs backwards'],
    ['*/0 * * * *', 'the minute field "*/0" steps by 0: a step is 1 or more'],
    ['*/90 * * * *', 'the minute field "*/90" steps by more than its range: at most 60 there'],
    [
      '0 0 * * 5#6',
      'the day-of-week field asks for weekday #6 of the month: # takes 1–5 or L (the last)',
    ],
  ])("quotes the value %j holds, in the docs' names of the fields", (cron, reason) => {
    // croner stores days and months from 0, and its text quoted `month: 12` for 13.
    let message = '';
    try {
      defineSchedule({ ...base, cron });
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidOptionError);
      message = (error as Error).message;
    }
    expect(message).toContain(`(${reason}`);
    expect(message).not.toMatch(/dayOfWeek|nearestWeekdays|configuration entry|CronPattern/);
  });

  it.each(['@every 5m', '@reboot', '@minutely'])(
    'names the nicknames croner reads for %j',
    (cron) => {
      expect(() => defineSchedule({ ...base, cron })).toThrow(
        `(${JSON.stringify(cron)} is not one of the nicknames @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly; for an interval, use every, such as every: '5m').`,
      );
      expect(() => defineSchedule({ ...base, cron })).not.toThrow(/seven|environment/);
    },
  );

  it.each([
    ['timezone', 'tz'],
    ['timeZone', 'tz'],
    ['pattern', 'cron'],
    ['interval', 'every'],
  ])("suggests for %j, another scheduler's name, ours: %s", (name, ours) => {
    const config = { ...base, cron: '0 7 * * *', [name]: 'Europe/Berlin' };
    expect(() => defineSchedule(config)).toThrow(
      new RegExp(
        `Invalid schedule "shop.report" option "${name}": expected one of .*\\(did you mean "${ours}"\\?\\)\\.$`,
      ),
    );
  });

  it.each([
    '0 22-2 * * *',
    '0 8,22-2/2 * * *',
    // Steps: a one-value half cannot take one (`23/2` is refused), and each half would step
    // from its own start (`22-23/3,0-2/3` fires at 0, where the wrap fires at 1).
    '0 22-2/3 * * *',
    '50-10/15 * * * *',
    '0 9 * * 6-1/2',
    '0 23-1/2 * * *',
    '59-10/5 * * * *',
    '0 0 1 DEC-FEB/2 *',
    '0 0 31-2/2 * *',
    '0 0 * * SAT-TUE/2',
    '0 0 28-3 * *',
    '0 0 * nov-feb *',
    '0 0 * 12-2 *',
    '0 0 * * FRI-MON',
    '0 0 * * 6-0',
    '0 0 * * 7-2',
  ])('the fix it gives for the backwards range in %j is a pattern it accepts', (cron) => {
    let message = '';
    try {
      defineSchedule({ ...base, cron });
    } catch (error) {
      message = (error as Error).message;
    }
    const [, range, fix] =
      /has the range (\S+), which .* write it as (\S+)\)\.$/.exec(message) ?? [];
    expect(fix).toBeDefined();
    // The range and its step, as written, give way to the fix (`8,22-2/2`: `8,22,0,2`).
    const fixed = cron.replace(new RegExp(`${range}(/\\d+)?`), fix as string);
    expect(fixed).not.toBe(cron);
    expect(defineSchedule({ ...base, cron: fixed }).cron).toBe(fixed);
  });

  it.each([
    ['startDate', 'there is no start date: a schedule fires from when it is stored'],
    ['endDate', 'there is no end date: pause the schedule, set enabled: false, or remove it'],
    ['limit', 'there is no run limit: pause the schedule, set enabled: false, or remove it'],
    [
      'immediately',
      'to run it once now as well, call client.schedules.runNow(id) after it is stored',
    ],
  ])("says what to do for BullMQ's %j, which has no counterpart", (name, advice) => {
    const config = { ...base, cron: '0 7 * * *', [name]: 5 };
    // It listed the options only, where docs/schedules.md says what to do instead.
    expect(() => defineSchedule(config)).toThrow(
      `Invalid schedule "shop.report" option "${name}": expected one of id, task, input, every, cron, tz, misfire, overlap, enabled (${advice}`,
    );
  });

  it.each<unknown>([{ catchUp: 0 }, { catchUp: 1001 }, { catchUp: 2.5 }, 'all', { latest: true }])(
    'rejects misfire %j',
    (misfire) => {
      expect(() =>
        // @ts-expect-error invalid on purpose
        defineSchedule({ ...base, every: '1m', misfire }),
      ).toThrow(/Invalid misfire .*: expected 'skip', 'latest' or \{ catchUp: n \}/);
    },
  );

  it('rejects overlap and enabled values', () => {
    // @ts-expect-error invalid on purpose
    expect(() => defineSchedule({ ...base, every: '1m', overlap: 'queue' })).toThrow(
      /Invalid overlap of schedule "shop.report" "queue": expected 'allow' or 'skip'/,
    );
    // @ts-expect-error invalid on purpose
    expect(() => defineSchedule({ ...base, every: '1m', enabled: 'yes' })).toThrow(
      /Invalid enabled/,
    );
  });

  it('rejects something that is not a task', () => {
    // @ts-expect-error not a task
    expect(() => defineSchedule({ ...base, task: { name: 'x' }, every: '1m' })).toThrow(
      /Invalid task of schedule "shop.report" "task x": expected a task from defineTask/,
    );
  });

  it('rejects a stub, naming its contract', () => {
    const stub = bindTask(() => {
      throw new Error('not called');
    }, base.task);
    // @ts-expect-error a stub is not a task contract
    expect(() => defineSchedule({ ...base, task: stub, every: '1m' })).toThrow(
      `Invalid task of schedule "shop.report" "stub of ${base.task.name}": expected a task or a task contract, not a stub bound to a client: pass the stub's .contract`,
    );
  });
});

describe('every', () => {
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
    ['1d2h3m4s', 93_784_000],
    [1_000, 1_000],
    [90_000, 90_000],
  ])('reads %j as %d ms', (every, ms) => {
    expect(parseEvery(every)).toBe(ms);
    expect(defineSchedule({ ...base, every }).every).toBe(ms);
  });

  it.each([999, 0, -1_000, 1_500.5, Number.NaN, '', '5x', '1m1h', '500ms', ' 5m', '0s', '1.5h'])(
    'rejects %j',
    (every) => {
      expect(() => defineSchedule({ ...base, every })).toThrow(
        /Invalid every of schedule "shop.report" .*: expected an integer number of ms, 1000 or more, or a duration/,
      );
    },
  );
});
