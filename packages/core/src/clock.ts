/**
 * Time as Conveyor sees it. Retry timing, leases and delays take a clock so that tests
 * can drive them with fake time (see `createManualClock` in `@conveyor/core/testing`).
 */
export interface Clock {
  /** ms since the epoch. */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Opaque timer handle. */
export type TimerHandle = { readonly __timer?: never } | ReturnType<typeof setTimeout>;

/** Node fires a timer set longer than this (about 24.8 days) after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * A timer longer than {@link MAX_TIMER_MS}, as timers of at most that long one after
 * another. `unref` holds across them.
 */
class LongTimer {
  private timer: ReturnType<typeof setTimeout>;
  private unrefd = false;

  constructor(
    private readonly callback: () => void,
    private readonly deadline: number,
  ) {
    this.timer = this.arm();
  }

  private arm(): ReturnType<typeof setTimeout> {
    const left = this.deadline - Date.now();
    const timer =
      left > MAX_TIMER_MS
        ? setTimeout(() => {
            this.timer = this.arm();
          }, MAX_TIMER_MS)
        : setTimeout(this.callback, Math.max(0, left));
    if (this.unrefd) timer.unref();
    return timer;
  }

  unref(): this {
    this.unrefd = true;
    this.timer.unref();
    return this;
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

/**
 * The real clock. Its timers may be longer than Node's own limit (a time limit or grace
 * period of 30 days fires after 30 days, not after 1 ms).
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) =>
    ms > MAX_TIMER_MS
      ? (new LongTimer(callback, Date.now() + ms) as TimerHandle)
      : setTimeout(callback, ms),
  clearTimeout(handle) {
    if (handle instanceof LongTimer) handle.clear();
    else clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};
