import { describe, expect, it } from 'vitest';
import {
  compareStoredQueues,
  groupStoredQueues,
  storedQueuesOf,
  sumQueueCounts,
} from '../src/driver/index.js';

describe('groupStoredQueues', () => {
  it('puts partitions under their queue, in partition order, and plain queues alone', () => {
    expect(
      groupStoredQueues(['orders', 'emails~10of12', 'emails~2of12', 'emails', 'a.b-c']),
    ).toEqual([
      { queue: 'a.b-c', stored: ['a.b-c'], partitioned: false },
      { queue: 'emails', stored: ['emails', 'emails~2of12', 'emails~10of12'], partitioned: true },
      { queue: 'orders', stored: ['orders'], partitioned: false },
    ]);
  });

  it('keeps two partition counts of one queue apart, fewer first', () => {
    expect(groupStoredQueues(['q~1of4', 'q~0of2', 'q~0of4'])[0]?.stored).toEqual([
      'q~0of2',
      'q~0of4',
      'q~1of4',
    ]);
  });

  it('treats a name that only looks like a partition as a queue of its own', () => {
    // ~5of4 is no partition (p >= n): parsePartitionName refuses it.
    expect(groupStoredQueues(['q~5of4']).map((g) => g.queue)).toEqual(['q~5of4']);
  });
});

describe('storedQueuesOf', () => {
  const known = ['emails~1of2', 'emails~0of2', 'emailsx', 'orders'];
  it('is every stored queue of a queue', () => {
    expect(storedQueuesOf('emails', known)).toEqual(['emails~0of2', 'emails~1of2']);
    expect(storedQueuesOf('orders', known)).toEqual(['orders']);
  });
  it('is the partition itself for a partition name', () => {
    expect(storedQueuesOf('emails~1of2', known)).toEqual(['emails~1of2']);
  });
  it('is the name itself for a queue nothing is stored under', () => {
    expect(storedQueuesOf('reports', known)).toEqual(['reports']);
  });
});

describe('sumQueueCounts', () => {
  it('adds every count', () => {
    const row = (queue: string, n: number) => ({
      queue,
      waiting: n,
      delayed: n + 1,
      active: n + 2,
      dead: n + 3,
      finished: n + 4,
    });
    expect(sumQueueCounts('q', [row('q~0of2', 1), row('q~1of2', 10)])).toEqual({
      queue: 'q',
      waiting: 11,
      delayed: 13,
      active: 15,
      dead: 17,
      finished: 19,
    });
  });
});

describe('compareStoredQueues', () => {
  it('orders as groupStoredQueues lists them', () => {
    const names = ['q~10of12', 'p', 'q~2of12', 'q', 'q.x', 'q~1of2'];
    expect([...names].sort(compareStoredQueues)).toEqual([
      'p',
      'q',
      'q~1of2',
      'q~2of12',
      'q~10of12',
      'q.x',
    ]);
  });
});
