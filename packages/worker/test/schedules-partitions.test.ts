import { defineSchedule, scheduleSpec } from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { report, SCHEDULED, series, useFleet } from './schedule-fleet.js';

// docs/partitions.md, "Schedules": a schedule on a partitioned queue is stored under one
// partition's name, so a change of the count stores a second copy under another name. The
// copy takes the others' mark and pause when it is stored: one schedule, not two.

const fleet = useFleet();
const SECONDS = 1_000;
const t0 = Date.UTC(2026, 0, 1, 12);

const every3s = (misfire?: { catchUp: number }) =>
  defineSchedule({
    id: 'ut.pevery',
    task: report,
    every: '3s',
    input: { n: 1 },
    ...(misfire && { misfire }),
  });
const partitions = (n: number) => ({ [SCHEDULED]: n });
/** The partition the schedule is stored under with `n` partitions. */
const copyOf = (n: number) => scheduleSpec(every3s(), 'code', partitions(n)).queue;

describe('a schedule on a partitioned queue whose count changes', () => {
  it('stores a copy under a partition of each count', () => {
    expect([copyOf(8), copyOf(16), copyOf(32)]).toEqual([
      `${SCHEDULED}~1of8`,
      `${SCHEDULED}~1of16`,
      `${SCHEDULED}~1of32`,
    ]);
  });

  it('a clean cutover fires the slot the old count fired, once', async () => {
    const { clock, add, stop, slots } = fleet(t0, { schedules: [every3s()] });
    const old = add({ partitions: partitions(8) });
    // t0 and t0 + 3 s fire on the old count's copy.
    await clock.advance(4 * SECONDS + 100);
    await stop(old);
    // The new count starts 1.1 s after the slot the old one fired last: within the grace a
    // schedule never fired gets, so a copy that started afresh fired t0 + 3 s again.
    add({ partitions: partitions(16) });
    await clock.advance(0);
    await clock.advance(6 * SECONDS);
    expect(await slots(copyOf(8))).toEqual(series(t0, 2, 3 * SECONDS));
    expect(await slots(copyOf(16))).toEqual(series(t0 + 6 * SECONDS, 2, 3 * SECONDS));
  });

  it('keeps a pause: the new count’s copy is stored paused and fires nothing', async () => {
    const { clock, add, stop, slots, transport } = fleet(t0, {
      schedules: [every3s()],
    });
    const old = add({ partitions: partitions(16) });
    await clock.advance(2 * SECONDS);
    expect(await transport.schedules.setPaused(copyOf(16), 'ut.pevery', true)).toBe(true);
    await clock.advance(6 * SECONDS);
    await stop(old);
    add({ partitions: partitions(32) });
    await clock.advance(0);
    await clock.advance(12 * SECONDS);
    expect(await slots(copyOf(16))).toEqual([t0]);
    expect(await slots(copyOf(32))).toEqual([]);
    const { schedules } = await transport.schedules.list([copyOf(32)]);
    expect(schedules[0]).toMatchObject({ paused: true, mark: { slotAt: t0 } });

    // Resumed, it goes on from its next slot, as a resume does.
    await transport.schedules.setPaused(copyOf(32), 'ut.pevery', false);
    const resumedAt = clock.now();
    await clock.advance(6 * SECONDS);
    const next = Math.ceil(resumedAt / (3 * SECONDS)) * 3 * SECONDS;
    expect(await slots(copyOf(32))).toEqual(series(next, 2, 3 * SECONDS));
  });

  it('workers of both counts side by side fire each slot once, and again after a rollback', async () => {
    const { clock, add, slots, transport } = fleet(t0, { schedules: [every3s()] });
    add({ partitions: partitions(8) });
    await clock.advance(4 * SECONDS);
    // Step 1 of a change of n: workers of the new count start beside the old ones. The copy
    // stored last takes the schedule over; the other fires nothing while it is superseded.
    add({ partitions: partitions(16) });
    await clock.advance(0);
    await clock.advance(9 * SECONDS);
    expect(await slots(copyOf(8))).toEqual(series(t0, 2, 3 * SECONDS));
    const listed = await transport.schedules.list([copyOf(8), copyOf(16)]);
    expect(listed.schedules.map((state) => [state.spec.queue, state.superseded])).toEqual([
      [copyOf(16), undefined],
      [copyOf(8), true],
    ]);
    // A rollback: a worker of the old count starts again and takes the schedule back.
    add({ partitions: partitions(8) });
    await clock.advance(0);
    await clock.advance(9 * SECONDS);
    const eight = await slots(copyOf(8));
    const sixteen = await slots(copyOf(16));
    expect([...eight, ...sixteen].sort()).toEqual(series(t0, 8, 3 * SECONDS));
    expect(sixteen).toEqual(series(t0 + 6 * SECONDS, 3, 3 * SECONDS));
  });

  it('back to a count whose copy is still stored: no slot the other count fired fires again', async () => {
    const catchUp = every3s({ catchUp: 10 });
    const { clock, add, stop, slots } = fleet(t0, { schedules: [catchUp] });
    const first = add({ partitions: partitions(8) });
    await clock.advance(4 * SECONDS);
    await stop(first);
    const second = add({ partitions: partitions(16) });
    await clock.advance(0);
    await clock.advance(9 * SECONDS);
    await stop(second);
    // The copy under 8 partitions was left at t0 + 3 s; catching up from there would fire
    // t0 + 6 s … t0 + 12 s again, which the copy under 16 partitions fired.
    add({ partitions: partitions(8) });
    await clock.advance(0);
    await clock.advance(3 * SECONDS);
    const fired = [...(await slots(copyOf(8))), ...(await slots(copyOf(16)))].sort();
    expect(fired).toEqual(series(t0, 6, 3 * SECONDS));
  });
});
