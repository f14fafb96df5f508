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

export interface DeadlineWatch {
  /** A run started that must end by `deadline` (clock time). */
  watch(deadline: number): void;
  /** Clears the timer. */
  stop(): void;
}

/**
 * Hard deadlines of many runs on one timer, armed for the earliest: the worker's default
 * time limit applies to every job, and a timer per job would cost on the hot path. When
 * the timer fires, every run past its deadline expires, and the timer is armed for the
 * next earliest deadline found among `runs()`.
 */
export function watchDeadlines<T>(options: {
  clock: Clock;
  /** The runs that may have a deadline. */
  runs: () => Iterable<T>;
  /** A run's deadline, or undefined when it has none (any more). */
  deadlineOf: (run: T) => number | undefined;
  onExpired: (run: T) => void;
}): DeadlineWatch {
  const { clock } = options;
  let timer: TimerHandle | undefined;
  let armedFor: number | undefined;
  let stopped = false;

  function arm(deadline: number): void {
    if (timer !== undefined) clock.clearTimeout(timer);
    armedFor = deadline;
    timer = clock.setTimeout(fire, Math.max(0, deadline - clock.now()));
  }

  function fire(): void {
    timer = undefined;
    armedFor = undefined;
    const now = clock.now();
    const expired: T[] = [];
    let next: number | undefined;
    for (const run of options.runs()) {
      const deadline = options.deadlineOf(run);
      if (deadline === undefined) continue;
      if (deadline <= now) expired.push(run);
      else if (next === undefined || deadline < next) next = deadline;
    }
    // Collected first: expiring a run changes what `runs()` yields, and may start runs
    // that call watch() and arm the timer already.
    for (const run of expired) options.onExpired(run);
    if (next !== undefined && !stopped && (armedFor === undefined || next < armedFor)) arm(next);
  }

  return {
    watch(deadline) {
      if (stopped || (armedFor !== undefined && armedFor <= deadline)) return;
      arm(deadline);
    },
    stop() {
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      armedFor = undefined;
    },
  };
}
