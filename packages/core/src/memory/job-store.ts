import type { JobEnvelope } from '../envelope.js';
import { newLeaseToken } from '../ids.js';
import { attemptError, type JobError } from '../job-error.js';
import {
  ATTEMPT_HISTORY_LIMIT,
  type JobRecord,
  type JobState,
  type Reservation,
  removedRecord,
} from '../transport.js';
import { leaseExpiry } from './lease-expiry.js';
import { createReadyQueue, type ReadyQueue, type ReadyTicket } from './ready-queue.js';
import { createSchedule, type ScheduleEntry } from './schedule.js';

/** A job and the handles that locate it in the store's structures. */
export interface StoredJob {
  readonly record: JobRecord;
  /** Token of the current delivery, while `active`. */
  token?: string;
  /** Place in its ready queue, while `waiting`. */
  ticket?: ReadyTicket;
  /** Entry in the delayed schedule, while `delayed`. */
  due?: ScheduleEntry<string>;
  /** Entry in the lease schedule, while `active`. */
  lease?: ScheduleEntry<string>;
  /** UTF-8 size of the input's JSON, for reservations. */
  readonly inputBytes?: number;
  /** While `active`: its worker holds it unstarted (reserved past `startNow`) [R27]. */
  held?: boolean;
  /** Expired leases of it not counted because it had not started [R27]. */
  refunds?: number;
  /**
   * Stamped at each move between states, increasing (a move to the head of a ready queue
   * counts down from 0 instead, so it sorts before every tail): breaks ties between jobs
   * that `admin.listJobs` sorts by the same time or priority [A10].
   */
  moved: number;
  /** Stamped when the job was stored, increasing: the index lists newest first by it [A11]. */
  readonly added: number;
}

export interface JobStoreOptions {
  defaultResultTtlMs: number;
  /** A job of `queue` became ready to deliver. */
  onReady(queue: string): void;
  /** A job reached a final state. */
  /** `removed`: the last record of a job completed with `remove: true` (R13), for its waiters. */
  onFinal(jobId: string, removed?: JobRecord): void;
}

/**
 * The memory transport's data and the state moves every operation is built from. It
 * keeps the structures consistent with each record's `state`; the rules that pick a move
 * ([R10]..[R24]) live in `settlement.ts` and `dead-letters.ts`.
 */
export interface JobStore {
  get(id: string): StoredJob | undefined;
  /** Stores a new job, `delayed` when `dueAt` is in the future, else `waiting` [R3, R4]. */
  add(
    envelope: JobEnvelope,
    dueAt: number | undefined,
    now: number,
    inputBytes?: number,
  ): StoredJob;
  /**
   * Applies everything that came due by `now`, in time order: delayed jobs become
   * ready, expired leases are reclaimed [R11], and records past their TTL are forgotten.
   * `renewing` (job id → token) names leases whose holder is renewing them in this call:
   * one of those that ran out is dead-lettered with a reason saying its holder was alive.
   */
  advance(now: number, renewing?: ReadonlyMap<string, string>): void;
  /** Next deliverable job of `queue`, expiring the stale ones it meets [R9]. */
  take(queue: string, now: number): StoredJob | undefined;
  /** Leases a job taken from its queue [R6]; `held`: its worker does not start it yet [R27]. */
  deliver(
    job: StoredJob,
    now: number,
    leaseMs: number,
    consumer: string,
    held?: boolean,
  ): Reservation;
  /** True when `token` names the current delivery and its lease is still valid [R10, R12]. */
  holds(job: StoredJob, token: string, now: number): boolean;
  extendLease(job: StoredJob, leaseMs: number, now: number): void;
  /** Forgets the lease of an `active` job, before it moves on. */
  endDelivery(job: StoredJob): void;
  makeWaiting(job: StoredJob, end: 'head' | 'tail'): void;
  makeDelayed(job: StoredJob, dueAt: number): void;
  /** Takes a `waiting` or `delayed` job out of its queue or schedule. */
  unqueue(job: StoredJob): void;
  /** Moves a job to a final state; `dead` joins the dead-letter set, others get a TTL. */
  finish(job: StoredJob, state: JobState, now: number, ttlMs?: number): void;
  /** Dead job ids of a queue, oldest first. Callers must not modify it. */
  deadOf(queue: string): ReadonlySet<string>;
  /** Takes a job out of its queue's dead-letter set; false when it was not there. */
  undead(queue: string, id: string): boolean;
  /** Deletes a record. Only for jobs that are final and in no structure (purged dead). */
  forget(id: string): void;
  /** Deletes a job that completes with `removeOnComplete`, after its delivery ended. */
  remove(job: StoredJob, now: number): void;
  nextDueAt(): number | undefined;
  nextLeaseExpiry(): number | undefined;
  /** Every queue that has held a job, in first-use order (operator tools). */
  queues(): Iterable<string>;
  /** Every stored job (operator tools: counts and purge scan, which suits a test transport). */
  jobs(): Iterable<StoredJob>;
}

export function createJobStore(options: JobStoreOptions): JobStore {
  const jobs = new Map<string, StoredJob>();
  const readyQueues = new Map<string, ReadyQueue>();
  const delayed = createSchedule<string>();
  const leases = createSchedule<string>();
  const recordExpiry = createSchedule<string>();
  const deadSets = new Map<string, Set<string>>();
  const knownQueues = new Set<string>();
  const noDead: ReadonlySet<string> = new Set();
  let lastMove = 0;
  let lastHeadMove = 0;

  function readyQueue(queue: string): ReadyQueue {
    let ready = readyQueues.get(queue);
    if (!ready) {
      ready = createReadyQueue();
      readyQueues.set(queue, ready);
    }
    return ready;
  }

  function makeWaiting(job: StoredJob, end: 'head' | 'tail'): void {
    const { record } = job;
    const { queue, priority } = record.envelope;
    record.state = 'waiting';
    delete record.dueAt;
    job.moved = end === 'head' ? --lastHeadMove : ++lastMove;
    const ready = readyQueue(queue);
    job.ticket =
      end === 'head' ? ready.pushHead(record.id, priority) : ready.pushTail(record.id, priority);
    options.onReady(queue);
  }

  function makeDelayed(job: StoredJob, dueAt: number): void {
    job.record.state = 'delayed';
    job.record.dueAt = dueAt;
    job.moved = ++lastMove;
    job.due = delayed.add(job.record.id, dueAt);
  }

  function endDelivery(job: StoredJob): void {
    if (job.lease) leases.remove(job.lease);
    job.lease = undefined;
    job.token = undefined;
    delete job.record.leaseExpiresAt;
    delete job.record.consumer;
  }

  function finish(job: StoredJob, state: JobState, now: number, ttlMs?: number): void {
    const { record } = job;
    record.state = state;
    record.finishedAt = now;
    job.moved = ++lastMove;
    if (state === 'dead') {
      let dead = deadSets.get(record.envelope.queue);
      if (!dead) {
        dead = new Set();
        deadSets.set(record.envelope.queue, dead);
      }
      dead.add(record.id);
    } else {
      recordExpiry.add(record.id, now + (ttlMs ?? options.defaultResultTtlMs));
    }
    options.onFinal(record.id);
  }

  function reclaim(job: StoredJob, now: number, holderAlive: boolean): void {
    const { record } = job;
    job.lease = undefined; // already popped from the lease schedule
    endDelivery(job);
    const { error, refund } = leaseExpiry(job, holderAlive);
    noteFailedAttempt(record, error, now, refund);
    job.held = undefined;
    if (record.cancelRequested) {
      finish(job, 'cancelled', now);
    } else if (refund) {
      // Never started: back at the head, as a release, its attempt not counted [R27].
      record.attempts = Math.max(0, record.attempts - 1);
      job.refunds = (job.refunds ?? 0) + 1;
      makeWaiting(job, 'head');
    } else if (record.attempts >= record.envelope.maxAttempts) {
      record.error = error;
      finish(job, 'dead', now);
    } else {
      makeWaiting(job, 'tail');
    }
  }

  function jobOf(entry: ScheduleEntry<string>): StoredJob {
    // Schedules only ever hold ids of stored jobs, and entries leave with their job.
    return jobs.get(entry.value) as StoredJob;
  }

  return {
    get: (id) => jobs.get(id),

    add(envelope, dueAt, now, inputBytes) {
      const job: StoredJob = {
        record: { id: envelope.id, state: 'waiting', envelope, attempts: 0, enqueuedAt: now },
        moved: 0,
        added: ++lastMove,
        ...(inputBytes !== undefined && { inputBytes }),
      };
      jobs.set(envelope.id, job);
      knownQueues.add(envelope.queue);
      if (dueAt !== undefined && dueAt > now) makeDelayed(job, dueAt);
      else makeWaiting(job, 'tail');
      return job;
    },

    advance(now, renewing) {
      // Merge the two schedules by time, so that jobs join their queues in the order
      // they became ready even when several deadlines passed unobserved [R7].
      for (;;) {
        const due = delayed.peek();
        const lease = leases.peek();
        const dueReady = due !== undefined && due.dueAt <= now;
        const leaseReady = lease !== undefined && lease.dueAt <= now;
        if (dueReady && (!leaseReady || due.dueAt <= lease.dueAt)) {
          delayed.pop();
          const job = jobOf(due);
          job.due = undefined;
          makeWaiting(job, 'tail');
        } else if (leaseReady) {
          leases.pop();
          const job = jobOf(lease);
          const token = renewing?.get(job.record.id);
          reclaim(job, now, token !== undefined && token === job.token);
        } else {
          break;
        }
      }
      for (let next = recordExpiry.peek(); next && next.dueAt <= now; next = recordExpiry.peek()) {
        recordExpiry.pop();
        jobs.delete(next.value);
      }
    },

    take(queue, now) {
      const ready = readyQueues.get(queue);
      for (let ticket = ready?.pop(); ticket; ticket = ready?.pop()) {
        const job = jobs.get(ticket.jobId);
        if (!job || job.ticket !== ticket) continue; // defensive: a live ticket is always current
        job.ticket = undefined;
        const { expiresAt } = job.record.envelope;
        if (expiresAt !== undefined && now >= expiresAt) {
          finish(job, 'expired', now);
          continue;
        }
        return job;
      }
      return undefined;
    },

    deliver(job, now, leaseMs, consumer, held) {
      const { record } = job;
      job.held = held === true ? true : undefined;
      record.state = 'active';
      record.attempts += 1;
      record.startedAt = now;
      record.consumer = consumer;
      record.leaseExpiresAt = now + leaseMs;
      job.moved = ++lastMove;
      job.token = newLeaseToken();
      job.lease = leases.add(record.id, record.leaseExpiresAt);
      const envelope = structuredClone(record.envelope);
      envelope.attempt = record.attempts;
      const reservation: Reservation = {
        envelope,
        token: job.token,
        leaseExpiresAt: record.leaseExpiresAt,
      };
      if (job.inputBytes !== undefined) reservation.inputBytes = job.inputBytes;
      return reservation;
    },

    holds(job, token, now) {
      const { leaseExpiresAt } = job.record;
      return (
        job.record.state === 'active' &&
        job.token === token &&
        leaseExpiresAt !== undefined &&
        now < leaseExpiresAt
      );
    },

    extendLease(job, leaseMs, now) {
      if (job.lease) leases.remove(job.lease);
      job.record.leaseExpiresAt = now + leaseMs;
      job.lease = leases.add(job.record.id, job.record.leaseExpiresAt);
    },

    endDelivery,
    makeWaiting,
    makeDelayed,

    unqueue(job) {
      if (job.ticket) readyQueues.get(job.record.envelope.queue)?.remove(job.ticket);
      if (job.due) delayed.remove(job.due);
      job.ticket = undefined;
      job.due = undefined;
    },

    finish,
    deadOf: (queue) => deadSets.get(queue) ?? noDead,

    undead(queue, id) {
      const dead = deadSets.get(queue);
      if (!dead?.delete(id)) return false;
      if (dead.size === 0) deadSets.delete(queue);
      return true;
    },

    forget(id) {
      jobs.delete(id);
    },

    remove(job, now) {
      const { record } = job;
      record.state = 'completed';
      jobs.delete(record.id);
      // Whoever waits on it is told that it completed, with no result kept.
      options.onFinal(record.id, removedRecord(structuredClone(record), now));
    },

    nextDueAt: () => delayed.peek()?.dueAt,
    nextLeaseExpiry: () => leases.peek()?.dueAt,
    queues: () => knownQueues,
    jobs: () => jobs.values(),
  };
}

/**
 * Appends an attempt that ended in an error to the record's history, keeping the newest
 * {@link ATTEMPT_HISTORY_LIMIT} [R26]. Call while `attempts` and `startedAt` still describe
 * the attempt that ended; `givenBack` marks one not counted [R27].
 */
export function noteFailedAttempt(
  record: JobRecord,
  error: JobError,
  now: number,
  givenBack = false,
): void {
  record.history ??= [];
  const { history } = record;
  history.push({
    attempt: record.attempts,
    ...(record.startedAt !== undefined && { startedAt: record.startedAt }),
    endedAt: now,
    error: structuredClone(attemptError(error)),
    ...(givenBack && { counted: false as const }),
  });
  if (history.length > ATTEMPT_HISTORY_LIMIT)
    history.splice(0, history.length - ATTEMPT_HISTORY_LIMIT);
}
