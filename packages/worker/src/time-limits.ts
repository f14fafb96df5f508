import type { Clock, TimerHandle } from '@conveyor/core';

export interface TimeLimitTimers {
  /** Clears whichever timers have not fired. */
  clear(): void;
}

/**
 * Arms a job's soft and hard limits (ms from now) on `clock`. When both fall at the
 * same moment the soft one fires first, so the signal aborts before the job is settled.
 */
export function armTimeLimits(options: {
  clock: Clock;
  softMs?: number | undefined;
  hardMs?: number | undefined;
  onSoft: (limitMs: number) => void;
  onHard: (limitMs: number) => void;
}): TimeLimitTimers {
  const { clock, softMs, hardMs } = options;
  const handles: TimerHandle[] = [];
  if (softMs !== undefined) handles.push(clock.setTimeout(() => options.onSoft(softMs), softMs));
  if (hardMs !== undefined) handles.push(clock.setTimeout(() => options.onHard(hardMs), hardMs));
  return {
    clear() {
      for (const handle of handles) clock.clearTimeout(handle);
      handles.length = 0;
    },
  };
}
