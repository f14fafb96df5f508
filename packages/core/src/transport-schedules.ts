/**
 * Periodic schedules at the broker: one atomic operation claims a schedule's slot and
 * enqueues its job, so that every worker may tick and still each slot fires once. No
 * leader, no lock that can have two owners. The slot math (cron, time zones, misfire)
 * is the caller's; the transport only keeps, per (queue, schedule), the last slot it
 * claimed.
 */
import type { EnqueueRequest } from './transport.js';

/** Schedule ids: 1–128 characters from A–Z, a–z, 0–9, `_`, `.`, `:` and `-`. */
export const SCHEDULE_ID_RULE = '1–128 characters from A–Z, a–z, 0–9, "_", ".", ":" and "-"';

const SCHEDULE_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** True when `id` follows {@link SCHEDULE_ID_RULE}. */
export function isScheduleId(id: unknown): id is string {
  return typeof id === 'string' && SCHEDULE_ID.test(id);
}

/** What a schedule does with a slot while its previous job is unfinished. */
export type ScheduleOverlap = 'allow' | 'skip';

export interface FireRequest {
  /** The schedule's id ({@link SCHEDULE_ID_RULE}), unique within the job's queue. */
  scheduleId: string;
  /** The slot's time, ms since the epoch: a non-negative integer. */
  slotAt: number;
  /**
   * The slot's job. Its id is replaced by `scheduleJobId(queue, scheduleId, slotAt)`, the
   * same in every process; everything else is enqueued as `enqueue` would.
   */
  job: EnqueueRequest;
  /**
   * `'skip'`: fire nothing while the job the schedule last fired is waiting, delayed or
   * active; the slot counts as claimed all the same. Default `'allow'`.
   */
  overlap?: ScheduleOverlap;
}

/**
 * - `claimed-before`: the slot is at or before the schedule's last claimed slot, or its
 *   job is already stored. Nothing changed.
 * - `overlap`: `overlap: 'skip'` and the previous job is unfinished. The slot is claimed,
 *   no job added.
 * - `duplicate`: the job's idempotency key holds an earlier job (`jobId`); no job added.
 */
export type FireRefusal = 'claimed-before' | 'overlap' | 'duplicate';

export interface FireResult {
  /** True when this call claimed the slot and added its job. */
  fired: boolean;
  /** The slot's job id (for `duplicate`, the earlier job's). */
  jobId: string;
  reason?: FireRefusal;
}

/** What a transport keeps of a schedule: its last claimed slot and last fired job. */
export interface ScheduleMark {
  /** The latest slot claimed, fired or skipped for overlap. */
  slotAt: number;
  /** The job of the latest slot that fired. */
  jobId: string;
  /** That job's slot (before `slotAt` when later slots were skipped). */
  jobSlotAt: number;
  /** Transport clock, ms since the epoch, when that job was enqueued. */
  firedAt: number;
}

/**
 * The `schedules` capability. Optional on a {@link Transport}; a worker that runs
 * schedules needs it.
 */
export interface TransportSchedules {
  /**
   * Claims the slot and enqueues its job in one atomic step [S1–S4]: of any number of
   * concurrent calls for a slot, one fires.
   *
   * @example
   * const { fired, jobId } = await transport.schedules.fire({
   *   scheduleId: 'daily-stock', slotAt: 1764054000000, job: { envelope }, overlap: 'skip',
   * });
   */
  fire(request: FireRequest): Promise<FireResult>;
  /** The mark of each schedule of `queue`, in order; null for one never fired [S5]. */
  lastFired(queue: string, scheduleIds: readonly string[]): Promise<Array<ScheduleMark | null>>;
}
