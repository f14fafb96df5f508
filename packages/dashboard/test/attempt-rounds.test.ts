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

  it('keeps the run after an attempt given back in its round: it has the same number', () => {
    const givenBack = { ...failed(2), counted: false as const };
    const rounds = attemptRounds([failed(1), givenBack, failed(2), failed(3), failed(1)]);
    expect(rounds.map((a) => [a.attempt, a.round])).toEqual([
      [1, 1],
      [2, 1],
      [2, 1],
      [3, 1],
      [1, 2],
    ]);
  });

  it('still starts a new round at a retry from the dead-letter set after an attempt given back', () => {
    const givenBack = { ...failed(1), counted: false as const };
    expect(attemptRounds([failed(1), givenBack, failed(1)]).map((a) => a.round)).toEqual([1, 2, 2]);
  });
});
