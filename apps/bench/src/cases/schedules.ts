import type { BenchCase, CaseContext, RunOutcome } from '../case-types.js';
import { now } from '../payload.js';
import type { ScheduleSet, Schedules, SystemAdapter } from '../systems/types.js';
import type { GroupResult, WorkerPool } from '../worker-pool.js';

const n = (value: number) => value.toLocaleString('en-US');

/** Redis CPU and the workers' CPU are noted this long before the slot (both sides idle then). */
const MARK_LEAD_MS = 50;
/**
 * The slot's jobs must all have run this long after it; the pattern fires again a minute
 * after the slot, so a run still going then would count the next slot's jobs.
 */
const WITHIN_MS = 50_000;
/** The longest margin a once-a-minute pattern allows (its previous slot must be passed). */
const MAX_MARGIN_MS = 45_000;
/** A pattern no run reaches (1 January, 00:00): for rehearsals, where nothing must fire. */
const NEVER_IN_A_RUN = '0 0 1 1 *';

/**
 * The slot: the first whole second at least `marginMs` from now, as a pattern that fires
 * once a minute at that second (six fields, seconds first), so that no run waits for a
 * minute boundary and both systems get the same treatment.
 */
export function slotAfter(at: number, marginMs: number): { slotAt: number; cron: string } {
  const slotAt = Math.ceil((at + marginMs) / 1_000) * 1_000;
  return { slotAt, cron: `${new Date(slotAt).getUTCSeconds()} * * * * *` };
}

/** How long a run's set-up took: the harness's declaration, and the workers' prepare and start. */
interface SetupTimes {
  declareMs: number;
  workersMs: number;
}

/**
 * The set-up times to plan the slot by: the last run's, or, before a system's first run, a
 * rehearsal's. A rehearsal declares the full set on another queue with a pattern that does
 * not fire in a run, and starts the worker processes on it; it goes twice (the first loads
 * the code and opens the connections), then Redis is flushed.
 */
async function setupTimes(
  system: SystemAdapter,
  schedules: Schedules,
  context: CaseContext,
): Promise<SetupTimes> {
  const known = context.state.get(`setup:${system.name}`) as SetupTimes | undefined;
  if (known) return known;
  let times: SetupTimes = { declareMs: 0, workersMs: 0 };
  for (const attempt of [1, 2]) {
    const set = {
      queue: `${context.queue}-rehearsal-${attempt}`,
      count: context.sizes.schedules,
      cron: NEVER_IN_A_RUN,
    };
    const start = now();
    await schedules.declare(set);
    const declared = now();
    const result = await startWorkers(system, context, set, {
      until: (counts) => counts.readyAt > 0,
      timeoutMs: 120_000,
    });
    if (result.readyAt === 0) {
      throw new Error(`[bench] ${system.label} worker processes did not start within 120 s`);
    }
    times = { declareMs: declared - start, workersMs: result.readyAt - declared };
  }
  await context.probe.flush();
  return times;
}

/** Time allowed from now to the slot: 1 s plus one and a half times the set-up. */
function marginOf({ declareMs, workersMs }: SetupTimes): number {
  return Math.min(MAX_MARGIN_MS, 1_000 + 1.5 * (declareMs + workersMs));
}

/** The worker processes, on the set, at concurrency 50 each. */
function startWorkers(
  system: SystemAdapter,
  { url, sizes, pool }: CaseContext,
  set: ScheduleSet,
  options: Omit<Parameters<WorkerPool['run']>[0], 'system' | 'processes' | 'consumer'>,
): Promise<GroupResult> {
  return pool.run({
    system: system.name,
    processes: sizes.scheduleProcesses,
    consumer: { url, queue: set.queue, concurrency: 50, schedules: set },
    ...options,
  });
}

/**
 * Case 11 (issue 17): many periodic schedules due at the same instant. The harness declares
 * them through each system's public API; then worker processes (the same number for each
 * system) run the system's own firing: Conveyor's workers tick and fire each slot through
 * `transport.schedules.fire`, BullMQ's promote the scheduler's delayed job and add its next
 * one. Every slot job runs a handler that does nothing, so "fired" means the same for
 * both: the slot's job has run. Timed from the slot to the last acknowledgement.
 */
export const schedules: BenchCase = {
  id: 'schedules',
  group: 11,
  title: 'Schedules due at the same instant',
  describe: (s) =>
    `${n(s.schedules)} schedules on one queue, all due at one slot (a once-a-minute cron at a chosen second, UTC), declared by the harness; ${s.scheduleProcesses} worker processes at concurrency 50 tick, fire and run the no-op jobs; timed from the slot to the last of its ${n(s.schedules)} jobs acknowledged; Redis and worker CPU from just before the slot to then, per fire; Conveyor and BullMQ (job schedulers) only`,
  metrics: [
    { key: 'seconds', label: 'slot to all run', unit: 's', higherIsBetter: false },
    {
      key: 'redisCpuUsPerFire',
      label: 'Redis CPU',
      unit: 'µs/fire',
      higherIsBetter: false,
      ratio: true,
    },
    { key: 'workerCpuUsPerFire', label: 'worker CPU', unit: 'µs/fire', higherIsBetter: false },
    { key: 'firstMs', label: 'slot to first run', unit: 'ms', higherIsBetter: false },
    { key: 'declareSeconds', label: 'declare all', unit: 's', higherIsBetter: false },
  ],
  heavy: true,
  systems: ['conveyor', 'bullmq'],
  processes: (s) => s.scheduleProcesses,
  async run(system, context): Promise<RunOutcome> {
    const schedules = await createSchedules(system, context.url);
    try {
      return await fireOnce(system, schedules, context);
    } finally {
      await schedules.close();
    }
  },
};

async function createSchedules(system: SystemAdapter, url: string): Promise<Schedules> {
  if (!system.createSchedules) throw new Error(`[bench] ${system.label} has no schedules`);
  return system.createSchedules({ url });
}

async function fireOnce(
  system: SystemAdapter,
  schedules: Schedules,
  context: CaseContext,
): Promise<RunOutcome> {
  const { queue, sizes, probe, state } = context;
  const count = sizes.schedules;
  const margin = marginOf(await setupTimes(system, schedules, context));
  const { slotAt, cron } = slotAfter(Date.now(), margin);
  const set: ScheduleSet = { queue, count, cron };
  const declareStart = now();
  await schedules.declare(set);
  const declared = now();
  let redisAtSlot = Number.NaN;
  let redisAtEnd = Number.NaN;
  const result = await startWorkers(system, context, set, {
    until: (counts) => counts.completed >= count,
    timeoutMs: slotAt + WITHIN_MS - Date.now(),
    markAt: slotAt - MARK_LEAD_MS,
    async onMark() {
      redisAtSlot = await probe.cpuMs();
    },
    async onReached() {
      redisAtEnd = await probe.cpuMs();
    },
  });
  if (result.readyAt > 0) {
    const times: SetupTimes = {
      declareMs: declared - declareStart,
      workersMs: result.readyAt - declared,
    };
    state.set(`setup:${system.name}`, times);
  }
  const values = {
    seconds: (result.lastAt - slotAt) / 1_000,
    redisCpuUsPerFire: ((redisAtEnd - redisAtSlot) * 1_000) / count,
    workerCpuUsPerFire: result.cpuMicros / count,
    firstMs: result.firstAt - slotAt,
    declareSeconds: (declared - declareStart) / 1_000,
  };
  const invalid = await runProblem(result, { slotAt, margin, set, schedules });
  return invalid ? { values, invalid } : { values };
}

/**
 * Why a run does not count, if it does not: the set-up had not ended 50 ms before the slot,
 * slot jobs missing, run twice or before the slot, schedules lost, or jobs left over.
 */
export async function runProblem(
  result: GroupResult,
  plan: { slotAt: number; margin: number; set: ScheduleSet; schedules: Schedules },
): Promise<string | undefined> {
  const { slotAt, margin, set, schedules } = plan;
  const { count } = set;
  if (result.readyAt === 0 || result.readyAt > slotAt - MARK_LEAD_MS) {
    const late =
      result.readyAt === 0
        ? 'had not ended'
        : `ended ${Math.round(result.readyAt - slotAt + MARK_LEAD_MS)} ms too late`;
    return `set-up (declaring, worker start) ${late} for the ${Math.round(margin)} ms margin`;
  }
  if (!result.reached) {
    return `${count - result.completed} of ${count} slot jobs had not run ${WITHIN_MS / 1_000} s after the slot`;
  }
  if (result.completed > count) return `${result.completed - count} slot jobs ran twice`;
  if (result.firstAt < slotAt) return 'a job ran before its slot';
  const stored = await schedules.stored(set);
  if (stored !== count) return `${stored} schedules stored after the slot, expected ${count}`;
  const unfinished = await schedules.unfinished(set);
  if (unfinished !== 0) return `${unfinished} jobs still waiting or active after the slot`;
  return undefined;
}
