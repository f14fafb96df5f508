import type { AttemptRecord } from './api-types.js';

/** An attempt record with the round it belongs to: 1, then one more after each manual retry. */
export interface RoundedAttempt extends AttemptRecord {
  round: number;
}

/**
 * Numbers the rounds of a job's failed attempts, oldest first as stored. A retry from the
 * dead-letter set gives the job a fresh attempt budget, so its attempts count from 1 again:
 * an attempt number no higher than the one before starts a new round. An attempt given back
 * (`counted: false`: its worker held the job unstarted when its lease ran out) is followed by
 * a run with the same number, in the same round. Rounds count from the oldest record kept
 * (the history keeps the last 20).
 */
export function attemptRounds(history: readonly AttemptRecord[]): RoundedAttempt[] {
  let round = 1;
  let previous = Number.NEGATIVE_INFINITY;
  return history.map((record) => {
    if (record.attempt <= previous) round += 1;
    previous = record.counted === false ? record.attempt - 1 : record.attempt;
    return { ...record, round };
  });
}
