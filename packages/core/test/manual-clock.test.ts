import { describe, expect, it } from 'vitest';
import type { Clock } from '../src/clock.js';
import { createManualClock } from '../src/testing/index.js';

const START = Date.UTC(2026, 0, 1);

function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

describe('createManualClock', () => {
  it('starts at 2026-01-01 by default, or at the given time', () => {
    expect(createManualClock().now()).toBe(START);
    expect(createManualClock(42).now()).toBe(42);
  });

  it('only moves when advanced', async () => {
    const clock = createManualClock();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(clock.now()).toBe(START);
    await clock.advance(250);
    expect(clock.now()).toBe(START + 250);
  });

  it('fires due timers in due-time order, at their due time', async () => {
    const clock = createManualClock();
    const fired: Array<[string, number]> = [];
    clock.setTimeout(() => fired.push(['c', clock.now()]), 30);
    clock.setTimeout(() => fired.push(['a', clock.now()]), 10);
    clock.setTimeout(() => fired.push(['b', clock.now()]), 20);
    clock.setTimeout(() => fired.push(['late', clock.now()]), 31);
    await clock.advance(30);
    expect(fired).toEqual([
      ['a', START + 10],
      ['b', START + 20],
      ['c', START + 30],
    ]);
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(1);
    expect(fired.at(-1)).toEqual(['late', START + 31]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('fires timers due at the same time in the order they were set', async () => {
    const clock = createManualClock();
    const fired: number[] = [];
    for (const n of [1, 2, 3, 4]) clock.setTimeout(() => fired.push(n), 5);
    await clock.advance(5);
    expect(fired).toEqual([1, 2, 3, 4]);
  });

  it('does not fire cleared timers, and ignores unknown handles', async () => {
    const clock = createManualClock();
    const fired: string[] = [];
    const handle = clock.setTimeout(() => fired.push('cleared'), 10);
    clock.setTimeout(() => fired.push('kept'), 10);
    clock.clearTimeout(handle);
    clock.clearTimeout(handle);
    clock.clearTimeout(Object.freeze({}));
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(100);
    expect(fired).toEqual(['kept']);
  });

  it('lets promise chains settle between timers, so async loops run every tick', async () => {
    const clock = createManualClock();
    const ticks: number[] = [];
    let stop = false;
    void (async () => {
      while (!stop) {
        await sleep(clock, 10);
        await Promise.resolve();
        await new Promise((resolve) => setImmediate(resolve));
        ticks.push(clock.now() - START);
      }
    })();
    await clock.advance(35);
    expect(ticks).toEqual([10, 20, 30]);
    stop = true;
  });

  it('fires timers set by callbacks when they fall due within the same advance', async () => {
    const clock = createManualClock();
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now() - START);
      clock.setTimeout(() => fired.push(clock.now() - START), 5);
      clock.setTimeout(() => fired.push(clock.now() - START), 50);
    }, 10);
    await clock.advance(20);
    expect(fired).toEqual([10, 15]);
    expect(clock.pendingTimers()).toBe(1);
  });

  it('treats negative and non-finite delays as zero', async () => {
    const clock = createManualClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('negative'), -5);
    clock.setTimeout(() => fired.push('nan'), Number.NaN);
    await clock.advance(0);
    expect(fired).toEqual(['negative', 'nan']);
    expect(clock.now()).toBe(START);
  });

  it('set() jumps without firing; the next advance fires what became due', async () => {
    const clock = createManualClock();
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now() - START), 1_000);
    clock.set(START + 5_000);
    expect(clock.now()).toBe(START + 5_000);
    expect(fired).toEqual([]);
    await clock.advance(0);
    expect(fired).toEqual([5_000]);
    clock.set(START);
    expect(clock.now()).toBe(START);
  });

  it('runs concurrent advances one after the other', async () => {
    const clock = createManualClock();
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now() - START), 15);
    await Promise.all([clock.advance(10), clock.advance(10)]);
    expect(clock.now()).toBe(START + 20);
    expect(fired).toEqual([15]);
  });

  it('rejects a negative or non-finite advance and a non-finite time', async () => {
    const clock = createManualClock();
    await expect(clock.advance(-1)).rejects.toThrow(RangeError);
    await expect(clock.advance(Number.POSITIVE_INFINITY)).rejects.toThrow(RangeError);
    expect(() => clock.set(Number.NaN)).toThrow(RangeError);
    expect(() => createManualClock(Number.NaN)).toThrow(RangeError);
    await clock.advance(1);
    expect(clock.now()).toBe(START + 1);
  });

  it('propagates a throwing callback and keeps working afterwards', async () => {
    const clock = createManualClock();
    clock.setTimeout(() => {
      throw new Error('boom');
    }, 10);
    await expect(clock.advance(10)).rejects.toThrow('boom');
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(1), 1);
    await clock.advance(1);
    expect(fired).toEqual([1]);
  });
});
