import { createDeque, type Deque } from './deque.js';

/** Lowest and highest job priority; higher runs first. */
const LEVELS = 10;

/**
 * A job's place in a ready queue. Removal is lazy: `remove` marks the ticket dead and
 * `pop` skips dead tickets, so cancelling a waiting job is O(1) instead of a scan of its
 * level. A dead ticket costs a few bytes until the pop that discards it.
 */
export interface ReadyTicket {
  readonly jobId: string;
  live: boolean;
}

/**
 * The jobs of one queue that are ready to run: ten priority levels, FIFO within each.
 * Push and pop are O(1) (pop looks at up to ten levels, plus the dead tickets it discards).
 */
export interface ReadyQueue {
  /** Live (not removed) tickets. */
  readonly size: number;
  /** Adds at the tail of its priority level: the normal case. */
  pushTail(jobId: string, priority: number): ReadyTicket;
  /** Adds at the head of its priority level: a released job goes first again. */
  pushHead(jobId: string, priority: number): ReadyTicket;
  /** Takes the ticket out of the queue. No-op when it was already popped or removed. */
  remove(ticket: ReadyTicket): void;
  /** The next ticket: highest priority first, FIFO within a priority. */
  pop(): ReadyTicket | undefined;
}

export function createReadyQueue(): ReadyQueue {
  const levels: Array<Deque<ReadyTicket>> = Array.from({ length: LEVELS }, () => createDeque());
  let size = 0;

  function levelOf(priority: number): Deque<ReadyTicket> {
    // The client validates priorities; clamping keeps a bad one from corrupting the queue.
    const index = Number.isFinite(priority)
      ? Math.min(LEVELS - 1, Math.max(0, Math.trunc(priority)))
      : 0;
    return levels[index] as Deque<ReadyTicket>;
  }

  return {
    get size() {
      return size;
    },
    pushTail(jobId, priority) {
      const ticket = { jobId, live: true };
      levelOf(priority).pushBack(ticket);
      size++;
      return ticket;
    },
    pushHead(jobId, priority) {
      const ticket = { jobId, live: true };
      levelOf(priority).pushFront(ticket);
      size++;
      return ticket;
    },
    remove(ticket) {
      if (!ticket.live) return;
      ticket.live = false;
      size--;
    },
    pop() {
      if (size === 0) return undefined;
      for (let index = LEVELS - 1; index >= 0; index--) {
        const level = levels[index] as Deque<ReadyTicket>;
        for (let ticket = level.popFront(); ticket; ticket = level.popFront()) {
          if (!ticket.live) continue;
          ticket.live = false;
          size--;
          return ticket;
        }
      }
      return undefined;
    },
  };
}
