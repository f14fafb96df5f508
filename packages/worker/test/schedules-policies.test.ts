import {
  defineSchedule,
  defineTask,
  type JobRecord,
  type MisfirePolicy,
  type OverlapPolicy,
  scheduleSpec,
} from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { deferred } from './helpers.js';
import {
  everyMinute,
  MINUTE,
  report,
  SCHEDULED,
  series,
  slotOf,
  useFleet,
} from './schedule-fleet.js';

const fleet = useFleet();
const t0 = Date.UTC(2026, 0, 1, 12);

describe('misfire: backfill after a 10-minute outage', () => {
  // docs/schedules.md §4: last fired t0, no worker until t0 + 10 min + 6 s (or + 2 s).
  it.each<{ misfire: MisfirePolicy; downMs: number; backfilled: number[] }>([
    { misfire: 'skip', downMs: 10 * MINUTE + 6_000, backfilled: [] },
    { misfire: 'skip', downMs: 10 * MINUTE + 2_000, backfilled: [10] },
    { misfire: 'latest', downMs: 10 * MINUTE + 6_000, backfilled: [10] },
    { misfire: { catchUp: 3 }, downMs: 10 * MINUTE + 6_000, backfilled: [8, 9, 10] },
  ])(
    '$misfire, back after $downMs ms: fires minutes $backfilled',
    async ({ misfire, downMs, backfilled }) => {
      const schedules = [everyMinute(misfire)];
      const { clock, add, stop, jobs } = fleet(t0 - 30_000, { schedules });
      const first = add();
      const second = add();
      await clock.advance(30_000);
      await stop(first, second);
      await clock.advance(downMs);
      add();
      await clock.advance(0);
      // The backfilled slots fired when the worker came back: late, and their jobs say so.
      const afterOutage = await jobs();
      expect(afterOutage.map((job) => [minutesOf(job), job.enqueuedAt - t0])).toEqual([
        [0, 0],
        ...backfilled.map((minute) => [minute, downMs]),
      ]);
      // Then on time again: the next slot, once.
      await clock.advance(11 * MINUTE - downMs);
      const all = await jobs();
      expect(all.map(minutesOf)).toEqual([0, ...backfilled, 11]);
      expect(all.at(-1)?.enqueuedAt).toBe(t0 + 11 * MINUTE);
    },
  );
});

describe('a deploy during an outage', () => {
  // docs/schedules.md §7: a change of anything but the timing keeps the mark.
  it("that changes the task's options still fires the missed slot, from the new definition", async () => {
    const retried = defineTask({
      name: report.name,
      queue: SCHEDULED,
      input: z.object({ n: z.number() }),
      retry: { attempts: 5 },
      run: () => null,
    });
    const deployed = defineSchedule({
      id: 'r.minute',
      task: retried,
      every: '1m',
      input: { n: 2 },
    });
    const { clock, add, stop, jobs } = fleet(t0 - 30_000, { schedules: [everyMinute()] });
    await clock.advance(0);
    const old = add();
    await clock.advance(30_000);
    await stop(old);
    await clock.advance(MINUTE + 6_000);
    add({ schedules: [deployed] });
    await clock.advance(0);
    const all = await jobs();
    expect(
      all.map((job) => [minutesOf(job), job.envelope.input, job.envelope.maxAttempts]),
    ).toEqual([
      [0, { n: 1 }, 3],
      [1, { n: 2 }, 5],
    ]);
  });
});

/** Minutes from t0 to a job's slot. */
const minutesOf = (job: JobRecord) => (slotOf(job) - t0) / MINUTE;

describe('overlap', () => {
  it.each<{ overlap: OverlapPolicy; slots: number[] }>([
    { overlap: 'skip', slots: [0, 3] },
    { overlap: 'allow', slots: [0, 1, 2, 3] },
  ])(
    "'$overlap' while the previous job runs: slots $slots get jobs",
    async ({ overlap, slots }) => {
      const release = deferred<null>();
      const slow = defineTask({
        name: 't.slow',
        queue: SCHEDULED,
        input: z.object({}),
        run: () => release.promise,
      });
      const schedule = defineSchedule({ id: 'slow', task: slow, every: '1m', input: {}, overlap });
      const { clock, add, jobs, transport } = fleet(t0 - 30_000);
      // One worker runs the jobs, one at a time; two more only fire.
      add({ tasks: [slow], concurrency: 1, schedules: [schedule] });
      add({ schedules: [schedule] });
      add({ schedules: [schedule] });
      await clock.advance(30_000 + 2 * MINUTE + 10_000); // t0 runs; t0+1m, t0+2m claimed
      const running = await jobs();
      expect(running[0]?.state).toBe('active');
      release.resolve(null);
      await clock.advance(MINUTE - 10_000); // the first job completes; t0+3m
      const all = await jobs();
      expect(all.map(minutesOf)).toEqual(slots);
      // Skipped or not, every slot was claimed: the mark is the latest.
      const { schedules } = await transport.schedules.list([SCHEDULED]);
      expect(schedules[0]?.mark?.slotAt).toBe(t0 + 3 * MINUTE);
    },
  );
});

describe('pause, resume, remove', () => {
  it('pause stops the firing, resume restarts it from the next slot; removed, it is stored again by the workers declaring it', async () => {
    const { clock, add, transport, slots } = fleet(t0 - 30_000, {
      // 'latest' (the default) would fire a missed slot: a resume misses none.
      schedules: [everyMinute('latest')],
    });
    add();
    add();
    await clock.advance(30_000 + MINUTE + 10_000); // t0, t0+1m; now t0+1m10s
    expect(await transport.schedules.setPaused(SCHEDULED, 'r.minute', true)).toBe(true);
    await clock.advance(3 * MINUTE); // t0+4m10s
    expect(await slots()).toEqual(series(t0, 2, MINUTE));
    await transport.schedules.setPaused(SCHEDULED, 'r.minute', false);
    await clock.advance(2 * MINUTE); // t0+6m10s: t0+4m (in the pause) is not fired; 5m and 6m are
    expect(await slots()).toEqual([...series(t0, 2, MINUTE), t0 + 5 * MINUTE, t0 + 6 * MINUTE]);
    // A schedule declared in code belongs to the code (docs/schedules.md §7): removed while
    // workers declare it, they store it again at their next refresh, and it carries on from
    // its last slot. A schedule made at run time stays removed (schedules-lost.test.ts).
    expect(await transport.schedules.remove(SCHEDULED, 'r.minute')).toBe(true);
    await clock.advance(5 * MINUTE); // t0+11m10s
    expect(await slots()).toEqual([
      ...series(t0, 2, MINUTE),
      ...series(t0 + 5 * MINUTE, 7, MINUTE),
    ]);
    expect((await transport.schedules.list()).schedules.map((state) => state.spec.id)).toEqual([
      'r.minute',
    ]);
  });

  it('a schedule declared in code fires on the workers that declare it; orphaned, it stays stored and stops', async () => {
    const { clock, add, stop, transport, slots } = fleet(t0 - 30_000);
    const declaring = add({ schedules: [everyMinute()] });
    // Serves the schedule's queue and runs its jobs, but declares no schedule.
    add({ tasks: [report] });
    await clock.advance(30_000 + MINUTE); // t0, t0+1m
    expect(await slots()).toEqual(series(t0, 2, MINUTE));
    await stop(declaring);
    await clock.advance(3 * MINUTE);
    expect(await slots()).toEqual(series(t0, 2, MINUTE));
    const { schedules } = await transport.schedules.list([SCHEDULED]);
    expect(schedules.map((state) => [state.spec.id, state.spec.source])).toEqual([
      ['r.minute', 'code'],
    ]);
    // A worker that declares it again picks it up from its next slot ('latest': the newest missed).
    add({ schedules: [everyMinute()] });
    await clock.advance(MINUTE);
    expect((await slots()).slice(2)).toEqual([t0 + 4 * MINUTE, t0 + 5 * MINUTE]);
  });

  it('a schedule made at run time fires on the workers serving its queue', async () => {
    const { clock, add, transport, jobs } = fleet(t0 - 30_000);
    // Workers that declare no schedule, serving the schedule's queue (and running its jobs).
    add({ tasks: [report] });
    add({ tasks: [report] });
    await clock.advance(10_000);
    const runtime = scheduleSpec(everyMinute(), 'runtime');
    expect(await transport.schedules.upsert([{ ...runtime, input: { n: 7 } }])).toEqual([
      'created',
    ]);
    await clock.advance(20_000 + 2 * MINUTE);
    const all = await jobs();
    expect(all.map((job) => [minutesOf(job), job.state, job.envelope.input])).toEqual([
      [0, 'completed', { n: 7 }],
      [1, 'completed', { n: 7 }],
      [2, 'completed', { n: 7 }],
    ]);
  });
});
