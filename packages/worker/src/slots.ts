import type { HeldJob } from './held-job.js';

/**
 * The worker's run slots and its prefetch buffer: which held job runs next, and how many
 * more the fetcher may reserve. It counts and orders; the jobs' phases are the worker's
 * (`HeldJobs`), which `run` hands each started job to.
 */
export interface Slots {
  /** Jobs running now. */
  readonly running: number;
  /** Jobs reserved and waiting for a slot. */
  readonly buffered: number;
  /** Queues a job for a slot; `first` puts it ahead (it already waited at a task limit). */
  add(job: HeldJob, first?: boolean): void;
  /** Takes a job out of the buffer before it started; false when it was not there. */
  take(job: HeldJob): boolean;
  /** Empties the buffer and returns what it held (stopping). */
  takeAll(): HeldJob[];
  /** Starts buffered jobs while a slot is free and `canStart()` holds. */
  pump(): void;
  /** A running job ended: its slot goes to the next buffered job. */
  free(): void;
  /**
   * How many more jobs the fetcher may reserve. Jobs held at task limits take no running
   * slot, and up to `maxWaitingForLimits` of them do not count against fetching either:
   * jobs of other tasks keep coming. Jobs that ended and wait for their settlement's answer
   * hold a lease too: up to twice `concurrency + prefetch` of them do not count (a settle
   * call out and the next one filling while the next batch is reserved: at concurrency 50
   * no more than that were ever waiting, in the bench), the rest do.
   */
  freeCapacity(): number;
  /** A slot would idle: nothing is buffered and not every slot runs. */
  starving(): boolean;
  /**
   * Run slots no job takes, is buffered for or waits at a limit gate for: how many reserved
   * jobs start at once (the reserve's `startNow` [R27]; the jobs past them are held, in the
   * buffer or at a limit gate).
   */
  idle(): number;
}

export function createSlots(options: {
  concurrency: number;
  prefetch: number;
  maxWaitingForLimits: number;
  waitingForLimits: () => number;
  /** Every job the worker holds a lease on: buffered, running, at limits, or ending. */
  held: () => number;
  canStart: () => boolean;
  run: (job: HeldJob) => void;
}): Slots {
  const { concurrency, prefetch, maxWaitingForLimits } = options;
  const queue: HeldJob[] = [];
  let running = 0;

  function pump(): void {
    while (running < concurrency && options.canStart()) {
      const job = queue.shift();
      if (!job) break;
      running += 1;
      options.run(job);
    }
  }

  return {
    get running() {
      return running;
    },
    get buffered() {
      return queue.length;
    },
    add(job, first = false) {
      if (first) queue.unshift(job);
      else queue.push(job);
    },
    take(job) {
      const index = queue.indexOf(job);
      if (index < 0) return false;
      queue.splice(index, 1);
      return true;
    },
    takeAll: () => queue.splice(0),
    pump,
    free() {
      running -= 1;
      pump();
    },
    freeCapacity() {
      const waitingForLimits = options.waitingForLimits();
      const overLimits = Math.max(0, waitingForLimits - maxWaitingForLimits);
      // Without this, a worker whose jobs ended faster than their settle calls were answered
      // (jobs failing at once, say) reserved on: 19,652 leases at concurrency 500.
      const ending = options.held() - running - queue.length - waitingForLimits;
      const overEnding = Math.max(0, ending - 2 * (concurrency + prefetch));
      return concurrency + prefetch - running - queue.length - overLimits - overEnding;
    },
    starving: () => running < concurrency && queue.length === 0,
    // A job waiting at a limit gate takes its slot when admitted: the slot is not free for
    // a job the reserve would mark as started.
    idle: () => Math.max(0, concurrency - running - queue.length - options.waitingForLimits()),
  };
}
