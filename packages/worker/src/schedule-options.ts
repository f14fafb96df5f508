import {
  type AnySchedule,
  InvalidOptionError,
  isSchedule,
  type PartitionCounts,
  requireCapability,
  type ScheduleSpec,
  scheduleKey,
  scheduleSpec,
  type Transport,
} from '@conveyor/core';

/** The declared schedules as specs: each from defineSchedule, no `(queue, id)` twice. */
export function resolveSchedules(
  schedules: readonly AnySchedule[] | undefined,
  transport: Transport,
  partitions?: PartitionCounts,
): ScheduleSpec[] {
  if (schedules === undefined) return [];
  if (!Array.isArray(schedules)) {
    throw new InvalidOptionError('schedules', schedules, 'a list of schedules from defineSchedule');
  }
  const specs: ScheduleSpec[] = [];
  const seen = new Set<string>();
  for (const schedule of schedules as readonly unknown[]) {
    if (!isSchedule(schedule)) {
      throw new InvalidOptionError(
        'schedules',
        schedule,
        'a list of schedules from defineSchedule',
      );
    }
    const spec = scheduleSpec(schedule, 'code', partitions);
    const key = scheduleKey(spec);
    if (seen.has(key)) {
      throw new InvalidOptionError(
        'schedules',
        key,
        'schedules with distinct ids per queue (this one is given twice; give each once)',
      );
    }
    seen.add(key);
    specs.push(spec);
  }
  if (specs.length > 0) requireCapability(transport, 'schedules', 'createWorker({ schedules })');
  return specs;
}
