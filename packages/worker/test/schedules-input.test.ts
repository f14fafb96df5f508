import { defineSchedule, defineTask, scheduleSpec } from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MINUTE, report, SCHEDULED, series, useFleet } from './schedule-fleet.js';

// A slot fires only when the schedule's input passes its task's schema, as the job it enqueues
// would be checked (schedule-input-check.ts): an input no worker would accept dead-lettered a
// job at every slot, with nothing naming the schedule.

const fleet = useFleet();
const t0 = Date.UTC(2026, 0, 1, 12);

/** A schema that validates asynchronously: defineSchedule cannot check its input. */
const lookup = defineTask({
  name: 't.lookup',
  queue: SCHEDULED,
  input: z.object({ v: z.string().refine(async (v) => v !== 'bad', 'v must not be bad') }),
  run: () => null,
});

const errorsOf = (lines: ReadonlyArray<{ level: string; message: string }>) =>
  lines.filter((line) => line.level === 'error').map((line) => line.message);

describe('a schedule whose input its task refuses', () => {
  it('fires no job, says once which schedule and what to do, and fires once its input passes', async () => {
    const bad = defineSchedule({ id: 's.lookup', task: lookup, every: '1m', input: { v: 'bad' } });
    const { clock, add, jobs, logger, transport } = fleet(t0 - 30_000, { tasks: [lookup] });
    add({ schedules: [bad] });
    await clock.advance(3 * MINUTE);
    expect(await jobs()).toEqual([]);
    expect(errorsOf(logger.lines)).toEqual([
      'Invalid input for task "t.lookup": v: v must not be bad (got "bad"). Schedule "s.lookup" (queue "sched") stores this input, so none of its slots enqueues a job until it passes. Change the schedule\'s input (or the task\'s schema) and deploy the workers that declare it, or pause it (conveyor schedules pause s.lookup --queue sched, with the options that reach this broker)',
    ]);
    // A deploy with a good input: a new revision, which fires from its next slot.
    const good = defineSchedule({ id: 's.lookup', task: lookup, every: '1m', input: { v: 'ok' } });
    await transport.schedules.upsert([scheduleSpec(good, 'code')]);
    await clock.advance(2 * MINUTE);
    const fired = await jobs();
    expect(fired.length).toBeGreaterThan(0);
    expect(fired.every((job) => (job.envelope.input as { v: string }).v === 'ok')).toBe(true);
    expect(logger.lines.some((line) => line.message === 'schedule input passes again')).toBe(true);
    expect(errorsOf(logger.lines)).toHaveLength(1);
  });

  it("checks a stored schedule against the worker's schema: one an earlier deploy stored", async () => {
    // Stored by a deploy whose schema took strings; this worker's `report` takes numbers.
    const old = scheduleSpec(
      defineSchedule({ id: 'r.old', task: report, every: '1m', input: { n: 1 } }),
      'runtime',
    );
    const { clock, add, jobs, logger, transport } = fleet(t0 - 30_000, { tasks: [report] });
    await transport.schedules.upsert([{ ...old, input: { n: 'one' } }]);
    add({ queues: [SCHEDULED] });
    await clock.advance(2 * MINUTE);
    expect(await jobs()).toEqual([]);
    expect(errorsOf(logger.lines)).toEqual([
      expect.stringMatching(
        /^Invalid input for task "t\.report": n: .*\(got "one"\)\. Schedule "r\.old" \(queue "sched"\) stores this input/,
      ),
    ]);
  });

  it('a worker without the task fires its slots unchecked (the worker that runs them checks)', async () => {
    const { clock, add, slots, transport } = fleet(t0 - 30_000);
    const spec = scheduleSpec(
      defineSchedule({ id: 'r.old', task: report, every: '1m', input: { n: 1 } }),
      'runtime',
    );
    await transport.schedules.upsert([{ ...spec, input: { n: 'one' } }]);
    add({ queues: [SCHEDULED] });
    await clock.advance(2 * MINUTE);
    expect(await slots()).toEqual(series(t0, 2, MINUTE));
  });

  it('fires unchecked when the schema does not answer within a refresh, rather than hang', async () => {
    // A refinement whose database never answers held the tick, and a stopping worker with it.
    const hanging = defineTask({
      name: 't.hanging',
      queue: SCHEDULED,
      input: z.object({ v: z.string().refine(() => new Promise<boolean>(() => {})) }),
      run: () => null,
    });
    const schedule = defineSchedule({
      id: 's.hang',
      task: hanging,
      every: '1m',
      input: { v: 'x' },
    });
    const { clock, add, slots, stop } = fleet(t0 - 30_000, { tasks: [hanging] });
    add({ schedules: [schedule] });
    await clock.advance(2 * MINUTE);
    expect((await slots()).length).toBeGreaterThan(0);
    await stop();
  });
});
