import { scheduledSlotOf } from '../ids.js';
import type { JobRecord } from '../transport.js';

/** When a schedule's job was due and when it was fired, as `conveyor inspect` and the dashboard show it. */
export interface ScheduledJob {
  /** The schedule's id; absent when it was too long to be kept in the job id (hashed). */
  scheduleId?: string;
  /** The slot the job was fired for, ms since the epoch. */
  slotAt: number;
  /** When it was fired: its `enqueuedAt`, the transport's clock at the claim. */
  firedAt: number;
  /** `firedAt - slotAt`. */
  lateMs: number;
}

/**
 * The slot and fire time of a schedule's job, read from its id and `enqueuedAt`;
 * undefined for any other job (run-now jobs included).
 */
export function scheduledJobOf(
  record: Pick<JobRecord, 'id' | 'enqueuedAt'>,
): ScheduledJob | undefined {
  const slot = scheduledSlotOf(record.id);
  if (!slot) return undefined;
  const scheduled: ScheduledJob = {
    slotAt: slot.slotAt,
    firedAt: record.enqueuedAt,
    lateMs: record.enqueuedAt - slot.slotAt,
  };
  if (slot.scheduleId !== undefined) scheduled.scheduleId = slot.scheduleId;
  return scheduled;
}
