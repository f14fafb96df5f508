import { describe, expect, it } from 'vitest';
import { memoryTransport } from '../../src/memory/index.js';
import { createManualClock, makeEnvelope } from '../../src/testing/index.js';
import type { ScheduleSpec, TransportSchedules } from '../../src/transport-schedules.js';

// docs/partitions.md, "Schedules": one copy of a schedule id per base queue is active at a
// time; an upsert of a copy takes the schedule over from the others. The memory transport
// does in one operation what Redis does across hash slots with fencing tokens.

const SLOT = 1_764_054_000_000;
const MINUTE = 60_000;

function specOf(queue: string): ScheduleSpec {
  return {
    id: 'daily',
    queue,
    task: 'shop.report',
    every: MINUTE,
    tz: 'UTC',
    input: null,
    misfire: 'latest',
    overlap: 'allow',
    enabled: true,
    source: 'code',
    maxAttempts: 3,
    priority: 5,
  };
}

function setup() {
  const clock = createManualClock(SLOT + 60 * MINUTE);
  const schedules = memoryTransport({ clock }).schedules as TransportSchedules;
  const fire = (queue: string, slotAt: number) =>
    schedules.fire({
      scheduleId: 'daily',
      revision: 1,
      slotAt,
      job: { envelope: makeEnvelope(queue, { task: 'shop.report' }) },
    });
  return { schedules, fire };
}

describe('memory transport: copies of a schedule under two partition counts', () => {
  it('fires each slot once side by side; a rollback takes the schedule back', async () => {
    const { schedules, fire } = setup();
    const [eight, sixteen] = ['pq~1of8', 'pq~1of16'];
    const fireBoth = async (slotAt: number) => {
      const [a, b] = await Promise.all([fire(eight, slotAt), fire(sixteen, slotAt)]);
      return [a.fired ? eight : null, b.fired ? sixteen : null].filter(Boolean);
    };
    await schedules.upsert([specOf(eight)]);
    expect(await fireBoth(SLOT)).toEqual([eight]);
    expect(await schedules.upsert([specOf(sixteen)])).toEqual(['created']);
    expect(await fireBoth(SLOT + MINUTE)).toEqual([sixteen]);
    expect(await fireBoth(SLOT + 2 * MINUTE)).toEqual([sixteen]);
    const listed = (await schedules.list([eight, sixteen])).schedules;
    expect(listed.map((state) => [state.spec.queue, state.superseded])).toEqual([
      [sixteen, undefined],
      [eight, true],
    ]);

    expect(await schedules.upsert([specOf(eight)])).toEqual(['unchanged']);
    expect(await fireBoth(SLOT + 2 * MINUTE)).toEqual([]);
    expect(await fireBoth(SLOT + 3 * MINUTE)).toEqual([eight]);

    // The active copy removed: the other fires nothing until it is stored again.
    expect(await schedules.remove(eight, 'daily')).toBe(true);
    expect(await fire(sixteen, SLOT + 4 * MINUTE)).toMatchObject({ reason: 'paused' });
    expect(await schedules.upsert([specOf(sixteen)])).toEqual(['unchanged']);
    expect(await fireBoth(SLOT + 4 * MINUTE)).toEqual([sixteen]);
    const [back] = (await schedules.list([sixteen])).schedules;
    expect(back?.superseded).toBeUndefined();
  });
});
