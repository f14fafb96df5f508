/**
 * The operator's view of the stored schedules, shared by `client.schedules.list()`,
 * `conveyor schedules` and the dashboard: each schedule with its timing in words, its next
 * fire times, what it last fired, and whether any live worker still declares it.
 */

import type { JsonValue } from '../json.js';
import { baseQueueOf } from '../partitions.js';
import type { JobState, Transport } from '../transport.js';
import type { WorkerRecord } from '../transport-admin.js';
import { requireCapability } from '../transport-capabilities.js';
import type {
  ScheduleMisfire,
  ScheduleOverlap,
  ScheduleSpec,
  ScheduleState,
} from '../transport-schedules.js';
import { nextSlots } from './slots.js';

/** One schedule as operators see it. Times are the transport's clock, ms since the epoch. */
export interface ScheduleRow {
  queue: string;
  id: string;
  task: string;
  /** Interval in ms, for an `every` schedule. */
  every?: number;
  /** The cron pattern, for a `cron` schedule. */
  cron?: string;
  tz: string;
  /** The timing in words: `every 5m`, `cron 0 7 * * * (Europe/Berlin)`. */
  timing: string;
  misfire: ScheduleMisfire;
  overlap: ScheduleOverlap;
  /** Declared in a task module (`code`, put by the workers running it) or made at run time. */
  source: 'code' | 'runtime';
  /** False when declared with `enabled: false`. */
  enabled: boolean;
  /** Paused by an operator. */
  paused: boolean;
  /**
   * Its slots fire on no worker: a `code` schedule that no live worker declares any more (a
   * deploy dropped it, or no worker runs), or a `runtime` one in a queue that no live worker
   * serves (workers fire the runtime schedules of their own queues). Shown, never deleted
   * automatically.
   */
  orphaned: boolean;
  /**
   * A copy that does not fire, because another copy of the id on the same base queue does
   * (a partitioned queue's count changed: docs/partitions.md, "Schedules"). Remove it once
   * the old partitions are drained. Absent on a copy that fires.
   */
  superseded?: true;
  /**
   * The next {@link NEXT_FIRE_COUNT} slots after the transport's clock; `[]` when paused,
   * disabled, orphaned or superseded.
   */
  next: number[];
  /** The slot of the latest job it fired. */
  lastSlotAt?: number;
  /** That job's id. */
  lastJobId?: string;
  /** That job's state now; absent when its record is gone (or it never fired). */
  lastJobState?: JobState;
  /** When that job was enqueued (the fire time); later than its slot when fired late. */
  lastFiredAt?: number;
  revision: number;
  updatedAt: number;
  input: JsonValue;
}

export interface DescribeSchedulesOptions {
  /** Only the schedules of these queues. Default: every queue. */
  queues?: readonly string[];
  /** The transport's clock, ms since the epoch. Default: the clock `list` reports. */
  now?: number;
}

/** How many next fire times a row lists. */
export const NEXT_FIRE_COUNT = 3;

/** Job records read at once for the rows' last jobs. */
const JOB_READS = 16;

/** Refresh interval assumed for a worker record that does not say (the lease heartbeat's default). */
const DEFAULT_HEARTBEAT_MS = 10_000;

/**
 * The stored schedules as rows, sorted by queue then id: one `list`, one `listWorkers`
 * (when the transport has `admin`; without it no schedule counts as orphaned) and one
 * `getJob` per schedule that fired.
 *
 * @example
 * for (const row of await describeSchedules(transport)) {
 *   console.log(row.id, row.timing, row.next.map((t) => new Date(t).toISOString()));
 * }
 */
export async function describeSchedules(
  transport: Transport,
  options: DescribeSchedulesOptions = {},
): Promise<ScheduleRow[]> {
  const schedules = requireCapability(transport, 'schedules', 'Listing schedules');
  const [list, workers] = await Promise.all([
    // A partitioned queue's schedules are stored under its partitions' names: list them all
    // and keep those of the queues asked for, by name or by partition.
    schedules.list(),
    transport.admin ? transport.admin.listWorkers() : Promise.resolve(undefined),
  ]);
  const now = options.now ?? list.now;
  const declared = workers === undefined ? undefined : servedSchedules(workers, now);
  const wanted = options.queues === undefined ? undefined : new Set(options.queues);
  const states =
    wanted === undefined
      ? list.schedules
      : list.schedules.filter(
          ({ spec }) => wanted.has(spec.queue) || wanted.has(baseQueueOf(spec.queue)),
        );
  const rows = states.map((state) => rowOf(state, now, declared));
  await fillLastJobStates(transport, rows);
  return rows;
}

/**
 * Stale: the worker has not refreshed its record for one interval plus at least a second
 * (killed, frozen, or cut off from the broker), by the transport's clock.
 */
export function isWorkerStale(worker: WorkerRecord, now: number): boolean {
  if (typeof worker.heartbeatAt !== 'number') return false;
  const interval = worker.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  return now - worker.heartbeatAt > interval + Math.max(interval, 1_000);
}

/** `every 5m`, `every 1h30m`, `every 1500ms`, or `cron 0 7 * * * (Europe/Berlin)`. */
export function describeTiming(spec: Pick<ScheduleSpec, 'every' | 'cron' | 'tz'>): string {
  if (spec.every !== undefined) return `every ${formatEvery(spec.every)}`;
  return `cron ${spec.cron ?? '?'} (${spec.tz})`;
}

const UNITS: readonly [string, number][] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
];

function formatEvery(ms: number): string {
  if (ms % 1_000 !== 0) return `${ms}ms`;
  let rest = ms;
  let text = '';
  for (const [unit, size] of UNITS) {
    const count = Math.floor(rest / size);
    if (count > 0) text += `${count}${unit}`;
    rest -= count * size;
  }
  return text;
}

/** `<queue>/<id>` of every schedule a live worker declares. */
export function declaredSchedules(workers: readonly WorkerRecord[], now: number): Set<string> {
  return servedSchedules(workers, now).declared;
}

/**
 * What live workers fire: the schedules they declare (`<queue>/<id>`), and the queues whose
 * runtime schedules they fire (their own queues, and those of the schedules they declare).
 */
function servedSchedules(
  workers: readonly WorkerRecord[],
  now: number,
): { declared: Set<string>; queues: Set<string> } {
  const declared = new Set<string>();
  const queues = new Set<string>();
  for (const worker of workers) {
    if (isWorkerStale(worker, now)) continue;
    const own = (worker as { queues?: unknown }).queues;
    if (Array.isArray(own))
      for (const queue of own) if (typeof queue === 'string') queues.add(queue);
    const names = (worker as { schedules?: unknown }).schedules;
    if (!Array.isArray(names)) continue;
    for (const name of names) {
      if (typeof name !== 'string') continue;
      declared.add(name);
      const slash = name.indexOf('/');
      if (slash > 0) queues.add(name.slice(0, slash));
    }
  }
  return { declared, queues };
}

function rowOf(
  state: ScheduleState,
  now: number,
  served: { declared: Set<string>; queues: Set<string> } | undefined,
): ScheduleRow {
  const { spec, mark } = state;
  const row: ScheduleRow = {
    queue: spec.queue,
    id: spec.id,
    task: spec.task,
    tz: spec.tz,
    timing: describeTiming(spec),
    misfire: spec.misfire,
    overlap: spec.overlap,
    source: spec.source,
    enabled: spec.enabled,
    paused: state.paused,
    orphaned:
      served !== undefined &&
      (spec.source === 'code'
        ? !served.declared.has(`${spec.queue}/${spec.id}`)
        : !served.queues.has(spec.queue)),
    next: [],
    revision: state.revision,
    updatedAt: state.updatedAt,
    input: spec.input,
  };
  if (spec.every !== undefined) row.every = spec.every;
  if (spec.cron !== undefined) row.cron = spec.cron;
  if (state.superseded) row.superseded = true;
  // An orphaned schedule fires on no worker until one declares it again; a superseded copy
  // fires on none until it takes over.
  if (spec.enabled && !state.paused && !row.orphaned && !row.superseded) {
    row.next = upcoming(spec, now);
  }
  if (mark?.jobId !== undefined) {
    row.lastJobId = mark.jobId;
    if (mark.jobSlotAt !== undefined) row.lastSlotAt = mark.jobSlotAt;
    if (mark.firedAt !== undefined) row.lastFiredAt = mark.firedAt;
  }
  return row;
}

function upcoming(spec: ScheduleSpec, now: number): number[] {
  try {
    return nextSlots(spec, now, NEXT_FIRE_COUNT);
  } catch {
    // A stored pattern this version cannot read (written by a newer one): no times to show.
    return [];
  }
}

/** Reads the last job of each row that has one, {@link JOB_READS} at a time. */
async function fillLastJobStates(transport: Transport, rows: ScheduleRow[]): Promise<void> {
  const pending = rows.filter((row) => row.lastJobId !== undefined);
  let next = 0;
  const reader = async (): Promise<void> => {
    for (let row = pending[next++]; row !== undefined; row = pending[next++]) {
      const job = await transport.getJob(row.lastJobId as string);
      if (job) row.lastJobState = job.state;
    }
  };
  await Promise.all(Array.from({ length: Math.min(JOB_READS, pending.length) }, reader));
}
