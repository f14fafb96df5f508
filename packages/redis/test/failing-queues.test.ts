import { describe, expect, it } from 'vitest';
import { createFailingQueues, REMINDER_MS } from '../src/failing-queues.js';

function recorder() {
  const said: string[] = [];
  const failing = createFailingQueues(1_000, {
    onFailing: (queue, _error, { failures, failingForMs, skipMs }) =>
      said.push(`failing ${queue} ${failures} ${failingForMs} ${skipMs}`),
    onWorksAgain: (queue, { failures, failingForMs }) =>
      said.push(`again ${queue} ${failures} ${failingForMs}`),
  });
  return { said, failing };
}

describe('queues whose reserve fails in passing', () => {
  it('are left out until they answer, with a probe due every skipMs, one at a time', () => {
    const { failing } = recorder();
    failing.failed('q~0of2', new Error('down'), 10_000);
    expect(failing.skips('q~0of2')).toBe(true);
    expect(failing.skips('q~1of2')).toBe(false);
    expect(failing.size).toBe(1);
    expect(failing.probesDue(10_999)).toEqual([]);
    expect(failing.probesDue(11_000)).toEqual(['q~0of2']);
    // In flight: not due again until it fails or answers.
    expect(failing.probesDue(20_000)).toEqual([]);
    failing.failed('q~0of2', new Error('still down'), 20_000);
    expect(failing.errorOf('q~0of2')).toMatchObject({ message: 'still down' });
    expect(failing.skips('q~0of2')).toBe(true);
    expect(failing.probesDue(21_000)).toEqual(['q~0of2']);
    // A probe that answered lets reserves try it; the outage ends when one of them works.
    failing.admit('q~0of2');
    expect(failing.skips('q~0of2')).toBe(false);
    expect(failing.size).toBe(1);
    expect(failing.probesDue(30_000)).toEqual([]);
    failing.answered('q~0of2', 21_500);
    expect(failing.skips('q~0of2')).toBe(false);
    expect(failing.errorOf('q~0of2')).toBeUndefined();
  });

  it('report an outage at its first failure, then at most every 30 s, and once when it ends', () => {
    const { said, failing } = recorder();
    // One failure a second for 65 s: three reports, not 65.
    for (let at = 0; at <= 65_000; at += 1_000) failing.failed('q~0of2', new Error('down'), at);
    expect(said).toEqual([
      'failing q~0of2 1 0 1000',
      `failing q~0of2 31 ${REMINDER_MS} 1000`,
      `failing q~0of2 61 ${2 * REMINDER_MS} 1000`,
    ]);
    failing.answered('q~0of2', 66_000);
    failing.answered('q~0of2', 67_000);
    expect(said.at(-1)).toBe('again q~0of2 66 66000');
    expect(said).toHaveLength(4);
    expect(failing.size).toBe(0);
    // A queue that never failed says nothing when it answers; a new outage starts afresh.
    failing.answered('q~1of2', 68_000);
    failing.failed('q~0of2', new Error('down'), 70_000);
    expect(said.slice(4)).toEqual(['failing q~0of2 1 0 1000']);
  });
});
