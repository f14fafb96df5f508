/**
 * A double-ended queue on a ring buffer: O(1) amortized push at either end and pop
 * at the front. A plain array's `shift`/`unshift` are O(n), which a busy queue feels.
 */
export interface Deque<T> {
  readonly length: number;
  pushBack(value: T): void;
  pushFront(value: T): void;
  popFront(): T | undefined;
}

const INITIAL_CAPACITY = 16;

export function createDeque<T>(): Deque<T> {
  // Capacity stays a power of two so that wrapping is a bit mask.
  let buffer: Array<T | undefined> = new Array(INITIAL_CAPACITY);
  let head = 0;
  let length = 0;

  function grow(): void {
    const next: Array<T | undefined> = new Array(buffer.length * 2);
    for (let i = 0; i < length; i++) next[i] = buffer[(head + i) & (buffer.length - 1)];
    buffer = next;
    head = 0;
  }

  return {
    get length() {
      return length;
    },
    pushBack(value) {
      if (length === buffer.length) grow();
      buffer[(head + length) & (buffer.length - 1)] = value;
      length++;
    },
    pushFront(value) {
      if (length === buffer.length) grow();
      head = (head - 1) & (buffer.length - 1);
      buffer[head] = value;
      length++;
    },
    popFront() {
      if (length === 0) return undefined;
      const value = buffer[head];
      buffer[head] = undefined; // let the value be collected
      head = (head + 1) & (buffer.length - 1);
      length--;
      return value;
    },
  };
}
