/**
 * The stored form of a schedule: what `transport.schedules` keeps, and what a worker fires
 * from. A spec is JSON, without the task's code, so that any worker (or the CLI) can fire a
 * schedule declared by another process or made at run time.
 */
import { ENVELOPE_VERSION, type JobEnvelope } from '../envelope.js';
import { InvalidOptionError } from '../errors.js';
import { indexEntriesOf } from '../input-index.js';
import { checkJsonValue, type JsonValue } from '../json.js';
import { type PartitionCounts, routeOf, storedQueueOf } from '../partition-routing.js';
import { resolveRetryPolicy } from '../retry-policy.js';
import { DEFAULT_PRIORITY } from '../task.js';
import type { EnqueueRequest } from '../transport.js';
import type { ScheduleSpec } from '../transport-schedules.js';
import { type AnySchedule, isSchedule } from './define-schedule.js';

/**
 * The spec a transport stores for a schedule: its timing and policies, and its jobs' task,
 * queue, input (as JSON), `maxAttempts`, `priority`, schema fingerprint and indexed fields, worked out from
 * the task (or contract) as `client.enqueue` does for a call without options. On a
 * partitioned queue the spec's queue is one partition: the one the input's `partitionBy`
 * value picks, else the one the schedule's id picks, the same in every process, so that
 * every worker claims the same slot record. `partitions`: the worker's or client's counts
 * for queues whose tasks declare none.
 *
 * @example
 * await transport.schedules.upsert([scheduleSpec(lowStockReport, 'code')]);
 */
export function scheduleSpec(
  schedule: AnySchedule,
  source: 'code' | 'runtime',
  partitions?: PartitionCounts,
): ScheduleSpec {
  if (!isSchedule(schedule)) {
    throw new InvalidOptionError('schedule', schedule, 'a schedule from defineSchedule');
  }
  if (source !== 'code' && source !== 'runtime') {
    throw new InvalidOptionError('source', source, "'code' or 'runtime'");
  }
  const { task } = schedule;
  const input = asJson(schedule.input);
  const queue = storedQueueOf(routeOf(task, partitions), { input, key: schedule.id });
  // A fixed key order, absent keys left out: two processes build equal specs alike.
  const spec: ScheduleSpec = {
    id: schedule.id,
    queue,
    task: task.name,
    ...(schedule.every !== undefined ? { every: schedule.every } : { cron: schedule.cron }),
    tz: schedule.tz,
    input,
    misfire: typeof schedule.misfire === 'object' ? { ...schedule.misfire } : schedule.misfire,
    overlap: schedule.overlap,
    enabled: schedule.enabled,
    source,
    maxAttempts: resolveRetryPolicy(task.retry).attempts,
    priority: task.priority ?? DEFAULT_PRIORITY,
  };
  if (task.fingerprint !== undefined) spec.schema = task.fingerprint;
  if (task.index !== undefined && task.index.length > 0) spec.index = [...task.index];
  return spec;
}

/**
 * Whether storing `next` over `stored` restarts the schedule's slots, so that its mark moves
 * up to the time of the change (conformance [S8]): its timing changed (`every`, `cron`,
 * `tz`: the fields that define the slot sequence), or it was enabled again (the slots while
 * it was disabled are not missed, as after a resume). Any other change (input, task options,
 * schema fingerprint, misfire, overlap) keeps the mark [S8a]: the slots the old spec missed
 * are the new spec's too, and fire by its misfire policy. Redis's upsert-schedules.lua
 * mirrors this.
 */
export function restartsSlots(stored: ScheduleSpec, next: ScheduleSpec): boolean {
  return (
    stored.every !== next.every ||
    stored.cron !== next.cron ||
    stored.tz !== next.tz ||
    (!stored.enabled && next.enabled)
  );
}

/**
 * Whether an upsert of `next` leaves `stored` as it is although they differ (conformance
 * [S7a]): `next` carries no schema fingerprint (its task has none: a worker started with
 * `--tasks`, a client without the generated registry) and differs from `stored` only by that.
 * The stored spec, which knows more, stays, so that processes with and without fingerprints
 * declaring one schedule do not take turns replacing it. A fingerprint added or changed
 * still replaces the stored spec, as does any other difference. Both specs are in their
 * stored form (one field order). Redis's upsert-schedules.lua mirrors this.
 */
export function keepsStoredSchema(stored: ScheduleSpec, next: ScheduleSpec): boolean {
  if (next.schema !== undefined || stored.schema === undefined) return false;
  const { schema: _schema, ...rest } = stored;
  return JSON.stringify(rest) === JSON.stringify(next);
}

/** `<queue>/<id>`: how a worker record and messages name a schedule. */
export function scheduleKey(spec: { readonly queue: string; readonly id: string }): string {
  return `${spec.queue}/${spec.id}`;
}

export interface ScheduleJobOptions {
  /** The job's id: the gate of `schedules.fire` replaces it with the slot's id. */
  id: string;
  /** The envelope's `enqueuedAt`; `fire` replaces it with the transport's clock. */
  enqueuedAt: number;
  /**
   * The task's indexed input fields (`defineTask({ index })`), for a spec stored without
   * them (by an older version); the spec's own `index` comes first.
   */
  index?: readonly string[] | undefined;
}

/**
 * The job of a stored spec, as an enqueue request: what `schedules.fire` enqueues for a
 * slot, and what a run-now enqueues. Built from the spec alone, so a schedule made at run
 * time fires the same way as one declared in code, with the index entries of the spec's
 * indexed fields, as `client.enqueue` sends them.
 */
export function scheduleJob(spec: ScheduleSpec, options: ScheduleJobOptions): EnqueueRequest {
  const envelope: JobEnvelope = {
    v: ENVELOPE_VERSION,
    id: options.id,
    task: spec.task,
    queue: spec.queue,
    input: spec.input,
    attempt: 0,
    maxAttempts: spec.maxAttempts,
    priority: spec.priority,
    enqueuedAt: options.enqueuedAt,
  };
  if (spec.schema !== undefined) envelope.schema = spec.schema;
  const request: EnqueueRequest = { envelope, inputJson: JSON.stringify(spec.input) };
  const fields = spec.index ?? options.index;
  if (fields !== undefined && fields.length > 0) {
    const index = indexEntriesOf(spec.input, fields);
    if (index.length > 0) request.index = index;
  }
  return request;
}

/** The input as the worker will receive it: its JSON form (a Date as its string). */
function asJson(input: unknown): JsonValue {
  const exact = checkJsonValue(input, 'input');
  return exact ? (input as JsonValue) : (JSON.parse(JSON.stringify(input)) as JsonValue);
}
