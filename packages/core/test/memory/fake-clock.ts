import type { Clock, TimerHandle } from '../../src/clock.js';

/** A clock that moves only when advanced; enough for these unit tests. */
export interface FakeClock extends Clock {
  /** Timers not yet fired or cleared. */
  readonly pendingTimers: number;
  /** Moves time forward, firing due timers in order and letting promises settle between. */
  advance(ms: number): Promise<void>;
}

export function fakeClock(start = 1_700_000_000_000): FakeClock {
  let now = start;
  let seq = 0;
  const timers = new Map<TimerHandle, { at: number; seq: number; callback: () => void }>();

  const settle = async (): Promise<void> => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };

  return {
    now: () => now,
    setTimeout(callback, ms) {
      const handle: TimerHandle = {};
      timers.set(handle, { at: now + Math.max(0, ms), seq: seq++, callback });
      return handle;
    },
    clearTimeout(handle) {
      timers.delete(handle);
    },
    get pendingTimers() {
      return timers.size;
    },
    async advance(ms) {
      const target = now + ms;
      for (;;) {
        let next: [TimerHandle, { at: number; seq: number; callback: () => void }] | undefined;
        for (const entry of timers) {
          if (entry[1].at > target) continue;
          if (
            !next ||
            entry[1].at < next[1].at ||
            (entry[1].at === next[1].at && entry[1].seq < next[1].seq)
          ) {
            next = entry;
          }
        }
        if (!next) break;
        timers.delete(next[0]);
        now = next[1].at;
        next[1].callback();
        await settle();
      }
      now = target;
      await settle();
    },
  };
}
