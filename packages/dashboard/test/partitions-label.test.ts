import { describe, expect, it } from 'vitest';
import { partitionsLabel } from '../ui/format.js';

const named = (...names: string[]) => names.map((name) => ({ name }));

describe('partitionsLabel', () => {
  it('counts the partitions, and names the plain queue apart instead of counting it', () => {
    expect(partitionsLabel(named('mail~0of3', 'mail~1of3', 'mail~2of3'))).toBe('3 partitions');
    // The API lists the plain stored queue among the partitions once it has held jobs: it was
    // shown as "4 partitions" for a queue of 3.
    expect(partitionsLabel(named('mail', 'mail~0of3', 'mail~1of3', 'mail~2of3'))).toBe(
      '3 partitions and the plain queue',
    );
    expect(partitionsLabel(named('mail', 'mail~1of2'))).toBe('2 partitions and the plain queue');
  });

  it("gives the queue's partition count, not how many partitions are listed", () => {
    // Only partitions that have held jobs are listed: one of 4 read "1 partition", as if the
    // queue were not partitioned.
    expect(partitionsLabel(named('mail~2of4'))).toBe('4 partitions');
    // Under two counts (after a change of the count), how many are listed.
    expect(partitionsLabel(named('mail~0of3', 'mail~3of4'))).toBe('2 partitions');
  });
});
