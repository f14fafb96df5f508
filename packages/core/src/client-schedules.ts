/**
 * `client.schedules`: schedules made at run time (per customer, per tenant) and the
 * operator's actions on any stored schedule. A thin layer over `transport.schedules`: an id
 * is looked up across queues, and each job is built from the stored spec, so a schedule
 * declared in another process's code can be paused or run now from here.
 */
import { AmbiguousScheduleError, InvalidOptionError, ScheduleNotFoundError } from './errors.js';
import { newJobId } from './ids.js';
import { createJobHandle, type JobHandle } from './job-handle.js';
import { checkedOptions, type KnownKeys } from './known-keys.js';
import { type Logger, silentLogger } from './logger.js';
import type { PartitionCounts } from './partition-routing.js';
import { baseQueueOf } from './partitions.js';
import type { AnySchedule } from './schedule/define-schedule.js';
import { declaredSchedules, describeSchedules, type ScheduleRow } from './schedule/describe.js';
import { scheduleJob, scheduleSpec } from './schedule/spec.js';
import { assertQueueOption } from './task.js';
import type { Transport } from './transport.js';
import { requireCapability } from './transport-capabilities.js';
import {
  isScheduleId,
  SCHEDULE_ID_RULE,
  type ScheduleSpec,
  type ScheduleState,
  type TransportSchedules,
  type UpsertOutcome,
} from './transport-schedules.js';

/** Which schedule an id means: needed only when the id is stored in more than one queue. */
export interface ScheduleLookup {
  /** The schedule's queue (its task's queue; for a partitioned queue, its name or the partition's). */
  queue?: string;
}

const LOOKUP_KEYS = { queue: true } as const satisfies KnownKeys<ScheduleLookup>;
const LIST_KEYS = { queues: true } as const satisfies KnownKeys<{ queues?: unknown }>;
// A misspelt `{ queu: 'old' }` was dropped, and the id then matched in any queue: a remove
// could delete the schedule of another queue than the one named.
const LOOKUP_EXAMPLE = "{ queue: 'reports' }";

export interface ClientSchedules {
  /**
   * Stores a schedule made at run time (`source: 'runtime'`), or changes the stored one with
   * its id in its task's queue; workers serving that queue fire it from their next refresh.
   * Idempotent: the same definition again answers `'unchanged'` and moves nothing. A change
   * takes effect from the next slot and never fires a slot twice. A schedule a live worker
   * declares in code gets the code's spec back when a worker declaring it starts (the
   * client's logger warns when that is the case).
   *
   * @example
   * await client.schedules.upsert(
   *   defineSchedule({ id: `report.${tenant}`, task: sendReport, cron: '0 7 * * *', input: { tenant } }),
   * );
   */
  upsert(schedule: AnySchedule): Promise<UpsertOutcome>;
  /** Every stored schedule (or those of `queues`) with its next fire times and last job. */
  list(options?: { queues?: readonly string[] }): Promise<ScheduleRow[]>;
  /**
   * Deletes the schedule: no slot fires after. False when there was no such schedule. A
   * schedule declared in code is stored again by a live worker that declares it, at its next
   * list (the client's logger warns when that is the case): remove one that no live worker
   * declares (orphaned), and pause one to stop it.
   */
  remove(id: string, lookup?: ScheduleLookup): Promise<boolean>;
  /** Stops the schedule firing until `resume`; kept across upserts and deploys. */
  pause(id: string, lookup?: ScheduleLookup): Promise<void>;
  resume(id: string, lookup?: ScheduleLookup): Promise<void>;
  /**
   * Enqueues the schedule's job now, outside its slots: a plain job with a new id, built
   * from the stored spec (also when paused). Its slots are unaffected.
   */
  runNow(id: string, lookup?: ScheduleLookup): Promise<JobHandle<unknown>>;
}

/**
 * The stored schedule `id` of `queue`, or of any queue when `queue` is undefined. `queue` is
 * a stored name (`reports`, `emails~3of8`) or a partitioned queue's name (`emails`): a
 * partitioned queue's schedule is stored under the partition its input or id picked, which
 * only the stored spec tells (the caller may not know the count or the input), so the
 * schedules are listed and matched by stored name first, then by their queue's name.
 * Throws `SCHEDULE_NOT_FOUND` when none matches and `SCHEDULE_AMBIGUOUS` when several do
 * (an id in two queues, or in two partitions of one after its count changed).
 *
 * @example
 * const { spec } = await findSchedule(transport.schedules, 'shop.digest', 'emails');
 * spec.queue; // 'emails~3of8'
 */
export async function findSchedule(
  schedules: TransportSchedules,
  id: string,
  queue?: string,
): Promise<ScheduleState> {
  if (!isScheduleId(id)) throw new InvalidOptionError('schedule id', id, SCHEDULE_ID_RULE);
  if (queue !== undefined && baseQueueOf(queue) === queue) assertQueueOption(queue);
  const { schedules: states } = await schedules.list();
  const ofId = states.filter(({ spec }) => spec.id === id);
  let found = queue === undefined ? ofId : ofId.filter(({ spec }) => spec.queue === queue);
  if (queue !== undefined && found.length === 0) {
    found = ofId.filter(({ spec }) => baseQueueOf(spec.queue) === queue);
  }
  const [first] = found;
  if (first === undefined) throw new ScheduleNotFoundError(id, queue);
  if (found.length > 1) {
    // The copy that fires (not superseded by another partition count) first: the error
    // proposes the first queue.
    const ordered = [...found].sort(
      (a, b) => Number(a.superseded ?? false) - Number(b.superseded ?? false),
    );
    throw new AmbiguousScheduleError(
      id,
      ordered.map((state) => state.spec.queue),
    );
  }
  return first;
}

/**
 * `client.schedules` over a transport. Each call needs `transport.schedules` and throws
 * `CAPABILITY_MISSING` without it; an id no schedule has throws `SCHEDULE_NOT_FOUND`, and
 * one stored in two queues, given without `{ queue }`, `SCHEDULE_AMBIGUOUS`.
 */
export function createClientSchedules(
  transport: Transport,
  partitions?: PartitionCounts,
  logger: Logger = silentLogger,
): ClientSchedules {
  const capability = (what: string): TransportSchedules =>
    requireCapability(transport, 'schedules', `client.schedules.${what}`);

  /**
   * Whether a live worker declares `spec` in its code: such a schedule comes back at that
   * worker's next list after a removal, and its code's spec is stored back over an upsert
   * when a worker declaring it starts (docs/schedules.md §7).
   */
  const declaredLive = async (schedules: TransportSchedules, spec: ScheduleSpec) => {
    const { admin } = transport;
    if (!admin) return false;
    const key = `${spec.queue}/${spec.id}`;
    try {
      // Most upserts (a schedule per tenant) name an id no worker declares: one read.
      const workers = await admin.listWorkers();
      if (!workers.some((worker) => worker.schedules?.includes(key))) return false;
      // Staleness is judged by the transport's clock, as the schedule list reads it.
      const { now } = await schedules.list([spec.queue]);
      return declaredSchedules(workers, now).has(key);
    } catch {
      return false;
    }
  };

  const setPaused = async (
    what: string,
    id: string,
    lookup: ScheduleLookup | undefined,
    paused: boolean,
  ): Promise<void> => {
    const schedules = capability(what);
    const { queue } =
      checkedOptions(lookup, LOOKUP_KEYS, `client.schedules.${what}`, LOOKUP_EXAMPLE) ?? {};
    const { spec } = await findSchedule(schedules, id, queue);
    // Removed since the lookup: as if it had never been there.
    if (!(await schedules.setPaused(spec.queue, spec.id, paused))) {
      throw new ScheduleNotFoundError(id, spec.queue);
    }
  };

  return {
    async upsert(schedule) {
      const schedules = capability('upsert');
      const spec = scheduleSpec(schedule, 'runtime', partitions);
      const [outcome] = await schedules.upsert([spec]);
      if (outcome !== 'unchanged' && (await declaredLive(schedules, spec))) {
        logger.warn(
          { schedule: `${spec.queue}/${spec.id}` },
          `Schedule ${JSON.stringify(spec.id)} is declared in the code of a live worker: this upsert replaces it only until a worker declaring it starts, which stores the code's spec back. To change it for good, change it in the code; for a schedule of its own, upsert it under another id.`,
        );
      }
      return outcome as UpsertOutcome;
    },
    async list(options) {
      capability('list');
      const { queues } =
        checkedOptions(options, LIST_KEYS, 'client.schedules.list', "{ queues: ['reports'] }") ??
        {};
      return describeSchedules(transport, queues ? { queues } : {});
    },
    async remove(id, lookup) {
      const schedules = capability('remove');
      const { queue } =
        checkedOptions(lookup, LOOKUP_KEYS, 'client.schedules.remove', LOOKUP_EXAMPLE) ?? {};
      let spec: ScheduleSpec;
      try {
        ({ spec } = await findSchedule(schedules, id, queue));
      } catch (error) {
        if (error instanceof ScheduleNotFoundError) return false;
        throw error;
      }
      const removed = await schedules.remove(spec.queue, spec.id);
      if (removed && spec.source === 'code' && (await declaredLive(schedules, spec))) {
        logger.warn(
          { schedule: `${spec.queue}/${spec.id}` },
          `Schedule ${JSON.stringify(spec.id)} is declared in the code of a live worker, which stores it again at its next list: the removal does not stop it. Pause it (client.schedules.pause), or take it out of the code of every worker before removing it.`,
        );
      }
      return removed;
    },
    pause: (id, lookup) => setPaused('pause', id, lookup, true),
    resume: (id, lookup) => setPaused('resume', id, lookup, false),
    async runNow(id, lookup) {
      const schedules = capability('runNow');
      const { queue } =
        checkedOptions(lookup, LOOKUP_KEYS, 'client.schedules.runNow', LOOKUP_EXAMPLE) ?? {};
      const { spec } = await findSchedule(schedules, id, queue);
      const request = scheduleJob(spec, { id: newJobId(spec.queue), enqueuedAt: Date.now() });
      const [result] = await transport.enqueue([request]);
      const jobId = result?.id ?? request.envelope.id;
      return createJobHandle<unknown>(transport, jobId, result?.duplicate ?? false);
    },
  };
}
