/**
 * Copies of one schedule on one queue. A schedule on a partitioned queue is stored under one
 * partition's name (`emails~3of8`), so changing the count stores it again under another
 * (`emails~3of16`), and an unpartitioned queue turned partitioned does the same: two stored
 * copies of one id on one base queue, each with a paused flag and a mark of its own. On Redis
 * they sit in different hash slots, so no one script sees both; instead, a transport that
 * stores a copy takes the schedule over: it fences the other copies (they fire no more), then
 * gives the copy what they know and makes it the one active copy (docs/partitions.md,
 * "Schedules").
 */
import { baseQueueOf } from '../partitions.js';
import type { ScheduleState } from '../transport-schedules.js';

/** What a copy being stored takes over from the other copies of its id on its base queue. */
export interface ScheduleCarry {
  /** The leading copy's mark: no slot up to it fires. Undefined when it has none. */
  slotAt: number | undefined;
  /** The leading copy's paused flag. */
  paused: boolean;
}

/**
 * What the copy of schedule `id` stored under `queue` takes over from `others` (any stored
 * schedules; those of other ids and other base queues are ignored): the mark and the paused
 * flag of the copy that claimed a slot (or changed, or resumed) last, the one with the
 * latest mark, a paused one first on a tie, so that an operator's pause is never lost to a
 * copy that knows no more than it. Undefined when there is no other copy.
 *
 * A transport applies it when it stores the copy: a new copy starts with the carried mark
 * and flag; a stored copy takes the mark, and the pause when the flag says paused, when the
 * carried mark is later than its own (the other copy fired since, or was resumed since: the
 * schedule lived there). An upsert never resumes a stored copy: only a resume does.
 *
 * @example
 * scheduleCarry('emails~1of16', 'daily', (await transport.schedules.list()).schedules);
 * // { slotAt: 1764054000000, paused: false }: what `emails~1of8`'s copy had claimed
 */
export function scheduleCarry(
  queue: string,
  id: string,
  others: Iterable<ScheduleState>,
): ScheduleCarry | undefined {
  const base = baseQueueOf(queue);
  let leader: ScheduleState | undefined;
  for (const state of others) {
    const { spec } = state;
    if (spec.id !== id || spec.queue === queue || baseQueueOf(spec.queue) !== base) continue;
    if (leader === undefined) {
      leader = state;
      continue;
    }
    const ahead = markSlot(state) - markSlot(leader);
    if (ahead > 0 || (ahead === 0 && state.paused && !leader.paused)) leader = state;
  }
  return leader && { slotAt: leader.mark?.slotAt, paused: leader.paused };
}

/** Whether a stored copy whose mark is at `slotAt` takes `carry` over (see {@link scheduleCarry}). */
export function takesCarry(slotAt: number | undefined, carry: ScheduleCarry | undefined): boolean {
  return carry?.slotAt !== undefined && (slotAt === undefined || carry.slotAt > slotAt);
}

const markSlot = (state: ScheduleState): number => state.mark?.slotAt ?? -1;
