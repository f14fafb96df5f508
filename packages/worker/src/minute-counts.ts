import { PICKUP_BUCKETS_MS, type Reservation, type TaskMinute } from '@conveyor/core';
import type { HeldJob } from './held-job.js';
import type { EndedDelivery } from './settle-report.js';
import type { CounterName } from './stats.js';

/** The hooks the held jobs call: one map lookup and a few increments per job, no broker call. */
export interface JobMinutes {
  /** The job started (its `startedAt` is set): counts its pickup latency in that minute. */
  started(job: HeldJob): void;
  /**
   * The transport accepted the job's settlement: counts its outcome in the minute its run
   * ended (`startedAt + durationMs`: no clock read per job).
   */
  settled(delivery: EndedDelivery): void;
}

export interface MinuteCounts extends JobMinutes {
  /** The minutes counted since the last call, each (queue, task, minute) once; starts afresh. */
  take(): TaskMinute[];
}

const MINUTE_MS = 60_000;

/**
 * Per-minute counts of the jobs this worker runs, per queue and task, kept in memory until
 * {@link MinuteCounts.take} hands them to `transport.metrics.record`. Each (queue, task)
 * has one open minute; a job in a later minute closes it. Counts dated before the open
 * minute (the clock stepped back) go into the open minute rather than reopening one.
 */
export function createMinuteCounts(): MinuteCounts {
  const open = new Map<string, Map<string, TaskMinute>>();
  let closed: TaskMinute[] = [];

  function minuteOf(queue: string, task: string, at: number): TaskMinute {
    const minute = Math.floor(at / MINUTE_MS);
    let tasks = open.get(queue);
    if (!tasks) {
      tasks = new Map();
      open.set(queue, tasks);
    }
    const counts = tasks.get(task);
    if (counts && counts.minute >= minute) return counts;
    if (counts) closed.push(counts);
    const fresh = emptyMinute(queue, task, minute);
    tasks.set(task, fresh);
    return fresh;
  }

  return {
    started(job) {
      const at = job.startedAt;
      const readyAt = readyAtOf(job.reservation);
      if (at === undefined || readyAt === undefined) return;
      const counts = minuteOf(job.reservation.envelope.queue, job.task, at);
      (counts.pickup[pickupBucket(at - readyAt)] as number) += 1;
    },
    settled({ job, type, durationMs }) {
      const field = FIELD_OF[type];
      if (field === undefined || durationMs === undefined || job.startedAt === undefined) return;
      minuteOf(job.reservation.envelope.queue, job.task, job.startedAt + durationMs)[field] += 1;
    },
    take() {
      const minutes = closed;
      closed = [];
      for (const tasks of open.values()) for (const counts of tasks.values()) minutes.push(counts);
      open.clear();
      return minutes;
    },
  };
}

/** The outcomes a minute counts; the worker's other counters (cancelled, released, …) it does not. */
const FIELD_OF: Partial<Record<CounterName, 'completed' | 'failed' | 'retried'>> = {
  completed: 'completed',
  failed: 'failed',
  dead: 'failed',
  retried: 'retried',
};

/**
 * When the job became ready to run, as far as the worker can tell, or undefined when it
 * cannot. A reservation carries the producer's `enqueuedAt` and the attempt, not the time
 * the transport made the job ready, so:
 * - a first attempt counts from `enqueuedAt`, on the producer's clock (the latency read
 *   includes the skew between the producer's and the worker's clocks, and, for a job
 *   enqueued with `delay` or `runAt`, the delay);
 * - a later attempt (a retry after its back-off, a lease reclaimed) is not counted: its
 *   `enqueuedAt` predates its earlier runs.
 */
export function readyAtOf(reservation: Reservation): number | undefined {
  const { envelope } = reservation;
  return envelope.attempt <= 1 ? envelope.enqueuedAt : undefined;
}

/** Index of the pickup bucket for `ms`: the first bound it does not exceed, else the open bucket. */
export function pickupBucket(ms: number): number {
  let index = 0;
  while (index < PICKUP_BUCKETS_MS.length && ms > (PICKUP_BUCKETS_MS[index] as number)) index++;
  return index;
}

function emptyMinute(queue: string, task: string, minute: number): TaskMinute {
  const pickup = new Array<number>(PICKUP_BUCKETS_MS.length + 1).fill(0);
  return { queue, task, minute, completed: 0, failed: 0, retried: 0, pickup };
}
