import { describe, expect, it } from 'vitest';
import { attemptRounds } from '../ui/attempt-rounds.js';

const failed = (attempt: number) => ({
  attempt,
  endedAt: 1_000 + attempt,
  error: { name: 'Error', message: `attempt ${attempt}` },
});

describe('attemptRounds', () => {
  it('keeps one round while attempt numbers rise', () => {
    expect(attemptRounds([failed(1), failed(2), failed(3)]).map((a) => a.round)).toEqual([1, 1, 1]);
  });

  it('starts a new round where the numbers restart after a retry from the dead-letter set', () => {
    const rounds = attemptRounds([failed(1), failed(2), failed(1), failed(1), failed(2)]);
    expect(rounds.map((a) => [a.attempt, a.round])).toEqual([
      [1, 1],
      [2, 1],
      [1, 2],
      [1, 3],
      [2, 3],
    ]);
  });

  it('counts from the oldest record kept when the history was trimmed', () => {
    expect(attemptRounds([failed(4), failed(5), failed(1)]).map((a) => a.round)).toEqual([1, 1, 2]);
  });
});
