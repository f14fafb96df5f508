import { makeEnvelope } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import {
  createPhaseMover,
  type HeldJob,
  holdJob,
  type JobPhase,
  PHASE_MOVES,
} from '../src/held-job.js';
import { captureLogger } from './helpers.js';

// The held job's lifecycle on its own: the moves it allows, and what an illegal one does.

const job = (): HeldJob =>
  holdJob({ envelope: makeEnvelope('phases', { input: 1 }), token: 't1', leaseExpiresAt: 0 });

/** A fresh job taken through `path` (legal moves only). */
function jobAt(path: JobPhase[]): HeldJob {
  const held = job();
  const mover = createPhaseMover({ logger: captureLogger(), strict: true });
  for (const phase of path) mover.move(held, phase, 0);
  return held;
}

describe('held job phases', () => {
  it('allows exactly the moves of the lifecycle', () => {
    const moves = Object.entries(PHASE_MOVES).flatMap(([from, to]) =>
      Object.keys(to).map((phase) => `${from} -> ${phase}`),
    );
    expect(moves.sort()).toEqual(
      [
        'buffered -> limited',
        'buffered -> running',
        'buffered -> ending',
        'limited -> buffered',
        'limited -> ending',
        'running -> ending',
      ].sort(),
    );
  });

  it('starts buffered, and stamps the start time when a job starts running', () => {
    const held = job();
    expect(held.phase).toBe('buffered');
    createPhaseMover({ logger: captureLogger(), strict: true }).move(held, 'running', 1_234);
    expect([held.phase, held.startedAt]).toEqual(['running', 1_234]);
  });

  it('throws ILLEGAL_PHASE_CHANGE in strict mode (tests) and leaves the phase alone', () => {
    const mover = createPhaseMover({ logger: captureLogger(), strict: true });
    const ended = jobAt(['running', 'ending']);
    expect(() => mover.move(ended, 'running', 5)).toThrow(
      expect.objectContaining({ code: 'ILLEGAL_PHASE_CHANGE' }),
    );
    expect(ended.phase).toBe('ending');
    const running = jobAt(['running']);
    expect(() => mover.move(running, 'buffered')).toThrow(/from running to buffered/);
  });

  it('otherwise logs the first illegal move once, makes it anyway, and never throws', () => {
    const logger = captureLogger();
    const mover = createPhaseMover({ logger, strict: false });
    const first = jobAt(['running', 'ending']);
    const second = jobAt(['limited']);
    mover.move(first, 'limited');
    mover.move(second, 'running', 7);
    expect([first.phase, second.phase, second.startedAt]).toEqual(['limited', 'running', 7]);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatchObject({
      level: 'error',
      fields: { jobId: first.id, from: 'ending', to: 'limited' },
    });
    expect(logger.lines[0]?.message).toMatch(
      /^Worker bug: held job .* moved from ending to limited/,
    );
  });
});
