import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type AnySchedule,
  defineSchedule,
  FIRE_GRACE_MS,
  InvalidOptionError,
  type MisfirePolicy,
  nextSlots,
  type ScheduleTiming,
  slotsBetween,
} from '../../src/index.js';
import { defineTask } from '../../src/task.js';
import { dueSlots } from '../../src/worker/index.js';

const task = defineTask({ name: 't.tick', input: z.object({}), run: () => null });
const schedule = (timing: ScheduleTiming, misfire?: MisfirePolicy): AnySchedule =>
  defineSchedule({ id: 's.test', task, input: {}, ...timing, ...(misfire ? { misfire } : {}) });
const at = (iso: string) => Date.parse(iso);
const iso = (slots: number[]) => slots.map((slot) => new Date(slot).toISOString());
const MINUTE = 60_000;

describe('every: slots aligned to the epoch', () => {
  it('gives the multiples of the interval strictly after the instant', () => {
    const fiveMinutes = schedule({ every: '5m' });
    expect(iso(nextSlots(fiveMinutes, at('2026-01-01T00:02:10Z'), 3))).toEqual([
      '2026-01-01T00:05:00.000Z',
      '2026-01-01T00:10:00.000Z',
      '2026-01-01T00:15:00.000Z',
    ]);
    // On a slot: that slot is not "after" it.
    expect(iso(nextSlots(fiveMinutes, at('2026-01-01T00:05:00Z'), 1))).toEqual([
      '2026-01-01T00:10:00.000Z',
    ]);
    expect(nextSlots(schedule({ every: '1d' }), at('2026-03-08T12:00:00Z'), 1)).toEqual([
      at('2026-03-09T00:00:00Z'),
    ]);
    expect(nextSlots(schedule({ every: '1h30m' }), 0, 2)).toEqual([5_400_000, 10_800_000]);
    expect(nextSlots(schedule({ every: 1_000 }), 1_500, 2)).toEqual([2_000, 3_000]);
  });

  it('gives the slots in (from, to], at most limit of them', () => {
    const minute = schedule({ every: '1m' });
    const from = at('2026-01-01T10:00:00Z');
    expect(slotsBetween(minute, from, from + 3 * MINUTE, 100)).toEqual([
      from + MINUTE,
      from + 2 * MINUTE,
      from + 3 * MINUTE,
    ]);
    expect(slotsBetween(minute, from, from + 60 * MINUTE, 2)).toEqual([
      from + MINUTE,
      from + 2 * MINUTE,
    ]);
    expect(slotsBetween(minute, from, from + MINUTE - 1, 100)).toEqual([]);
    expect(slotsBetween(minute, from, from, 100)).toEqual([]);
  });
});

describe('cron in UTC', () => {
  it('reads 5 fields (minute first)', () => {
    const daily = schedule({ cron: '0 7 * * *' });
    expect(iso(nextSlots(daily, at('2026-05-01T07:00:00Z'), 2))).toEqual([
      '2026-05-02T07:00:00.000Z',
      '2026-05-03T07:00:00.000Z',
    ]);
    const weekdays = schedule({ cron: '30 9 * * 1-5' });
    // 2026-05-01 is a Friday: next are Monday and Tuesday.
    expect(iso(nextSlots(weekdays, at('2026-05-01T10:00:00Z'), 2))).toEqual([
      '2026-05-04T09:30:00.000Z',
      '2026-05-05T09:30:00.000Z',
    ]);
  });

  it('reads 6 fields (seconds first)', () => {
    const tenSeconds = schedule({ cron: '*/10 * * * * *' });
    expect(iso(nextSlots(tenSeconds, at('2026-05-01T00:00:05.500Z'), 3))).toEqual([
      '2026-05-01T00:00:10.000Z',
      '2026-05-01T00:00:20.000Z',
      '2026-05-01T00:00:30.000Z',
    ]);
    expect(
      iso(slotsBetween(tenSeconds, at('2026-05-01T00:00:10Z'), at('2026-05-01T00:00:30Z'), 9)),
    ).toEqual(['2026-05-01T00:00:20.000Z', '2026-05-01T00:00:30.000Z']);
  });
});

/**
 * The daylight-saving days of 2026. America/New_York springs forward on 8 March (02:00 EST
 * becomes 03:00 EDT at 07:00Z) and falls back on 1 November (02:00 EDT becomes 01:00 EST at
 * 06:00Z). Europe/Berlin springs forward on 29 March (02:00 CET becomes 03:00 CEST at 01:00Z)
 * and falls back on 25 October (03:00 CEST becomes 02:00 CET at 01:00Z).
 */
describe('daylight saving', () => {
  const ny = (cron: string, misfire?: MisfirePolicy) =>
    schedule({ cron, tz: 'America/New_York' }, misfire);
  const berlin = (cron: string) => schedule({ cron, tz: 'Europe/Berlin' });

  it('New York, spring forward: a time in the gap fires once, at the first instant after it', () => {
    // 02:30 does not exist on 8 March: it fires at 03:00 EDT. croner alone would run 5-field
    // fixed times so too, but would skip 02:30 of an hourly pattern: both fire here.
    expect(iso(nextSlots(ny('30 2 * * *'), at('2026-03-07T12:00:00Z'), 3))).toEqual([
      '2026-03-08T07:00:00.000Z',
      '2026-03-09T06:30:00.000Z',
      '2026-03-10T06:30:00.000Z',
    ]);
    expect(iso(nextSlots(ny('30 * * * *'), at('2026-03-08T05:00:00Z'), 4))).toEqual([
      '2026-03-08T05:30:00.000Z', // 00:30 EST
      '2026-03-08T06:30:00.000Z', // 01:30 EST
      '2026-03-08T07:00:00.000Z', // 02:30, which does not exist, at 03:00 EDT
      '2026-03-08T07:30:00.000Z', // 03:30 EDT
    ]);
    // Every quarter of the missing hour maps onto 03:00 EDT, which fires once.
    expect(iso(nextSlots(ny('*/15 * * * *'), at('2026-03-08T06:40:00Z'), 3))).toEqual([
      '2026-03-08T06:45:00.000Z',
      '2026-03-08T07:00:00.000Z',
      '2026-03-08T07:15:00.000Z',
    ]);
    // 6 fields, seconds first.
    expect(iso(nextSlots(ny('15 30 2 * * *'), at('2026-03-07T12:00:00Z'), 2))).toEqual([
      '2026-03-08T07:00:00.000Z',
      '2026-03-09T06:30:15.000Z',
    ]);
  });

  it('New York, fall back: a time that occurs twice fires once, at its first occurrence', () => {
    expect(iso(nextSlots(ny('30 1 * * *'), at('2026-10-31T12:00:00Z'), 3))).toEqual([
      '2026-11-01T05:30:00.000Z', // 01:30 EDT; not 06:30Z, 01:30 EST
      '2026-11-02T06:30:00.000Z',
      '2026-11-03T06:30:00.000Z',
    ]);
    expect(iso(nextSlots(ny('30 * * * *'), at('2026-11-01T04:00:00Z'), 3))).toEqual([
      '2026-11-01T04:30:00.000Z', // 00:30 EDT
      '2026-11-01T05:30:00.000Z', // 01:30 EDT (croner alone also fires 06:30Z, 01:30 EST)
      '2026-11-01T07:30:00.000Z', // 02:30 EST
    ]);
    // Asked from inside the second 01:xx: nothing of it fires again.
    expect(iso(nextSlots(ny('0 30 1 * * *'), at('2026-11-01T06:10:00Z'), 1))).toEqual([
      '2026-11-02T06:30:00.000Z',
    ]);
  });

  it('Berlin, spring forward and fall back', () => {
    expect(iso(nextSlots(berlin('30 2 * * *'), at('2026-03-28T12:00:00Z'), 2))).toEqual([
      '2026-03-29T01:00:00.000Z', // 02:30 does not exist: 03:00 CEST
      '2026-03-30T00:30:00.000Z',
    ]);
    expect(iso(nextSlots(berlin('30 2 * * *'), at('2026-10-24T12:00:00Z'), 2))).toEqual([
      '2026-10-25T00:30:00.000Z', // 02:30 CEST, the first of the two
      '2026-10-26T01:30:00.000Z',
    ]);
    expect(iso(nextSlots(berlin('0 * * * *'), at('2026-10-24T22:30:00Z'), 3))).toEqual([
      '2026-10-24T23:00:00.000Z', // 01:00 CEST
      '2026-10-25T00:00:00.000Z', // 02:00 CEST; 02:00 CET (01:00Z) does not fire again
      '2026-10-25T02:00:00.000Z', // 03:00 CET
    ]);
    expect(iso(nextSlots(berlin('0 0 7 * * *'), at('2026-03-28T12:00:00Z'), 2))).toEqual([
      '2026-03-29T05:00:00.000Z',
      '2026-03-30T05:00:00.000Z',
    ]);
  });

  it('handles a change in the middle of a UTC hour (Adelaide, +9:30 and +10:30)', () => {
    const adelaide = schedule({ cron: '30 2 * * *', tz: 'Australia/Adelaide' });
    // 4 October 2026: 02:00 ACST becomes 03:00 ACDT at 16:30Z.
    expect(iso(nextSlots(adelaide, at('2026-10-03T00:00:00Z'), 2))).toEqual([
      '2026-10-03T16:30:00.000Z',
      '2026-10-04T16:00:00.000Z',
    ]);
    // 5 April 2026: 03:00 ACDT becomes 02:00 ACST at 16:30Z; 02:30 fires at 02:30 ACDT.
    expect(iso(nextSlots(adelaide, at('2026-04-04T00:00:00Z'), 2))).toEqual([
      '2026-04-04T16:00:00.000Z',
      '2026-04-05T17:00:00.000Z',
    ]);
  });

  it('counts a missed slot across the repeated hour once (dueSlots looks backwards)', () => {
    const hourly = ny('30 * * * *', { catchUp: 10 });
    expect(iso(dueSlots(hourly, at('2026-11-01T04:30:00Z'), at('2026-11-01T07:31:00Z')))).toEqual([
      '2026-11-01T05:30:00.000Z',
      '2026-11-01T07:30:00.000Z',
    ]);
    // 06:30Z is 01:30 EST, a second 01:30: not a slot.
    expect(dueSlots(hourly, at('2026-11-01T05:30:00Z'), at('2026-11-01T06:31:00Z'))).toEqual([]);
    const quarter = ny('*/15 * * * *', { catchUp: 10 });
    expect(iso(dueSlots(quarter, at('2026-03-08T06:45:00Z'), at('2026-03-08T07:16:00Z')))).toEqual([
      '2026-03-08T07:00:00.000Z',
      '2026-03-08T07:15:00.000Z',
    ]);
  });

  it('looks the same forwards and backwards on each of these days', () => {
    const days: [string, string][] = [
      ['America/New_York', '2026-03-08'],
      ['America/New_York', '2026-11-01'],
      ['Europe/Berlin', '2026-03-29'],
      ['Europe/Berlin', '2026-10-25'],
      ['Australia/Adelaide', '2026-04-05'],
      ['Australia/Adelaide', '2026-10-04'],
    ];
    for (const [tz, day] of days) {
      for (const cron of ['*/20 * * * *', '30 1,2 * * *', '0 */7 * * * *']) {
        const from = at(`${day}T00:00:00Z`) - 6 * 3_600_000;
        const to = from + 30 * 3_600_000;
        const forwards = slotsBetween(schedule({ cron, tz }), from, to, 1_000);
        const backwards = dueSlots(schedule({ cron, tz }, { catchUp: 1_000 }), from, to);
        expect(backwards, `${tz} ${day} ${cron}`).toEqual(forwards);
        expect(new Set(forwards).size).toBe(forwards.length);
      }
    }
  });
});

describe('daylight saving in odd zones', () => {
  const local = (tz: string, slots: number[]) =>
    slots.map((slot) => new Date(slot).toLocaleString('sv-SE', { timeZone: tz }));

  it('a jump at midnight fires the midnight time at the jump (America/Santiago)', () => {
    const daily = schedule({ cron: '0 0 * * *', tz: 'America/Santiago' });
    expect(local('America/Santiago', nextSlots(daily, at('2026-09-04T12:00:00Z'), 3))).toEqual([
      '2026-09-05 00:00:00',
      '2026-09-06 01:00:00', // 00:00 does not exist on 6 September
      '2026-09-07 00:00:00',
    ]);
  });

  it('a 30-minute jump fires a time in it at its end (Australia/Lord_Howe)', () => {
    const daily = schedule({ cron: '15 2 * * *', tz: 'Australia/Lord_Howe' });
    expect(local('Australia/Lord_Howe', nextSlots(daily, at('2026-10-02T12:00:00Z'), 3))).toEqual([
      '2026-10-03 02:15:00',
      '2026-10-04 02:30:00', // 02:00–02:30 does not exist on 4 October
      '2026-10-05 02:15:00',
    ]);
  });

  it('a skipped day fires its slot once, at the first instant after it (Pacific/Apia, 2011)', () => {
    const noon = schedule({ cron: '0 12 * * *', tz: 'Pacific/Apia' });
    expect(local('Pacific/Apia', nextSlots(noon, at('2011-12-29T00:00:00Z'), 3))).toEqual([
      '2011-12-29 12:00:00',
      '2011-12-31 00:00:00', // 30 December 2011 did not happen in Samoa
      '2011-12-31 12:00:00',
    ]);
  });
});

describe('dueSlots: misfire after a 10-minute outage', () => {
  // An every-minute schedule last fired at t0; no worker ticked until t0 + 10 min.
  const t0 = at('2026-06-01T12:00:00Z');
  const missed = Array.from({ length: 10 }, (_, index) => t0 + (index + 1) * MINUTE);
  const timings: ScheduleTiming[] = [
    { every: '1m' },
    { cron: '* * * * *' },
    { cron: '0 * * * * *' },
  ];

  it.each(timings)('%j', (timing) => {
    const back = t0 + 10 * MINUTE + 2_000; // within the grace of the current slot
    const late = t0 + 10 * MINUTE + FIRE_GRACE_MS + 1; // past it
    expect(dueSlots(schedule(timing, 'skip'), t0, back)).toEqual([t0 + 10 * MINUTE]);
    expect(dueSlots(schedule(timing, 'skip'), t0, late)).toEqual([]);
    expect(dueSlots(schedule(timing, 'latest'), t0, late)).toEqual([t0 + 10 * MINUTE]);
    expect(dueSlots(schedule(timing), t0, back)).toEqual([t0 + 10 * MINUTE]); // 'latest' is the default
    expect(dueSlots(schedule(timing, { catchUp: 3 }), t0, late)).toEqual(missed.slice(7));
    expect(dueSlots(schedule(timing, { catchUp: 10 }), t0, late)).toEqual(missed);
    expect(dueSlots(schedule(timing, { catchUp: 50 }), t0, late)).toEqual(missed);
  });

  it('has nothing due between slots, before the first, or when disabled', () => {
    for (const misfire of ['skip', 'latest', { catchUp: 5 }] as const) {
      const minute = schedule({ every: '1m' }, misfire);
      expect(dueSlots(minute, t0, t0 + 30_000)).toEqual([]);
      expect(dueSlots(minute, t0 + MINUTE, t0 + 30_000)).toEqual([]); // a last slot ahead of now
      // Never fired: the current slot when reached on time, nothing from before.
      expect(dueSlots(minute, undefined, t0 + 1_000)).toEqual([t0]);
      expect(dueSlots(minute, undefined, t0 + FIRE_GRACE_MS + 1)).toEqual([]);
    }
    const off = defineSchedule({ id: 'off', task, input: {}, every: '1m', enabled: false });
    expect(dueSlots(off, t0, t0 + 10 * MINUTE)).toEqual([]);
  });

  it('fires each slot once when ticked on time', () => {
    const minute = schedule({ every: '1m' }, 'skip');
    let last: number | undefined = t0;
    const fired: number[] = [];
    for (let now = t0 + 250; now <= t0 + 60 * MINUTE + 1_000; now += 750) {
      const due = dueSlots(minute, last, now);
      fired.push(...due);
      last = due.at(-1) ?? last;
    }
    expect(fired).toEqual(slotsBetween(minute, t0, t0 + 60 * MINUTE, 100));
    expect(fired).toHaveLength(60);
  });
});

describe('arguments', () => {
  it('refuses instants and counts that are not numbers', () => {
    const minute = schedule({ every: '1m' });
    expect(() => nextSlots(minute, Number.NaN, 1)).toThrow(InvalidOptionError);
    expect(() => nextSlots(minute, 0, -1)).toThrow(/Invalid count -1/);
    expect(() => slotsBetween(minute, 0, Number.POSITIVE_INFINITY, 1)).toThrow(
      /Invalid to Infinity/,
    );
    expect(() => dueSlots(minute, undefined, Number.NaN)).toThrow(/Invalid now NaN/);
    expect(nextSlots(minute, 0, 0)).toEqual([]);
  });

  it('refuses a schedule that is no object with INVALID_OPTION, quoting it', () => {
    const none = null as unknown as AnySchedule;
    for (const call of [
      () => nextSlots(none, 0, 1),
      () => slotsBetween(none, 0, 1, 1),
      () => dueSlots(none, undefined, 0),
    ]) {
      expect(call).toThrow(InvalidOptionError);
      expect(call).toThrow(
        /^Invalid schedule null: expected a schedule: what defineSchedule returns/,
      );
    }
  });
});
