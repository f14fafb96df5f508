import { makeEnvelope } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { type HeldJob, holdJob } from '../src/held-job.js';
import { createPhaseMover, PHASE_MOVES, type PhaseMove } from '../src/job-phase.js';
import { captureLogger } from './helpers.js';

// The held job's lifecycle on its own: the moves it allows, and what an illegal one does.

const job = (): HeldJob =>
  holdJob({ envelope: makeEnvelope('phases', { input: 1 }), token: 't1', leaseExpiresAt: 0 });

const strict = () => createPhaseMover({ logger: captureLogger(), strict: true });

/** A fresh job taken through `moves` (legal ones). */
function jobAfter(moves: PhaseMove[]): HeldJob {
  const held = job();
  const mover = strict();
  for (const move of moves) mover.move(held, move, 0);
  return held;
}

describe('held job phases', () => {
  it('allows exactly the moves of the lifecycle', () => {
    const moves = Object.entries(PHASE_MOVES).flatMap(([move, { from, to }]) =>
      Object.keys(from).map((phase) => `${move}: ${phase} -> ${to}`),
    );
    expect(moves).toEqual([
      'limit: buffered -> limited',
      'admit: limited -> buffered',
      'start: buffered -> running',
      'finish: running -> ending',
      'release: buffered -> ending',
      'release: limited -> ending',
      'drop: buffered -> ending',
      'drop: limited -> ending',
    ]);
  });

  it('starts buffered, and stamps the start time when a job starts', () => {
    const held = job();
    expect(held.phase).toBe('buffered');
    strict().move(held, 'start', 1_234);
    expect([held.phase, held.startedAt]).toEqual(['running', 1_234]);
  });

  it('throws ILLEGAL_PHASE_CHANGE in strict mode (tests) and leaves the phase alone', () => {
    const mover = strict();
    const ended = jobAfter(['start', 'finish']);
    expect(() => mover.move(ended, 'start', 5)).toThrow(
      expect.objectContaining({ code: 'ILLEGAL_PHASE_CHANGE' }),
    );
    expect([ended.phase, ended.startedAt]).toEqual(['ending', 0]);
    // A running job cannot be given back unstarted, nor a waiting one finish a run.
    expect(() => mover.move(jobAfter(['start']), 'release')).toThrow(
      /made the move "release" while running, but that move is allowed only from buffered or limited/,
    );
    expect(() => mover.move(jobAfter(['limit']), 'finish')).toThrow(/allowed only from running/);
  });

  it('otherwise logs the first illegal move once, makes it anyway, and never throws', () => {
    const logger = captureLogger();
    const mover = createPhaseMover({ logger, strict: false });
    const first = jobAfter(['start', 'finish']);
    const second = jobAfter(['limit']);
    mover.move(first, 'admit');
    mover.move(second, 'start', 7);
    expect([first.phase, second.phase, second.startedAt]).toEqual(['buffered', 'running', 7]);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatchObject({
      level: 'error',
      fields: { jobId: first.id, move: 'admit', phase: 'ending' },
    });
    expect(logger.lines[0]?.message).toMatch(/^Worker bug: held job .* made the move "admit"/);
  });
});
