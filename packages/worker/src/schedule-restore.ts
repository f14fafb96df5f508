import {
  type Logger,
  type ScheduleSpec,
  type ScheduleState,
  scheduleKey,
  type TransportSchedules,
} from '@conveyor/core';

export interface DeclaredSchedulesOptions {
  schedules: TransportSchedules;
  /** The worker's own schedules (`source: 'code'`). */
  declared: readonly ScheduleSpec[];
  logger: Logger;
}

/**
 * Keeps a worker's declared schedules stored. The code that declares a schedule owns it:
 * when one is missing from a list (the broker lost its data: a restart without persistence,
 * FLUSHALL, a failover to a replica without it; or it was removed at run time), the worker
 * stores it again and logs a warning, instead of leaving it silently never to fire.
 */
export interface DeclaredSchedules {
  /**
   * Stores again the declared specs missing from `listed`, the whole stored list of the
   * worker's schedule queues. True when it stored some (list again). A failure is logged
   * once until a store works, and retried at the next list.
   */
  restoreMissing(listed: readonly ScheduleState[]): Promise<boolean>;
  /**
   * Notes the marks of a new list. A declared schedule listed without a mark that this
   * worker saw with one in `previous` (the states it fired from until now) was stored again
   * after it went missing: it fires from the mark it had ({@link markOf}), so the time it
   * was gone counts as an outage, which its misfire policy decides on (no burst of missed
   * slots unless it says `catchUp`), not as a schedule never fired.
   */
  observe(listed: readonly ScheduleState[], previous: readonly ScheduleState[]): void;
  /** The last slot claimed of a listed schedule, the stored mark or the one carried over. */
  markOf(state: ScheduleState): number | undefined;
}

export function createDeclaredSchedules(options: DeclaredSchedulesOptions): DeclaredSchedules {
  const { schedules, declared, logger } = options;
  const declaredKeys = new Set(declared.map(scheduleKey));
  // Per declared schedule stored again and not claimed since: its mark from before.
  const carried = new Map<string, number>();
  let failing = false;

  return {
    async restoreMissing(listed) {
      if (declared.length === 0) return false;
      const stored = new Set(listed.map((state) => scheduleKey(state.spec)));
      const missing = declared.filter((spec) => !stored.has(scheduleKey(spec)));
      if (missing.length === 0) return false;
      const keys = missing.map(scheduleKey);
      try {
        await schedules.upsert(missing);
      } catch (error) {
        if (!failing) {
          logger.error(
            { err: error, schedules: keys },
            'storing the missing declared schedules again failed; retrying at the next refresh',
          );
        }
        failing = true;
        return false;
      }
      failing = false;
      logger.warn(
        { schedules: keys },
        'declared schedules were missing from the transport (its data was lost, or they were ' +
          'removed at run time) and are stored again; one that was paused is not any more. ' +
          'To stop a schedule declared in code, pause it, or take it out of the code of every worker',
      );
      return true;
    },
    observe(listed, previous) {
      const before = new Map(previous.map((state) => [scheduleKey(state.spec), state.mark]));
      for (const state of listed) {
        const key = scheduleKey(state.spec);
        if (!declaredKeys.has(key) || state.spec.source !== 'code' || state.mark !== null) {
          carried.delete(key);
          continue;
        }
        const mark = before.get(key)?.slotAt ?? carried.get(key);
        if (mark !== undefined) carried.set(key, mark);
      }
    },
    markOf(state) {
      return state.mark?.slotAt ?? carried.get(scheduleKey(state.spec));
    },
  };
}
