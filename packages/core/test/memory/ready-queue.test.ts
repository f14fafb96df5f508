import { describe, expect, it } from 'vitest';
import { createDeque } from '../../src/memory/deque.js';
import { createReadyQueue, type ReadyQueue } from '../../src/memory/ready-queue.js';

function drain(queue: ReadyQueue): string[] {
  const ids: string[] = [];
  for (let ticket = queue.pop(); ticket; ticket = queue.pop()) ids.push(ticket.jobId);
  return ids;
}

describe('deque', () => {
  it('keeps order at both ends across growth and wrap-around', () => {
    const deque = createDeque<number>();
    const model: number[] = [];
    for (let i = 0; i < 200; i++) {
      if (i % 3 === 0) {
        deque.pushFront(i);
        model.unshift(i);
      } else {
        deque.pushBack(i);
        model.push(i);
      }
      if (i % 5 === 0) expect(deque.popFront()).toBe(model.shift());
    }
    expect(deque.length).toBe(model.length);
    const out: number[] = [];
    for (let value = deque.popFront(); value !== undefined; value = deque.popFront())
      out.push(value);
    expect(out).toEqual(model);
    expect(deque.popFront()).toBeUndefined();
  });
});

describe('ready queue', () => {
  it('pops the highest priority first, FIFO within a priority', () => {
    const queue = createReadyQueue();
    queue.pushTail('a5', 5);
    queue.pushTail('b0', 0);
    queue.pushTail('c9', 9);
    queue.pushTail('d5', 5);
    queue.pushTail('e9', 9);
    expect(drain(queue)).toEqual(['c9', 'e9', 'a5', 'd5', 'b0']);
  });

  it('puts a released job at the head of its own level only', () => {
    const queue = createReadyQueue();
    queue.pushTail('high', 7);
    queue.pushTail('a', 3);
    queue.pushTail('b', 3);
    queue.pushHead('released', 3);
    expect(drain(queue)).toEqual(['high', 'released', 'a', 'b']);
  });

  it('skips removed tickets and counts only live ones', () => {
    const queue = createReadyQueue();
    queue.pushTail('a', 1);
    const b = queue.pushTail('b', 1);
    queue.pushTail('c', 1);
    queue.remove(b);
    queue.remove(b);
    expect(queue.size).toBe(2);
    expect(drain(queue)).toEqual(['a', 'c']);
    expect(queue.size).toBe(0);
  });

  it('ignores removal of a ticket already popped', () => {
    const queue = createReadyQueue();
    const a = queue.pushTail('a', 1);
    queue.pushTail('b', 1);
    expect(queue.pop()).toBe(a);
    queue.remove(a);
    expect(queue.size).toBe(1);
  });

  it('clamps out-of-range priorities instead of losing the job', () => {
    const queue = createReadyQueue();
    queue.pushTail('low', -3);
    queue.pushTail('nan', Number.NaN);
    queue.pushTail('top', 42);
    queue.pushTail('nine', 9);
    expect(drain(queue)).toEqual(['top', 'nine', 'low', 'nan']);
  });
});
