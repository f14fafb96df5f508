import { silentLogger } from '@conveyor/core';
import { createManualClock } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { createSweeper, MAX_IDLE_PASSES, type SweepResult } from '../src/sweeper.js';

describe('sweeper', () => {
  it('sweeps at once, again without a pause while a call stops at its limit, then every interval', async () => {
    const clock = createManualClock();
    const calls: string[] = [];
    const answers: SweepResult[] = [
      { deleted: 10, more: true },
      { deleted: 10, more: true },
      { deleted: 3, more: false },
    ];
    let failNext = false;
    const sweeper = createSweeper({
      clock,
      logger: silentLogger,
      intervalMs: 1_000,
      limit: 10,
      async sweep(queue, limit) {
        calls.push(`${queue}/${limit}`);
        if (failNext) {
          failNext = false;
          throw new Error('Connection is closed.');
        }
        return answers.shift() ?? { deleted: 0, more: false };
      },
    });
    expect(clock.pendingTimers()).toBe(0);

    sweeper.add(['a', 'bad name!', 'a']);
    await clock.advance(0);
    expect(calls).toEqual(['a/10', 'a/10', 'a/10']);

    sweeper.add(['b']);
    await clock.advance(999);
    expect(calls).toHaveLength(3);
    await clock.advance(1);
    expect(calls.slice(3)).toEqual(['a/10', 'b/10']);

    // A failed call is retried on the next pass; the loop goes on.
    failNext = true;
    await clock.advance(1_000);
    expect(calls.slice(5)).toEqual(['a/10', 'b/10']);
    await clock.advance(1_000);
    expect(calls.slice(7)).toEqual(['a/10', 'b/10']);

    await sweeper.close();
    await clock.advance(5_000);
    expect(calls).toHaveLength(9);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('sweeps a partition with nothing to delete less and less often, a plain queue every pass', async () => {
    const clock = createManualClock();
    const calls: string[] = [];
    /** Finished jobs of the partition to delete at its next sweep. */
    let expired = 0;
    const sweeper = createSweeper({
      clock,
      logger: silentLogger,
      intervalMs: 1_000,
      async sweep(queue) {
        calls.push(queue);
        if (queue === 'plain') return { deleted: 0, more: false };
        const deleted = expired;
        expired = 0;
        return { deleted, more: false };
      },
    });
    const swept = (queue: string) => calls.filter((name) => name === queue).length;
    sweeper.add(['plain', 'p~0of2']);
    await clock.advance(0);
    for (let pass = 2; pass <= 16; pass++) await clock.advance(1_000);
    expect(swept('plain')).toBe(16);
    // Swept on passes 1, 3, 6 and 11: it sits out 1, 2, 4 and then 8 passes (to 19).
    expect(swept('p~0of2')).toBe(4);

    // Something to delete ends the rest. After pass 20 (a sweep) it sits out 16 passes.
    for (let pass = 17; pass <= 20; pass++) await clock.advance(1_000);
    expect(swept('p~0of2')).toBe(5);
    expired = 3;
    calls.length = 0;
    for (let pass = 21; pass <= 40; pass++) await clock.advance(1_000);
    // Swept on pass 37 (deleting 3), then 38 (nothing: rests 1) and 40.
    expect(swept('p~0of2')).toBe(3);

    // The rest stops growing at MAX_IDLE_PASSES: then one sweep every 33 passes.
    for (let pass = 0; pass < 100; pass++) await clock.advance(1_000);
    calls.length = 0;
    for (let pass = 0; pass < 10 * (MAX_IDLE_PASSES + 1); pass++) await clock.advance(1_000);
    expect(swept('p~0of2')).toBe(10);
    expect(swept('plain')).toBe(10 * (MAX_IDLE_PASSES + 1));
    await sweeper.close();
  });
});
