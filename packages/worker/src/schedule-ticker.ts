import {
  type AnyTaskDefinition,
  type Clock,
  type FireResult,
  type Logger,
  nextSlots,
  type ScheduleSpec,
  type ScheduleState,
  scheduleJob,
  scheduleKey,
  type TimerHandle,
  type TransportSchedules,
} from '@conveyor/core';
import { createOutage, outageKind, outageLength, scheduleJobId } from '@conveyor/core/transport';
import { dueSlots } from '@conveyor/core/worker';
import { createScheduleInputCheck } from './schedule-input-check.js';
import { createDeclaredSchedules } from './schedule-restore.js';

/** Default for `schedulesRefreshMs`: how soon a runtime upsert, pause or removal is seen. */
export const DEFAULT_SCHEDULES_REFRESH_MS = 5_000;

/** After an `early` refusal (the broker's clock is behind the slot): ask again this soon. */
const EARLY_RETRY_MS = 200;

/** Shortest sleep between ticks, so that a slot left unfired never makes a busy loop. */
const MIN_WAIT_MS = 10;

/**
 * Schedules whose due slots are fired at once; the slots of one schedule go in order. The
 * fires share the transport's connection, so this is how many round trips overlap.
 */
const FIRE_CONCURRENCY = 32;

export interface ScheduleTickerOptions {
  schedules: TransportSchedules;
  /**
   * The worker's own schedules (`source: 'code'`), stored by {@link ScheduleTicker.register},
   * and stored again by a tick that finds one missing (the broker lost its data).
   */
  declared: readonly ScheduleSpec[];
  /** The queues whose stored schedules this worker fires. */
  queues: readonly string[];
  refreshMs: number;
  clock: Clock;
  logger: Logger;
  /** [0, 1): shuffles the fire order, so that workers do not contend in lockstep. */
  random: () => number;
  /**
   * The task's definition, when this worker has it: its indexed input fields go with each job,
   * and a slot fires only when the schedule's input passes its schema (schedule-input-check.ts).
   */
  taskOf(task: string): AnyTaskDefinition | undefined;
  /** A slot this worker claimed and enqueued a job for. */
  onFired(spec: ScheduleSpec, slotAt: number, jobId: string): void;
}

export interface ScheduleTicker {
  /** Stores the declared specs; rejects when the transport refuses them. */
  register(): Promise<void>;
  /** Ticks now, then at each next slot or refresh, until {@link ScheduleTicker.stop}. */
  start(): void;
  /** Stops ticking; resolves once the tick in progress is done. Never rejects. */
  stop(): Promise<void>;
}

/**
 * The worker's schedule loop. Every worker ticks; the transport's atomic `fire` makes each
 * slot fire once between them, so there is no leader. A tick lists the stored schedules of
 * the worker's queues (and the clock of record, the transport's), fires each schedule's due
 * slots, oldest first, from the stored spec (so schedules made at run time fire too), and
 * sleeps until the earliest next slot or the refresh interval, on the worker's clock
 * corrected by the offset to the transport's.
 */
export function createScheduleTicker(options: ScheduleTickerOptions): ScheduleTicker {
  const { schedules, declared, queues, refreshMs, clock, logger, random } = options;
  const declaredKeys = new Set(declared.map(scheduleKey));
  const owned = createDeclaredSchedules({ schedules, declared, logger });
  const checkInput = createScheduleInputCheck({
    taskOf: options.taskOf,
    logger,
    clock,
    timeoutMs: refreshMs,
  });
  let stopped = false;
  let timer: TimerHandle | undefined;
  let ticking: Promise<void> | undefined;
  // Failed listings: said at the first, on a changed error, each minute, and when it works.
  const listOutage = createOutage();
  // Schedules whose last fire failed: logged once until one succeeds again.
  const failing = new Set<string>();
  // Per schedule, after a turn that left nothing due: its next slot, valid while the
  // revision and the mark stay as they were. Refresh ticks then cost no slot math.
  let settled = new Map<string, Settled>();
  // The last list, reused by a tick that wakes for a slot less than refreshMs after it: a
  // fire is atomic and checks the revision, so a stale state costs at most a refused fire.
  let cached: { states: ScheduleState[]; listedAt: number; offset: number } | undefined;
  // Whether the next tick wakes for a slot (it may reuse `cached`) or for the refresh.
  let wakeForSlot = false;
  // A fire found the stored schedule changed, paused or removed: the next tick lists.
  let mustList = true;

  /**
   * One schedule's turn: fires its due slots, oldest first. Returns when to look again
   * (transport clock), or undefined to leave it to the refresh.
   */
  async function fireDue(
    state: ScheduleState,
    now: number,
    math: SlotMath,
  ): Promise<number | undefined> {
    const { spec, revision } = state;
    const key = scheduleKey(spec);
    const markSlot = owned.markOf(state);
    const known = settled.get(key);
    if (
      known?.revision === revision &&
      known.markSlot === markSlot &&
      (known.next === undefined || known.next > now)
    ) {
      return known.next;
    }
    settled.delete(key);
    try {
      const due = math.due(spec, markSlot);
      // Checked once per turn with a slot due, not per slot: the input is the same.
      if (due.length > 0 && !(await checkInput(spec, revision))) {
        return undefined;
      }
      for (const slotAt of due) {
        if (stopped) return undefined;
        const result = await schedules.fire({
          scheduleId: spec.id,
          revision,
          slotAt,
          job: scheduleJob(spec, {
            id: scheduleJobId(spec.queue, spec.id, slotAt),
            enqueuedAt: clock.now(),
            index: options.taskOf(spec.task)?.index,
          }),
        });
        const wakeAt = afterFire(state, slotAt, result, now);
        if (wakeAt !== undefined) return wakeAt;
      }
      if (failing.delete(key)) logger.info({ schedule: key }, 'schedule fires again');
      const next = math.next(spec);
      settled.set(key, { revision, markSlot: owned.markOf(state), next });
      return next;
    } catch (error) {
      if (!failing.has(key)) {
        failing.add(key);
        logger.error(
          { err: error, schedule: key },
          'firing a schedule failed; retrying at the next refresh',
        );
      }
      return undefined;
    }
  }

  /** Handles a fire's answer; a wake time when the rest of this schedule's slots must wait. */
  function afterFire(
    state: ScheduleState,
    slotAt: number,
    result: FireResult,
    now: number,
  ): number | undefined {
    const { spec } = state;
    if (result.reason !== 'early' && result.reason !== 'changed' && result.reason !== 'unknown') {
      if (result.reason === 'paused') {
        mustList = true;
        return Number.POSITIVE_INFINITY;
      }
      // The slot is claimed, by this fire or another: keep the cached mark up to date.
      if ((state.mark?.slotAt ?? Number.NEGATIVE_INFINITY) < slotAt) {
        state.mark = { ...state.mark, slotAt };
      }
    }
    if (result.fired) {
      options.onFired(spec, slotAt, result.jobId);
      return undefined;
    }
    switch (result.reason) {
      case 'early':
        return now + EARLY_RETRY_MS;
      case 'changed':
        // The spec changed since the list: list again now and fire from the new one.
        mustList = true;
        return now;
      case 'unknown':
        // Removed since the list: the next list drops it.
        mustList = true;
        return Number.POSITIVE_INFINITY;
      case 'duplicate':
        logger.warn(
          { schedule: scheduleKey(spec), slotAt, jobId: result.jobId },
          "a schedule's job matched an earlier job's idempotency key: the slot is claimed, no job added",
        );
        return undefined;
      default:
        // claimed-before (another worker fired it) or overlap (the slot is claimed, no job).
        return undefined;
    }
  }

  /**
   * Whether this worker fires a stored schedule: enabled and not paused, and made at run
   * time or declared by this worker. A schedule declared in code that no running worker
   * declares any more (orphaned) stays stored, and fires again once one declares it.
   */
  function firesHere(state: ScheduleState): boolean {
    const { spec } = state;
    if (!spec.enabled || state.paused) return false;
    return spec.source === 'runtime' || declaredKeys.has(scheduleKey(spec));
  }

  /** One tick; returns how long to sleep, in ms of the worker's clock. */
  async function tick(): Promise<number> {
    let listing = cached;
    let now: number;
    if (
      listing === undefined ||
      !wakeForSlot ||
      mustList ||
      clock.now() - listing.listedAt >= refreshMs
    ) {
      let listed: Awaited<ReturnType<TransportSchedules['list']>>;
      try {
        listed = await schedules.list(queues);
        // A declared schedule missing (the broker lost its data) is stored again, then seen.
        if (await owned.restoreMissing(listed.schedules)) listed = await schedules.list(queues);
      } catch (error) {
        const report = listOutage.failed(clock.now(), outageKind(error));
        if (report?.reason === 'reminder') {
          const { failures, failingForMs } = report;
          logger.warn(
            { err: error, failures, failingForMs },
            `listing the schedules still fails after ${outageLength(failingForMs)} (${failures} tries); retrying`,
          );
        } else if (report) {
          logger.warn({ err: error }, 'listing the schedules failed; retrying');
        }
        wakeForSlot = false;
        return refreshMs;
      }
      const ended = listOutage.recovered(clock.now());
      if (ended) {
        logger.info(
          ended,
          `listing the schedules works again, after ${outageLength(ended.failingForMs)} and ${ended.failures} failed ${ended.failures === 1 ? 'try' : 'tries'}`,
        );
      }
      mustList = false;
      now = listed.now;
      const listedAt = clock.now();
      owned.observe(listed.schedules, cached?.states ?? []);
      listing = { states: listed.schedules.filter(firesHere), listedAt, offset: now - listedAt };
      cached = listing;
      const previous = settled;
      settled = new Map();
      for (const state of listing.states) {
        // Kept for the schedules still listed; removed and paused ones drop out.
        const key = scheduleKey(state.spec);
        const known = previous.get(key);
        if (known) settled.set(key, known);
      }
    } else {
      now = clock.now() + listing.offset;
    }
    const { offset } = listing;
    const active = shuffle([...listing.states], random);
    const math = slotMath(now);
    const refreshAt = listing.listedAt + offset + refreshMs;
    let wakeAt = refreshAt;
    for (const next of await inBatches(active, (state) => fireDue(state, now, math))) {
      if (next !== undefined && next < wakeAt) wakeAt = next;
    }
    wakeForSlot = wakeAt < refreshAt;
    return Math.max(wakeAt - (clock.now() + offset), MIN_WAIT_MS);
  }

  function run(): void {
    timer = undefined;
    ticking = tick().then(
      (delay) => {
        ticking = undefined;
        if (!stopped) timer = clock.setTimeout(run, delay);
      },
      (error: unknown) => {
        // tick catches what the transport throws: this is a bug, but the loop goes on.
        ticking = undefined;
        logger.error({ err: error }, 'schedule tick failed');
        if (!stopped) timer = clock.setTimeout(run, refreshMs);
      },
    );
  }

  return {
    async register() {
      if (declared.length === 0) return;
      const outcomes = await schedules.upsert(declared);
      const changed = declared
        .map((spec, index) => `${scheduleKey(spec)} ${outcomes[index] ?? '?'}`)
        .filter((line) => !line.endsWith(' unchanged'));
      logger.info(
        { schedules: declared.map(scheduleKey), ...(changed.length > 0 && { changed }) },
        'schedules stored',
      );
      // Stored before with another definition: in a rolling deploy, the other code's workers
      // fire from this one now, and one of them starting later puts its own back, with
      // nothing said either time.
      const replaced = declared.filter((_, index) => outcomes[index] === 'changed');
      if (replaced.length > 0) {
        logger.warn(
          { schedules: replaced.map(scheduleKey) },
          `replaced the stored definition of ${replaced.map((spec) => JSON.stringify(spec.id)).join(', ')} with this worker's: workers that declare the old one fire from this one now, and one started later with it stores it back. Deploy one definition to every worker (conveyor schedules shows the stored one).`,
        );
      }
    },
    start() {
      if (stopped || ticking !== undefined || timer !== undefined) return;
      run();
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      await ticking;
    },
  };
}

/** One tick's slot math, done once per timing: schedules often share one pattern. */
interface SlotMath {
  /** `dueSlots` at the tick's `now`, for a mark. */
  due(spec: ScheduleSpec, markSlot: number | undefined): number[];
  /** The first slot after the tick's `now`. */
  next(spec: ScheduleSpec): number | undefined;
}

function slotMath(now: number): SlotMath {
  const dues = new Map<string, number[]>();
  const nexts = new Map<string, number | undefined>();
  const timingOf = (spec: ScheduleSpec) => {
    const { misfire } = spec;
    const policy = typeof misfire === 'object' ? `catchUp:${misfire.catchUp}` : misfire;
    return `${spec.every ?? ''}\0${spec.cron ?? ''}\0${spec.tz}\0${policy}`;
  };
  return {
    due(spec, markSlot) {
      const key = `${timingOf(spec)}\0${markSlot ?? ''}`;
      let slots = dues.get(key);
      if (slots === undefined) {
        slots = dueSlots(spec, markSlot, now);
        dues.set(key, slots);
      }
      return slots;
    },
    next(spec) {
      const key = timingOf(spec);
      if (!nexts.has(key)) nexts.set(key, nextSlots(spec, now, 1)[0]);
      return nexts.get(key);
    },
  };
}

interface Settled {
  revision: number;
  markSlot: number | undefined;
  /** Its next slot after the turn; undefined when the pattern never fires again. */
  next: number | undefined;
}

/** `work` over `items`, at most {@link FIRE_CONCURRENCY} at once; results in item order. */
async function inBatches<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let index = next++; index < items.length; index = next++) {
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(FIRE_CONCURRENCY, items.length) }, lane));
  return results;
}

/** Fisher–Yates, in place. */
function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}
