import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_MS, systemClock } from '../src/clock.js';

const DAY_MS = 86_400_000;

describe('systemClock timers longer than Node allows', () => {
  afterEach(() => {
    // The setTimeout spy first: it wraps the fake one, which must not outlive this file.
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  it('fires a 30-day timer after 30 days, not after 1 ms as a plain setTimeout would', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    // A plain timer past the limit fires at once: what the worker's 30-day time limit,
    // grace period or heartbeat would have done.
    const plain = vi.fn();
    setTimeout(plain, 30 * DAY_MS);
    vi.advanceTimersByTime(1);
    expect(plain).toHaveBeenCalledTimes(1);

    const fired = vi.fn();
    systemClock.setTimeout(fired, 30 * DAY_MS);
    vi.advanceTimersByTime(MAX_TIMER_MS);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(30 * DAY_MS - MAX_TIMER_MS - 1);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('clears a long timer in any of its pieces, and keeps it unref’d across them', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const armed = vi.spyOn(globalThis, 'setTimeout');
    const fired = vi.fn();
    const handle = systemClock.setTimeout(fired, 60 * DAY_MS) as { unref(): unknown };
    expect(handle.unref()).toBe(handle);
    vi.advanceTimersByTime(MAX_TIMER_MS + 1);
    // The second piece is a timer of its own, and it is unref'd too.
    expect(armed).toHaveBeenCalledTimes(2);
    const second = armed.mock.results[1]?.value as { hasRef(): boolean };
    expect(second.hasRef()).toBe(false);
    systemClock.clearTimeout(handle as Parameters<typeof systemClock.clearTimeout>[0]);
    vi.advanceTimersByTime(60 * DAY_MS);
    expect(fired).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });
});
