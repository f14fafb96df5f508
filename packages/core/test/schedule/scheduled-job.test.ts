import { describe, expect, it } from 'vitest';
import { newJobId, scheduleJobId } from '../../src/ids.js';
import { scheduledJobOf } from '../../src/index.js';

describe('scheduledJobOf', () => {
  const slotAt = Date.UTC(2026, 11, 3, 6);

  it("reads a schedule job's slot from its id and its fire time from enqueuedAt", () => {
    const id = scheduleJobId('emails', 'shop.lowStockReport', slotAt);
    expect(scheduledJobOf({ id, enqueuedAt: slotAt + 2_100 })).toEqual({
      scheduleId: 'shop.lowStockReport',
      slotAt,
      firedAt: slotAt + 2_100,
      lateMs: 2_100,
    });
  });

  it('has no schedule id for a hashed (long) one, and nothing for other jobs', () => {
    const id = scheduleJobId('emails', 'x'.repeat(100), slotAt);
    expect(scheduledJobOf({ id, enqueuedAt: slotAt })).toEqual({
      slotAt,
      firedAt: slotAt,
      lateMs: 0,
    });
    expect(scheduledJobOf({ id: newJobId('emails'), enqueuedAt: slotAt })).toBeUndefined();
  });
});
