import { describe, expect, it } from 'vitest';
import { scheduleCarry, takesCarry } from '../../src/schedule/copies.js';
import type { ScheduleMark, ScheduleState } from '../../src/transport-schedules.js';

// docs/partitions.md, "Schedules": what a copy of a schedule stored under another partition
// count takes over from the other copies of its id on its queue.

function copy(queue: string, id: string, mark: ScheduleMark | null, paused = false): ScheduleState {
  return {
    spec: {
      id,
      queue,
      task: 't.report',
      every: 60_000,
      tz: 'UTC',
      input: null,
      misfire: 'latest',
      overlap: 'allow',
      enabled: true,
      source: 'code',
      maxAttempts: 3,
      priority: 5,
    },
    paused,
    revision: 1,
    updatedAt: 0,
    mark,
  };
}

describe('scheduleCarry', () => {
  it('takes the mark and flag of the copy with the latest mark, a paused one first on a tie', () => {
    const others = [
      copy('pq~1of8', 'daily', { slotAt: 120_000, jobId: 'pq~1of8:x' }),
      copy('pq~1of16', 'daily', { slotAt: 180_000 }, true),
      copy('pq', 'daily', null),
    ];
    expect(scheduleCarry('pq~17of32', 'daily', others)).toEqual({ slotAt: 180_000, paused: true });
    const tied = [
      copy('pq~1of8', 'daily', { slotAt: 60_000 }),
      copy('pq', 'daily', { slotAt: 60_000 }, true),
    ];
    expect(scheduleCarry('pq~1of16', 'daily', tied)).toEqual({ slotAt: 60_000, paused: true });
    expect(scheduleCarry('pq~1of16', 'daily', [copy('pq', 'daily', null, true)])).toEqual({
      slotAt: undefined,
      paused: true,
    });
  });

  it('ignores the copy itself, other ids and other queues', () => {
    const others = [
      copy('pq~1of16', 'daily', { slotAt: 60_000 }),
      copy('pq~1of8', 'weekly', { slotAt: 60_000 }),
      copy('pqx~1of8', 'daily', { slotAt: 60_000 }),
      copy('other', 'daily', { slotAt: 60_000 }),
    ];
    expect(scheduleCarry('pq~1of16', 'daily', others)).toBeUndefined();
    expect(scheduleCarry('pq~1of16', 'daily', [])).toBeUndefined();
  });

  it('is taken by a stored copy only when it is ahead of the copy’s own mark', () => {
    expect(takesCarry(undefined, { slotAt: 1, paused: false })).toBe(true);
    expect(takesCarry(1, { slotAt: 2, paused: false })).toBe(true);
    expect(takesCarry(2, { slotAt: 2, paused: true })).toBe(false);
    expect(takesCarry(undefined, { slotAt: undefined, paused: true })).toBe(false);
    expect(takesCarry(undefined, undefined)).toBe(false);
  });
});
