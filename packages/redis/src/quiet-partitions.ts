import { parsePartitionName } from '@conveyor/core/transport';

/**
 * Partitions a waiting reserve may skip. A worker reserves from every partition of a
 * queue; polling each on every wake-up would cost n script calls per job on an idle queue.
 * A partition that had no job ready is quiet until its marker wakes a reserve (every enqueue,
 * promotion, release and first lease pushes it), until its next due time or lease deadline,
 * or at the latest {@link RECHECK_MS} later: a backstop for a marker another process popped
 * and then dropped. While the worker is busy (its reserves get all they ask for) it never
 * blocks, so no marker is seen: a quiet partition is then looked at again within
 * {@link BUSY_RECHECK_MS}, or one partition's backlog would hold up another's jobs for
 * seconds. Plain queues are never skipped.
 */
export interface QuietPartitions {
  /** Whether a waiting reserve may skip `queue` now. */
  skips(queue: string): boolean;
  /** A mark to pass to {@link record}, taken before the reserve call. */
  mark(): number;
  /**
   * After a reserve call on `queue` that started at `mark`: `leased` jobs, and when none,
   * in how many ms something may be due there (-1: nothing scheduled). A call older than a
   * wake-up for the queue records nothing: the job that woke it may have come after the call.
   */
  record(queue: string, mark: number, leased: number, dueInMs: number): void;
  /** A marker of `woken` woke a reserve; undefined: unknown which, so all of `queues`. */
  wake(woken: string | undefined, queues: readonly string[]): void;
  /**
   * A reserve leased all the jobs it asked for, so more may wait and the worker will not
   * block: every quiet partition is looked at again within BUSY_RECHECK_MS.
   */
  busy(): void;
  /** Ms until the first of `queues` skipped now must be looked at again, or undefined. */
  recheckIn(queues: readonly string[]): number | undefined;
}

/** Longest a partition stays quiet without a wake-up: as long as a blocking read lasts. */
export const RECHECK_MS = 5_000;
/**
 * Longest a partition stays quiet while the worker is busy: at most one empty script call per
 * quiet partition per 100 ms, against the jobs per second a busy worker takes.
 */
export const BUSY_RECHECK_MS = 100;

export function createQuietPartitions(now: () => number = Date.now): QuietPartitions {
  /** Partition -> when it must be looked at again (local clock). */
  const until = new Map<string, number>();
  /** Wake-ups counted, the last one per queue, and the last for every queue. */
  let wakes = 0;
  const wokenAt = new Map<string, number>();
  let allWokenAt = 0;
  const isPartition = new Map<string, boolean>();
  const partitionName = (queue: string): boolean => {
    let known = isPartition.get(queue);
    if (known === undefined) {
      known = parsePartitionName(queue) !== undefined;
      isPartition.set(queue, known);
    }
    return known;
  };

  return {
    skips(queue) {
      const at = until.get(queue);
      if (at === undefined) return false;
      if (now() < at) return true;
      until.delete(queue);
      return false;
    },
    mark: () => wakes,
    record(queue, mark, leased, dueInMs) {
      if (leased > 0 || !partitionName(queue)) {
        until.delete(queue);
        return;
      }
      if (allWokenAt > mark || (wokenAt.get(queue) ?? 0) > mark) return;
      const quietFor = dueInMs >= 0 ? Math.min(dueInMs, RECHECK_MS) : RECHECK_MS;
      until.set(queue, now() + quietFor);
    },
    wake(woken, queues) {
      wakes += 1;
      if (woken !== undefined) {
        until.delete(woken);
        if (partitionName(woken)) wokenAt.set(woken, wakes);
      } else {
        allWokenAt = wakes;
        for (const queue of queues) until.delete(queue);
      }
    },
    busy() {
      const latest = now() + BUSY_RECHECK_MS;
      for (const [queue, at] of until) if (at > latest) until.set(queue, latest);
    },
    recheckIn(queues) {
      let first: number | undefined;
      for (const queue of queues) {
        const at = until.get(queue);
        if (at !== undefined && (first === undefined || at < first)) first = at;
      }
      return first === undefined ? undefined : Math.max(0, first - now());
    },
  };
}
