/**
 * Values ordered by a due time: a binary min-heap whose entries know their index, so
 * add, remove and pop are all O(log n) and peek is O(1). Ties keep insertion order (a
 * sequence number breaks them), so jobs due at the same instant stay FIFO.
 *
 * The memory transport keeps one schedule each for delayed jobs, lease deadlines,
 * record expiry (result TTL) and idempotency claims.
 */
export interface ScheduleEntry<T> {
  readonly value: T;
  readonly dueAt: number;
}

export interface Schedule<T> {
  readonly size: number;
  add(value: T, dueAt: number): ScheduleEntry<T>;
  /** Removes an entry that is still scheduled; false when it was popped or removed already. */
  remove(entry: ScheduleEntry<T>): boolean;
  /** The earliest entry (first added among equal due times), without removing it. */
  peek(): ScheduleEntry<T> | undefined;
  pop(): ScheduleEntry<T> | undefined;
}

interface Slot<T> extends ScheduleEntry<T> {
  readonly seq: number;
  /** Position in the heap; -1 once out of it. */
  index: number;
}

export function createSchedule<T>(): Schedule<T> {
  const heap: Array<Slot<T>> = [];
  let nextSeq = 0;

  const before = (a: Slot<T>, b: Slot<T>): boolean =>
    a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.seq < b.seq);

  function place(slot: Slot<T>, index: number): void {
    heap[index] = slot;
    slot.index = index;
  }

  function siftUp(start: number): void {
    const slot = heap[start] as Slot<T>;
    let index = start;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex] as Slot<T>;
      if (!before(slot, parent)) break;
      place(parent, index);
      index = parentIndex;
    }
    place(slot, index);
  }

  function siftDown(start: number): void {
    const slot = heap[start] as Slot<T>;
    let index = start;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      let child = left;
      if (right < heap.length && before(heap[right] as Slot<T>, heap[left] as Slot<T>)) {
        child = right;
      }
      const childSlot = heap[child] as Slot<T>;
      if (!before(childSlot, slot)) break;
      place(childSlot, index);
      index = child;
    }
    place(slot, index);
  }

  function removeAt(index: number): Slot<T> {
    const slot = heap[index] as Slot<T>;
    const last = heap.pop() as Slot<T>;
    if (last !== slot) {
      place(last, index);
      siftDown(index);
      siftUp(last.index);
    }
    slot.index = -1;
    return slot;
  }

  return {
    get size() {
      return heap.length;
    },
    add(value, dueAt) {
      const slot: Slot<T> = { value, dueAt, seq: nextSeq++, index: heap.length };
      heap.push(slot);
      siftUp(slot.index);
      return slot;
    },
    remove(entry) {
      const slot = entry as Slot<T>;
      // The identity check also rejects entries of another schedule.
      if (slot.index < 0 || heap[slot.index] !== slot) return false;
      removeAt(slot.index);
      return true;
    },
    peek() {
      return heap[0];
    },
    pop() {
      return heap.length === 0 ? undefined : removeAt(0);
    },
  };
}
