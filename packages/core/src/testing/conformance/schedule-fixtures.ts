import type { EnqueueRequest, Transport } from '../../transport.js';
import type {
  FireResult,
  ScheduleSpec,
  ScheduleState,
  TransportSchedules,
} from '../../transport-schedules.js';
import { capabilityOf, type SuiteContext } from './context.js';
import { makeEnvelope } from './harness.js';

/** Slot times a minute apart, in the past of any transport clock the suite runs on. */
export const BASE = 1_764_054_000_000;
export const slot = (n: number) => BASE + n * 60_000;

/** An every-minute spec of `queue`; `overrides` replace any field. */
export function specOf(
  queue: string,
  id: string,
  overrides: Partial<ScheduleSpec> = {},
): ScheduleSpec {
  return {
    id,
    queue,
    task: 'conformance.scheduled',
    every: 60_000,
    tz: 'UTC',
    input: { conformance: true },
    misfire: 'latest',
    overlap: 'allow',
    enabled: true,
    source: 'runtime',
    maxAttempts: 3,
    priority: 5,
    ...overrides,
  };
}

/** A slot's job request; the transport sets its id and enqueuedAt. */
export function slotJob(
  queue: string,
  extra: Omit<EnqueueRequest, 'envelope'> = {},
): EnqueueRequest {
  return { envelope: makeEnvelope(queue, { task: 'conformance.scheduled' }), ...extra };
}

export async function schedulesOf(
  ctx: SuiteContext,
  skip: (note?: string) => never,
): Promise<{ transport: Transport; schedules: TransportSchedules }> {
  const transport = await ctx.transport();
  return { transport, schedules: capabilityOf(transport, 'schedules', skip) };
}

/** The stored state of one schedule, or undefined. */
export async function stateOf(
  schedules: TransportSchedules,
  queue: string,
  id: string,
): Promise<ScheduleState | undefined> {
  const { schedules: states } = await schedules.list([queue]);
  return states.find((state) => state.spec.id === id);
}

/** Fires slots of one schedule, at revision 1 unless told. */
export function firer(schedules: TransportSchedules, queue: string, scheduleId: string) {
  return (
    slotAt: number,
    job: EnqueueRequest = slotJob(queue),
    revision = 1,
  ): Promise<FireResult> => schedules.fire({ scheduleId, revision, slotAt, job });
}
