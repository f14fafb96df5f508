import { defineSchedule, type JobRecord, scheduledSlotOf } from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { MINUTE, report, useFleet } from './schedule-fleet.js';

const fleet = useFleet();
const HOUR = 60 * MINUTE;
const at = (iso: string) => Date.parse(iso);

/**
 * The daylight-saving days of 2026, run by three workers on a manual clock from noon UTC
 * the day before to noon UTC the day after (48 hours). America/New_York springs forward on 8 March
 * (02:00 EST → 03:00 EDT at 07:00Z) and falls back on 1 November (02:00 EDT → 01:00 EST
 * at 06:00Z); Europe/Berlin on 29 March (02:00 CET → 03:00 CEST at 01:00Z) and 25 October
 * (03:00 CEST → 02:00 CET at 01:00Z). Each wall time fires once: a missing one at the
 * first instant after it, a repeated one at its first occurrence (docs/schedules.md §3).
 */
const days: Array<{
  day: string;
  tz: string;
  /** cron pattern → the instants it fires at in the 48 hours, each on time. */
  expected: Record<string, string[]>;
}> = [
  {
    day: '2026-03-08',
    tz: 'America/New_York',
    expected: {
      '30 2 * * *': ['2026-03-08T07:00:00Z', '2026-03-09T06:30:00Z'], // 02:30 missing: 03:00 EDT
      '30 1 * * *': ['2026-03-08T06:30:00Z', '2026-03-09T05:30:00Z'],
    },
  },
  {
    day: '2026-11-01',
    tz: 'America/New_York',
    expected: {
      '30 1 * * *': ['2026-11-01T05:30:00Z', '2026-11-02T06:30:00Z'], // 01:30 EDT, not EST
      '30 2 * * *': ['2026-11-01T07:30:00Z', '2026-11-02T07:30:00Z'],
    },
  },
  {
    day: '2026-03-29',
    tz: 'Europe/Berlin',
    expected: {
      '30 2 * * *': ['2026-03-29T01:00:00Z', '2026-03-30T00:30:00Z'], // 02:30 missing: 03:00 CEST
    },
  },
  {
    day: '2026-10-25',
    tz: 'Europe/Berlin',
    expected: {
      '30 2 * * *': ['2026-10-25T00:30:00Z', '2026-10-26T01:30:00Z'], // 02:30 CEST, not CET
      '0 30 2 * * *': ['2026-10-25T00:30:00Z', '2026-10-26T01:30:00Z'], // 6 fields
    },
  },
];

describe('daylight saving, on a manual clock', () => {
  it.each(days)(
    '$tz on $day: each wall time fires once, at the right instant',
    async ({ day, tz, expected }) => {
      const patterns = Object.keys(expected);
      const schedules = patterns.map((cron, index) =>
        defineSchedule({ id: `dst.${index}`, task: report, cron, tz, input: { n: index } }),
      );
      const start = at(`${day}T12:00:00Z`) - 24 * HOUR;
      // Refreshing every 10 minutes: the workers wake for the slots themselves.
      const { clock, add, jobs } = fleet(start, { schedules, schedulesRefreshMs: 10 * MINUTE });
      for (let i = 0; i < 3; i++) add();
      for (let hour = 0; hour < 48; hour++) await clock.advance(HOUR);
      const fired = await jobs();
      patterns.forEach((cron, index) => {
        const own = fired.filter((job) => scheduleOf(job) === `dst.${index}`);
        const instants = own.map((job) => new Date(slotAt(job)).toISOString());
        expect({ cron, instants }).toEqual({
          cron,
          instants: (expected[cron] ?? []).map((iso) => new Date(iso).toISOString()),
        });
        // Fired when the slot came, not late: the workers woke at the right instant.
        for (const job of own) expect(job.enqueuedAt).toBe(slotAt(job));
      });
    },
  );
});

function scheduleOf(job: JobRecord): string | undefined {
  return scheduledSlotOf(job.envelope.id)?.scheduleId;
}

function slotAt(job: JobRecord): number {
  return scheduledSlotOf(job.envelope.id)?.slotAt ?? Number.NaN;
}
