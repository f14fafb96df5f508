import {
  defineSchedule,
  type MisfirePolicy,
  scheduleSpec,
  type Transport,
  type TransportSchedules,
} from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { everyMinute, MINUTE, report, SCHEDULED, series, useFleet } from './schedule-fleet.js';

// docs/schedules.md §7: a schedule declared in code belongs to the code. When the stored
// schedules are gone (a broker restarted without persistence, FLUSHALL, a failover to a
// replica without them, or a removal at run time), the workers that declare one store it
// again at their next refresh, say so once, and it fires again.

const fleet = useFleet();
const t0 = Date.UTC(2026, 0, 1, 12);
const MISSING = 'declared schedules were missing from the transport';

/** The fleet's warnings that the declared schedules were missing, per worker id. */
function missingWarnings(lines: { level: string; message: string; fields: object }[]) {
  return lines
    .filter((line) => line.level === 'warn' && line.message.startsWith(MISSING))
    .map((line) => line.fields as { workerId: string; schedules: string[] });
}

/** The shared transport with its schedules unreachable while `down.now` is true. */
function unreachable(transport: Transport, down: { now: boolean }): Transport {
  const inner = transport.schedules as TransportSchedules;
  const gate =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      down.now ? Promise.reject(new Error('broker unreachable')) : call(...args);
  return {
    ...transport,
    admin: undefined,
    schedules: {
      upsert: gate(inner.upsert),
      remove: gate(inner.remove),
      setPaused: gate(inner.setPaused),
      list: gate(inner.list),
      fire: gate(inner.fire),
    },
  };
}

describe('declared schedules whose stored data is gone', () => {
  it('are stored again at the next refresh, fire again with no slot missed or twice, and a warning says so once', async () => {
    const { clock, add, transport, slots, logger } = fleet(t0 - 30_000, {
      schedules: [everyMinute()],
    });
    add({ id: 'w1' });
    add({ id: 'w2' });
    await clock.advance(30_000 + MINUTE + 10_000); // t0, t0+1m fired; now t0+1m10s
    expect(await slots()).toEqual(series(t0, 2, MINUTE));
    // The broker loses its schedules behind the workers' back.
    expect(await transport.schedules.remove(SCHEDULED, 'r.minute')).toBe(true);
    expect((await transport.schedules.list()).schedules).toEqual([]);
    await clock.advance(5_000); // the workers' next refresh
    const { schedules } = await transport.schedules.list();
    expect(schedules.map((state) => [state.spec, state.paused, state.revision])).toEqual([
      [scheduleSpec(everyMinute(), 'code'), false, 1],
    ]);
    await clock.advance(4 * MINUTE); // to t0+5m15s
    expect(await slots()).toEqual(series(t0, 6, MINUTE));
    // Each worker that found them missing warned once, naming them; none since.
    const warnings = missingWarnings(logger.lines);
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(new Set(warnings.map((fields) => fields.workerId)).size).toBe(warnings.length);
    expect(warnings.every((fields) => fields.schedules.join() === 'sched/r.minute')).toBe(true);
  });

  // Unreachable from t0+1m10s to t0+4m30s, and the data gone meanwhile: the worker stores
  // the schedule again at t0+4m35s and fires from the mark it saw (t0+1m), by the policy.
  it.each<{ misfire: MisfirePolicy; backfilled: number[] }>([
    { misfire: 'skip', backfilled: [] },
    { misfire: 'latest', backfilled: [4] },
    { misfire: { catchUp: 2 }, backfilled: [3, 4] },
  ])(
    '$misfire: the time the data was gone is an outage; fires minutes $backfilled, then on time',
    async ({ misfire, backfilled }) => {
      const schedules = [everyMinute(misfire)];
      const { clock, add, transport, slots } = fleet(t0 - 30_000, { schedules });
      const down = { now: false };
      add({ transport: unreachable(transport, down) });
      await clock.advance(30_000 + MINUTE + 10_000); // t0, t0+1m
      down.now = true;
      await transport.schedules.remove(SCHEDULED, 'r.minute');
      await clock.advance(3 * MINUTE + 20_000); // t0+4m30s
      down.now = false;
      await clock.advance(5_000); // the refresh: stored again, fired by the policy
      const minutes = (await slots()).map((slot) => (slot - t0) / MINUTE);
      expect(minutes).toEqual([0, 1, ...backfilled]);
      await clock.advance(MINUTE);
      expect((await slots()).map((slot) => (slot - t0) / MINUTE)).toEqual([0, 1, ...backfilled, 5]);
    },
  );

  it('a paused one is stored again unpaused, and fires from its next slot, not the paused ones', async () => {
    const { clock, add, transport, slots } = fleet(t0 - 30_000, {
      schedules: [everyMinute({ catchUp: 5 })],
    });
    add();
    await clock.advance(30_000 + MINUTE + 10_000); // t0, t0+1m
    await transport.schedules.setPaused(SCHEDULED, 'r.minute', true);
    await clock.advance(3 * MINUTE); // t0+4m10s: 2m, 3m, 4m paused
    await transport.schedules.remove(SCHEDULED, 'r.minute');
    await clock.advance(5_000);
    expect((await transport.schedules.list()).schedules[0]?.paused).toBe(false);
    await clock.advance(MINUTE);
    expect(await slots()).toEqual([t0, t0 + MINUTE, t0 + 5 * MINUTE]);
  });

  it('a schedule made at run time is not stored again: removing it stops it', async () => {
    const { clock, add, transport, slots, logger } = fleet(t0 - 30_000, {
      schedules: [everyMinute()],
    });
    add();
    const hourly = defineSchedule({ id: 'r.other', task: report, every: '1m', input: { n: 2 } });
    await transport.schedules.upsert([scheduleSpec(hourly, 'runtime')]);
    await clock.advance(30_000 + 10_000); // t0 of both
    expect(await slots()).toEqual([t0, t0]);
    await transport.schedules.remove(SCHEDULED, 'r.other');
    await clock.advance(2 * MINUTE);
    const { schedules } = await transport.schedules.list();
    expect(schedules.map((state) => state.spec.id)).toEqual(['r.minute']);
    expect(await slots()).toEqual([t0, t0, t0 + MINUTE, t0 + 2 * MINUTE]);
    expect(missingWarnings(logger.lines)).toEqual([]);
  });
});
