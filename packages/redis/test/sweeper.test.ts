import { silentLogger } from '@conveyor/core';
import { createManualClock } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { createSweeper, type SweepResult } from '../src/sweeper.js';

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
});
