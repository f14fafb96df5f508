import {
  defineSchedule,
  defineTask,
  type JobListState,
  type JobRecord,
  type MisfirePolicy,
  memoryTransport,
  scheduledSlotOf,
  type Transport,
  type TransportWith,
} from '@conveyor/core';
import { createManualClock, type ManualClock } from '@conveyor/core/testing';
import { afterEach } from 'vitest';
import { z } from 'zod';
import { createWorker, type Worker, type WorkerOptions } from '../src/index.js';
import { captureLogger } from './helpers.js';

export const MINUTE = 60_000;
/** The queue of the schedules' jobs; fleet workers consume `work` unless told otherwise. */
export const SCHEDULED = 'sched';

/** The task schedules enqueue; no fleet worker runs it unless given it. */
export const report = defineTask({
  name: 't.report',
  queue: SCHEDULED,
  input: z.object({ n: z.number() }),
  run: () => null,
});

/** `r.minute`: `report` every minute, with `misfire` when given. */
export const everyMinute = (misfire?: MisfirePolicy) =>
  defineSchedule({
    id: 'r.minute',
    task: report,
    every: '1m',
    input: { n: 1 },
    ...(misfire && { misfire }),
  });

const idle = defineTask({ name: 't.idle', queue: 'work', input: z.object({}), run: () => null });

export interface Fleet {
  clock: ManualClock;
  /** The shared transport, with its admin (the workers get it without). */
  transport: TransportWith<'admin' | 'schedules'>;
  logger: ReturnType<typeof captureLogger>;
  /** Starts one more worker on the shared clock and transport. */
  add(options?: Partial<WorkerOptions>): Worker;
  /** Stops the workers (all when none given), releasing running jobs at once. */
  stop(...workers: Worker[]): Promise<void>;
  /** Every job of the queue, in every state, by slot. */
  jobs(queue?: string): Promise<JobRecord[]>;
  /** The slot of each job of the queue, ascending. */
  slots(queue?: string): Promise<number[]>;
}

/**
 * Workers of one "deployment" on a manual clock, sharing a memory transport, as separate
 * processes would share a broker. The workers get the transport without `admin`: the
 * worker record is refreshed every 2 s, and simulated hours of it only slow the tests down.
 */
export function useFleet(): (start?: number, shared?: Partial<WorkerOptions>) => Fleet {
  const made: Fleet[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((fleet) => fleet.stop()));
  });
  return (start = Date.UTC(2026, 0, 1), shared = {}) => {
    const fleet = createFleet(start, shared);
    made.push(fleet);
    return fleet;
  };
}

function createFleet(start: number, shared: Partial<WorkerOptions>): Fleet {
  const clock = createManualClock(start);
  const transport = memoryTransport({ clock }) as TransportWith<'admin' | 'schedules'>;
  const quiet: Transport = { ...transport, admin: undefined };
  const logger = captureLogger();
  const running: Worker[] = [];
  async function jobs(queue = SCHEDULED): Promise<JobRecord[]> {
    const found: JobRecord[] = [];
    const states: JobListState[] = ['waiting', 'delayed', 'active', 'finished', 'dead'];
    for (const state of states) {
      let cursor: string | undefined;
      do {
        const page = await transport.admin.listJobs(queue, {
          state,
          limit: 500,
          ...(cursor !== undefined && { cursor }),
        });
        found.push(...page.jobs);
        cursor = page.next;
      } while (cursor !== undefined);
    }
    return found.sort((a, b) => slotOf(a) - slotOf(b));
  }
  return {
    clock,
    transport,
    logger,
    add(options = {}) {
      const worker = createWorker({
        transport: quiet,
        tasks: [idle],
        clock,
        logger,
        reserveWaitMs: 10 * MINUTE,
        // Few timers besides the schedules' over simulated hours.
        leaseMs: 30 * MINUTE,
        metricsFlushMs: false,
        ...shared,
        ...options,
      });
      running.push(worker);
      void worker.start().catch(() => {});
      return worker;
    },
    async stop(...workers) {
      const stopping = (workers.length > 0 ? workers : running).map((worker) =>
        worker.stop({ graceMs: 0 }),
      );
      await clock.advance(0);
      await Promise.all(stopping);
    },
    jobs,
    async slots(queue = SCHEDULED) {
      return (await jobs(queue)).map(slotOf);
    },
  };
}

/** The slot a job was fired for, from its id. */
export function slotOf(job: JobRecord): number {
  const slot = scheduledSlotOf(job.envelope.id);
  if (!slot) throw new Error(`job ${job.envelope.id} is not a schedule's`);
  return slot.slotAt;
}

/** `count` slots `step` apart, the first at `first`. */
export function series(first: number, count: number, step: number): number[] {
  return Array.from({ length: count }, (_, index) => first + index * step);
}
