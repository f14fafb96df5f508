/**
 * Periodic schedules at the broker. The transport stores each schedule (its spec, a
 * paused flag, a revision) and its mark (the last slot claimed); one atomic operation
 * claims a slot and enqueues its job, so that every worker may tick and still each slot
 * fires once. No leader, no lock that can have two owners. The slot math (cron, time
 * zones, misfire) is the caller's.
 */
import type { JsonValue } from './json.js';
import type { EnqueueRequest } from './transport.js';

/** Schedule ids: 1–128 characters from A–Z, a–z, 0–9, `_`, `.`, `:` and `-`. */
export const SCHEDULE_ID_RULE = '1–128 characters from A–Z, a–z, 0–9, "_", ".", ":" and "-"';

const SCHEDULE_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** True when `id` follows {@link SCHEDULE_ID_RULE}. */
export function isScheduleId(id: unknown): id is string {
  return typeof id === 'string' && SCHEDULE_ID.test(id);
}

/** What a schedule does with a slot while its previous job is unfinished. */
export type ScheduleOverlap = 'allow' | 'skip';

/** Slots missed while no worker ticked: none, the newest, or the newest `n`. */
export type ScheduleMisfire = 'skip' | 'latest' | { readonly catchUp: number };

/**
 * A schedule as a transport stores it: everything a worker needs to fire its slots and
 * build their jobs, in JSON form, without the task's code. `(queue, id)` identifies it.
 */
export interface ScheduleSpec {
  /** {@link SCHEDULE_ID_RULE}; unique within `queue`. */
  id: string;
  /** The queue of its jobs. */
  queue: string;
  /** The task name of its jobs. */
  task: string;
  /** Interval in ms (an integer ≥ 1000), for an `every` schedule. */
  every?: number;
  /** The cron pattern, for a `cron` schedule. Exactly one of `every` and `cron`. */
  cron?: string;
  /** IANA zone of the cron pattern; `'UTC'` for `every`. */
  tz: string;
  /** Each job's input, as JSON. */
  input: JsonValue;
  misfire: ScheduleMisfire;
  overlap: ScheduleOverlap;
  /** False: declared disabled; no slot fires (as when paused). */
  enabled: boolean;
  /** Declared in a task module and put by the workers that run it, or made at run time. */
  source: 'code' | 'runtime';
  /** Each job's `maxAttempts` and `priority`, as the task sets them. */
  maxAttempts: number;
  priority: number;
  /** The task's input schema fingerprint, stamped on each job, when known. */
  schema?: string;
  /**
   * The task's indexed input fields (`defineTask({ index })`), when it has any: each job
   * carries their entries, as a job the client enqueues does, wherever it is built.
   */
  index?: string[];
}

/** What a transport keeps of a schedule's firing. */
export interface ScheduleMark {
  /**
   * No slot at or before this fires any more: the latest slot claimed (fired, or skipped
   * for overlap), or, when the spec's timing last changed (or it was enabled or resumed)
   * later than that, the time of the change.
   */
  slotAt: number;
  /** The job of the latest slot that fired; absent until one has. */
  jobId?: string;
  /** That job's slot. */
  jobSlotAt?: number;
  /** Transport clock, ms since the epoch, when that job was enqueued. */
  firedAt?: number;
}

/** A stored schedule, as `list` reports it. */
export interface ScheduleState {
  spec: ScheduleSpec;
  /** Paused by an operator (`pause`); kept across upserts, unlike `spec.enabled`. */
  paused: boolean;
  /** Starts at 1; one more at each upsert that changed the spec. */
  revision: number;
  /** Transport clock when the spec was created or last changed. */
  updatedAt: number;
  /** Null until a slot is claimed, the spec's timing changed or it was enabled or resumed. */
  mark: ScheduleMark | null;
  /**
   * True for a copy another copy of its id on its base queue took over from (stored under
   * another partition count, docs/partitions.md "Schedules"): it fires no slot until an
   * upsert of it takes it back. Absent otherwise.
   */
  superseded?: true;
}

export interface ScheduleList {
  /** The transport's clock (Redis `TIME`) when it answered: the clock of record. */
  now: number;
  /** Sorted by queue, then id. */
  schedules: ScheduleState[];
}

/**
 * - `created`: no schedule had the id in its queue.
 * - `changed`: the spec differed; revision + 1. When its timing (`every`, `cron`, `tz`)
 *   changed, or it was enabled again, the mark moves to at least the time of the change, so
 *   that the new timing starts with its next slot and no slot fires twice; any other change
 *   keeps the mark, so the slots missed before it still fire by the misfire policy.
 * - `unchanged`: the same spec was stored; nothing changed (the mark neither).
 */
export type UpsertOutcome = 'created' | 'changed' | 'unchanged';

export interface FireRequest {
  /** The schedule's id ({@link SCHEDULE_ID_RULE}) within the job's queue. */
  scheduleId: string;
  /** The schedule's revision the job was built from (`ScheduleState.revision`). */
  revision: number;
  /** The slot's time, ms since the epoch: a non-negative integer. */
  slotAt: number;
  /**
   * The slot's job, built from the stored spec. Its id is replaced by
   * `scheduleJobId(queue, scheduleId, slotAt)`, the same in every process, and its
   * `enqueuedAt` by the transport's clock (the fire time); everything else is enqueued
   * as `enqueue` would.
   */
  job: EnqueueRequest;
}

/**
 * Why a fire added no job. Nothing changed, except where said:
 * - `claimed-before`: the slot is at or before the mark's slot, or its job is stored.
 * - `early`: the slot is later than the transport's clock.
 * - `unknown`: no schedule with that id in the job's queue (removed, or never put).
 * - `changed`: the stored revision is not the request's: list again and rebuild the job.
 * - `paused`: paused or not enabled, or a superseded copy ({@link ScheduleState.superseded}).
 * - `overlap`: the spec says `overlap: 'skip'` and the job the schedule last fired is
 *   waiting, delayed or active. The slot is claimed (the mark moves), no job added.
 * - `duplicate`: the job's idempotency key holds an earlier job (`jobId`). The mark moves.
 */
export type FireRefusal =
  | 'claimed-before'
  | 'early'
  | 'unknown'
  | 'changed'
  | 'paused'
  | 'overlap'
  | 'duplicate';

export interface FireResult {
  /** True when this call claimed the slot and added its job. */
  fired: boolean;
  /** The slot's job id (for `duplicate`, the earlier job's). */
  jobId: string;
  reason?: FireRefusal;
}

/**
 * The `schedules` capability. Optional on a {@link Transport}; workers that run schedules,
 * `client.schedules`, `conveyor schedules` and the dashboard need it.
 */
export interface TransportSchedules {
  /**
   * Stores each spec (by `(queue, id)`), atomically per schedule: of 20 concurrent upserts
   * of one id, one creates it and the rest see it. Keeps `paused` and the mark.
   */
  upsert(specs: readonly ScheduleSpec[]): Promise<UpsertOutcome[]>;
  /** Deletes the schedule and its mark; no slot fires after. False when there was none. */
  remove(queue: string, id: string): Promise<boolean>;
  /** Sets the operator's paused flag. False when there is no such schedule. */
  setPaused(queue: string, id: string, paused: boolean): Promise<boolean>;
  /** The stored schedules of the given queues (every queue when omitted) and the clock. */
  list(queues?: readonly string[]): Promise<ScheduleList>;
  /**
   * Claims the slot and enqueues its job in one atomic step: of any number of concurrent
   * calls for a slot, one fires.
   *
   * @example
   * const { fired, jobId } = await transport.schedules.fire({
   *   scheduleId: 'daily-stock', revision: 1, slotAt: 1764054000000, job: { envelope },
   * });
   */
  fire(request: FireRequest): Promise<FireResult>;
}
