import { type AnySchedule, defineSchedule, scheduleSpec } from '@conveyor/core';
import { describe, expect, it, vi } from 'vitest';
import { type Harness, useWorkerHarness } from './helpers.js';
import { report } from './schedule-fleet.js';

// A worker started with `--tasks` loads task files directly: its tasks carry no schema
// fingerprint, so its specs carry none. One started from the generated registry declares
// the same schedule with the fingerprint. Side by side (a migration to the registry, a
// one-off `--tasks` worker), they used to take turns replacing the stored spec, each start
// warning that it replaced it.

const workers = useWorkerHarness();

/** `report` as the generated registry exports it: with its input schema's fingerprint. */
const registered = { ...report, fingerprint: '0123456789abcdef' };

const declared = { id: 'r.fp', every: '1m', input: { n: 1 } } as const;
const fromTasks = defineSchedule({ ...declared, task: report });
const fromRegistry = defineSchedule({ ...declared, task: registered });

/** The lines of `message` logged so far. */
const linesOf = (harness: Harness, message: string) =>
  harness.logger.lines.filter((line) => line.message.startsWith(message));

/** Starts another worker declaring `schedule`, once it has stored its schedules. */
async function startAnother(harness: Harness, schedule: AnySchedule, id: string) {
  const stored = linesOf(harness, 'schedules stored').length;
  harness.another({ tasks: [schedule.task], id, schedules: [schedule] });
  await vi.waitFor(() => expect(linesOf(harness, 'schedules stored')).toHaveLength(stored + 1), {
    timeout: 30_000,
  });
}

const replaced = (harness: Harness) => linesOf(harness, 'replaced the stored definition of "r.fp"');

async function storedOf(harness: Harness) {
  const { schedules } = (await harness.transport.schedules?.list()) ?? { schedules: [] };
  return schedules.filter((state) => state.spec.id === 'r.fp');
}

describe('schedules declared with and without a schema fingerprint', () => {
  it('a --tasks worker beside registry workers leaves the stored spec as it is, and warns of nothing', async () => {
    const harness = await workers.start([registered], { id: 'w-reg', schedules: [fromRegistry] });
    await startAnother(harness, fromTasks, 'w-tasks');
    await startAnother(harness, fromRegistry, 'w-reg-2');
    await startAnother(harness, fromTasks, 'w-tasks-2');
    expect(replaced(harness)).toEqual([]);
    const [state] = await storedOf(harness);
    expect(state).toMatchObject({ spec: scheduleSpec(fromRegistry, 'code'), revision: 1 });
  });

  it('the first registry worker beside --tasks workers stores the fingerprint, once: a --tasks worker leaves it', async () => {
    const harness = await workers.start([report], { id: 'w-tasks', schedules: [fromTasks] });
    await startAnother(harness, fromRegistry, 'w-reg');
    expect(replaced(harness)).toHaveLength(1);
    await startAnother(harness, fromTasks, 'w-tasks-2');
    await startAnother(harness, fromRegistry, 'w-reg-2');
    expect(replaced(harness)).toHaveLength(1);
    const [state] = await storedOf(harness);
    expect(state).toMatchObject({ spec: scheduleSpec(fromRegistry, 'code'), revision: 2 });
  });
});
