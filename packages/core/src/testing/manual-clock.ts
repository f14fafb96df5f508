import type { Clock, TimerHandle } from '../clock.js';

/**
 * A {@link Clock} that only moves when told to, for deterministic tests of leases,
 * delays and retries.
 *
 * @example
 * ```ts
 * const clock = createManualClock();
 * const transport = memoryTransport({ clock });
 * await clock.advance(30_000); // fires every timer due in the next 30 s, in order
 * ```
 */
export interface ManualClock extends Clock {
  /**
   * Moves time forward by `ms`, firing due timers in due-time order (timers due at the
   * same time fire in the order they were set). Before and after each timer it yields
   * a few event-loop turns so that promise chains started by the timer settle, which
   * lets a timer set by such a chain fire within the same advance when it falls due.
   */
  advance(ms: number): Promise<void>;
  /**
   * Jumps to `time` (ms since the epoch, possibly backwards) without firing anything;
   * timers that became due fire on the next `advance` (`advance(0)` fires just those).
   */
  set(time: number): void;
  /** Timers set and not yet fired or cleared. */
  pendingTimers(): number;
}

interface Timer {
  dueAt: number;
  callback: () => void;
}

/** Event-loop turns yielded around each timer: enough for chains of awaits to settle. */
const SETTLE_TURNS = 5;

/** Guards against a callback that keeps re-arming a zero-delay timer. */
const MAX_TIMERS_PER_ADVANCE = 100_000;

/** A {@link ManualClock} starting at `start` (default 2026-01-01T00:00:00Z). */
export function createManualClock(start: number = Date.UTC(2026, 0, 1)): ManualClock {
  assertTime(start, 'start');
  let now = start;
  // Map iteration follows insertion order, which breaks ties between equal due times.
  const timers = new Map<TimerHandle, Timer>();
  let advancing: Promise<void> = Promise.resolve();

  function nextDue(limit: number): [TimerHandle, Timer] | undefined {
    let next: [TimerHandle, Timer] | undefined;
    for (const entry of timers) {
      if (entry[1].dueAt <= limit && (next === undefined || entry[1].dueAt < next[1].dueAt)) {
        next = entry;
      }
    }
    return next;
  }

  async function run(ms: number): Promise<void> {
    const target = now + ms;
    await yieldTurns();
    let fired = 0;
    for (let next = nextDue(target); next !== undefined; next = nextDue(target)) {
      const [handle, timer] = next;
      timers.delete(handle);
      now = Math.max(now, timer.dueAt);
      fired += 1;
      if (fired > MAX_TIMERS_PER_ADVANCE) {
        throw new Error(
          `ManualClock.advance(${ms}) fired more than ${MAX_TIMERS_PER_ADVANCE} timers; a callback probably re-arms a zero-delay timer forever.`,
        );
      }
      timer.callback();
      await yieldTurns();
    }
    now = Math.max(now, target);
    await yieldTurns();
  }

  return {
    now: () => now,
    setTimeout(callback, ms) {
      const handle: TimerHandle = Object.freeze({});
      const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
      timers.set(handle, { dueAt: now + delay, callback });
      return handle;
    },
    clearTimeout(handle) {
      timers.delete(handle);
    },
    advance(ms) {
      if (!Number.isFinite(ms) || ms < 0) {
        return Promise.reject(
          new RangeError(`ManualClock.advance(ms) needs a finite ms >= 0, got ${String(ms)}.`),
        );
      }
      // Concurrent calls run one after the other, as if time passed twice.
      const result = advancing.then(() => run(ms));
      advancing = result.catch(() => undefined);
      return result;
    },
    set(time) {
      assertTime(time, 'time');
      now = time;
    },
    pendingTimers: () => timers.size,
  };
}

async function yieldTurns(): Promise<void> {
  for (let turn = 0; turn < SETTLE_TURNS; turn++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

function assertTime(value: number, name: string): void {
  if (!Number.isFinite(value)) {
    throw new RangeError(
      `ManualClock ${name} must be a finite number of ms, got ${String(value)}.`,
    );
  }
}
