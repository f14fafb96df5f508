import { describe, expect, it } from 'vitest';
import { BUSY_RECHECK_MS, createQuietPartitions, RECHECK_MS } from '../src/quiet-partitions.js';

const P = ['q~0of3', 'q~1of3', 'q~2of3'];

function quietAt(start = 1_000) {
  let now = start;
  const quiet = createQuietPartitions(() => now);
  return { quiet, advance: (ms: number) => (now += ms) };
}

describe('quiet partitions', () => {
  it('skip a partition that had nothing until the recheck', () => {
    const { quiet, advance } = quietAt();
    quiet.record('q~1of3', quiet.mark(), 0, -1);
    expect(quiet.skips('q~1of3')).toBe(true);
    expect(quiet.skips('q~0of3')).toBe(false);
    expect(quiet.recheckIn(P)).toBe(RECHECK_MS);
    advance(RECHECK_MS);
    expect(quiet.skips('q~1of3')).toBe(false);
  });

  it('look again when something falls due there', () => {
    const { quiet, advance } = quietAt();
    quiet.record('q~2of3', quiet.mark(), 0, 300);
    expect(quiet.recheckIn(P)).toBe(300);
    advance(299);
    expect(quiet.skips('q~2of3')).toBe(true);
    advance(1);
    expect(quiet.skips('q~2of3')).toBe(false);
  });

  it("look again at once when the partition's marker woke a reserve, or an unknown one did", () => {
    const { quiet } = quietAt();
    for (const queue of P) quiet.record(queue, quiet.mark(), 0, -1);
    quiet.wake('q~1of3', P);
    expect(P.map((queue) => quiet.skips(queue))).toEqual([true, false, true]);
    quiet.wake(undefined, P);
    expect(P.map((queue) => quiet.skips(queue))).toEqual([false, false, false]);
  });

  it('look again within BUSY_RECHECK_MS once a reserve leased jobs (no blocking read sees markers)', () => {
    const { quiet, advance } = quietAt();
    quiet.record('q~1of3', quiet.mark(), 0, -1);
    quiet.record('q~2of3', quiet.mark(), 0, 40);
    quiet.busy();
    // The earlier due time stays; the recheck comes no later than BUSY_RECHECK_MS.
    expect(quiet.recheckIn(P)).toBe(40);
    advance(BUSY_RECHECK_MS - 1);
    expect(quiet.skips('q~1of3')).toBe(true);
    advance(1);
    expect(P.map((queue) => quiet.skips(queue))).toEqual([false, false, false]);
  });

  it('never skip a partition that leased jobs, or a plain queue', () => {
    const { quiet } = quietAt();
    quiet.record('q~0of3', quiet.mark(), 2, -1);
    quiet.record('plain', quiet.mark(), 0, -1);
    expect(quiet.skips('q~0of3')).toBe(false);
    expect(quiet.skips('plain')).toBe(false);
  });

  it('ignore an empty answer from a call that started before a wake-up for its partition', () => {
    // Reserve A calls partition 1 (empty); a job arrives; reserve B pops its marker and
    // would look at it; A's answer, older than the wake-up, must not make B skip it.
    const { quiet } = quietAt();
    const before = quiet.mark();
    quiet.wake('q~1of3', P);
    quiet.record('q~1of3', before, 0, -1);
    expect(quiet.skips('q~1of3')).toBe(false);
    const afterAll = quiet.mark();
    quiet.wake(undefined, P);
    quiet.record('q~2of3', afterAll, 0, -1);
    expect(quiet.skips('q~2of3')).toBe(false);
    // A call that started after the wake-up records as usual.
    quiet.record('q~1of3', quiet.mark(), 0, -1);
    expect(quiet.skips('q~1of3')).toBe(true);
  });
});
