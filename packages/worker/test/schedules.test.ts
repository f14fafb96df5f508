import {
  type Clock,
  defineSchedule,
  defineTask,
  memoryTransport,
  scheduleSpec,
  type Transport,
  type TransportSchedules,
} from '@conveyor/core';
import { createManualClock } from '@conveyor/core/testing';
import { scheduleJobId } from '@conveyor/core/transport';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createWorker, type WorkerEvent } from '../src/index.js';
import { captureLogger, useWorkerHarness } from './helpers.js';
import { MINUTE, report, SCHEDULED, series, slotOf, useFleet } from './schedule-fleet.js';

const fleet = useFleet();
const workers = useWorkerHarness();
const t0 = Date.UTC(2026, 0, 1, 12);

const everyMinute = defineSchedule({ id: 'r.minute', task: report, every: '1m', input: { n: 1 } });
/** The id of the job of the schedule's slot t0. */
const firstJobId = scheduleJobId(SCHEDULED, 'r.minute', t0);

describe('exactly one job per slot', () => {
  it('10 workers over 60 simulated minutes of an every-minute schedule give exactly 60 jobs', async () => {
    // Started 30 s before the first slot; 10 workers, each declaring the schedule.
    const { clock, add, jobs } = fleet(t0 - 30_000, { schedules: [everyMinute] });
    const fired: WorkerEvent[] = [];
    for (let i = 0; i < 10; i++) add().on((event) => fired.push(event));
    for (let minute = 0; minute < 60; minute++) await clock.advance(MINUTE);
    const all = await jobs();
    expect(all.map(slotOf)).toEqual(series(t0, 60, MINUTE));
    // Each fired on time, by the transport's clock, with the spec's input.
    expect(all.map((job) => job.enqueuedAt)).toEqual(series(t0, 60, MINUTE));
    expect(all[0]?.envelope).toMatchObject({ task: 't.report', queue: SCHEDULED, input: { n: 1 } });
    // Counted once, by whichever worker fired each slot.
    const counted = fired.filter((event) => event.type === 'scheduleFired');
    expect(counted.map((event) => event.jobId).sort()).toEqual(all.map((job) => job.id).sort());
  });

  it('20 workers starting at once leave one schedule, and fire each slot once', async () => {
    const { clock, add, transport, slots } = fleet(t0 - 30_000, { schedules: [everyMinute] });
    for (let i = 0; i < 20; i++) add();
    await clock.advance(0);
    const { schedules } = await transport.schedules.list();
    expect(schedules).toHaveLength(1);
    expect(schedules[0]).toMatchObject({ revision: 1, paused: false, mark: null });
    expect(schedules[0]?.spec).toEqual(scheduleSpec(everyMinute, 'code'));
    await clock.advance(3 * MINUTE);
    expect(await slots()).toEqual(series(t0, 3, MINUTE));
  });

  it('20 concurrent upserts of one id leave one schedule', async () => {
    const { transport } = fleet();
    const spec = scheduleSpec(everyMinute, 'runtime');
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () => transport.schedules.upsert([spec])),
    );
    expect(outcomes.flat().sort()).toEqual(['created', ...Array(19).fill('unchanged')]);
    const { schedules } = await transport.schedules.list([SCHEDULED]);
    expect(schedules.map((state) => [state.spec.id, state.revision])).toEqual([['r.minute', 1]]);
  });

  it('fires at the transport clock, not the worker clock', async () => {
    // The broker's clock is 30 s ahead of the worker's: slots are the broker's instants.
    const clock = createManualClock(t0 - 45_000);
    const ahead: Clock = { ...clock, now: () => clock.now() + 30_000 };
    const transport = memoryTransport({ clock: ahead });
    const worker = createWorker({
      transport: { ...transport, admin: undefined },
      tasks: [report],
      queues: ['work'],
      clock,
      logger: captureLogger(),
      reserveWaitMs: 10 * MINUTE,
      metricsFlushMs: false,
      schedules: [everyMinute],
    });
    void worker.start();
    await clock.advance(15_000 - 1);
    expect(await transport.getJob(firstJobId)).toBeNull();
    await clock.advance(1);
    const job = await transport.getJob(firstJobId);
    // Fired when the broker's clock showed the slot: 30 s before the worker's did.
    expect(job?.enqueuedAt).toBe(t0);
    expect(clock.now()).toBe(t0 - 30_000);
    expect(worker.stats().totals.scheduleFired).toBe(1);
    expect((await worker.metrics()).body).toContain(
      'conveyor_schedule_fires_total{task="t.report"} 1',
    );
    const stopping = worker.stop({ graceMs: 0 });
    await clock.advance(0);
    await stopping;
  });
});

describe('changing a schedule', () => {
  it('takes effect from the next slot and never fires a slot twice', async () => {
    const { clock, add, transport, jobs } = fleet(t0 - 30_000, { schedules: [everyMinute] });
    add();
    add();
    await clock.advance(30_000 + 2 * MINUTE); // t0, t0+1m, t0+2m fired
    // A new input at t0+2m30s, then a 30 s interval at t0+3m10s.
    await clock.advance(30_000);
    const withInput = defineSchedule({ ...timingOf(everyMinute), input: { n: 2 } });
    expect(await transport.schedules.upsert([scheduleSpec(withInput, 'runtime')])).toEqual([
      'changed',
    ]);
    await clock.advance(40_000);
    const faster = defineSchedule({ id: 'r.minute', task: report, every: '30s', input: { n: 3 } });
    await transport.schedules.upsert([scheduleSpec(faster, 'runtime')]);
    await clock.advance(2 * MINUTE - 10_000); // to t0+5m
    const all = await jobs();
    expect(all.map((job) => [(slotOf(job) - t0) / 1000, job.envelope.input])).toEqual([
      [0, { n: 1 }],
      [60, { n: 1 }],
      [120, { n: 1 }],
      [180, { n: 2 }],
      // The change at 190 s: 180 is not fired again, 210 is the new timing's first slot.
      [210, { n: 3 }],
      [240, { n: 3 }],
      [270, { n: 3 }],
      [300, { n: 3 }],
    ]);
  });

  it('a change between list and fire: the fire is refused as changed, the worker lists again', async () => {
    const { clock, transport, logger } = fleet(t0 - 30_000);
    const changed = scheduleSpec(
      defineSchedule({ ...timingOf(everyMinute), input: { n: 9 } }),
      'runtime',
    );
    let raced = false;
    const fires: string[] = [];
    const schedules: TransportSchedules = {
      ...transport.schedules,
      async fire(request) {
        if (!raced && request.slotAt === t0 + MINUTE) {
          raced = true;
          await transport.schedules.upsert([changed]);
        }
        const result = await transport.schedules.fire(request);
        fires.push(
          `${(request.slotAt - t0) / 1000} r${request.revision} ${result.reason ?? 'fired'}`,
        );
        return result;
      },
    };
    await transport.schedules.upsert([scheduleSpec(everyMinute, 'runtime')]);
    const worker = createWorker({
      transport: { ...transport, admin: undefined, schedules },
      tasks: [report],
      queues: [SCHEDULED],
      clock,
      logger,
      reserveWaitMs: 10 * MINUTE,
      metricsFlushMs: false,
    });
    void worker.start();
    await clock.advance(30_000 + 2 * MINUTE);
    // The change at t0+1m (the input only) kept the mark: listed again, that slot fires
    // from the new spec, once, and the next one too.
    expect(fires).toEqual(['0 r1 fired', '60 r1 changed', '60 r2 fired', '120 r2 fired']);
    const job = await transport.getJob(
      (await transport.schedules.list()).schedules[0]?.mark?.jobId ?? '',
    );
    expect(job?.envelope.input).toEqual({ n: 9 });
    const stopping = worker.stop({ graceMs: 0 });
    await clock.advance(0);
    await stopping;
  });
});

describe('errors', () => {
  it('a failed fire is logged once, and the slot fires at the next refresh', async () => {
    const { clock, transport, logger } = fleet(t0 - 30_000);
    let failures = 1;
    const schedules: TransportSchedules = {
      ...transport.schedules,
      async fire(request) {
        if (failures-- > 0) throw new Error('broker unreachable');
        return transport.schedules.fire(request);
      },
    };
    const worker = createWorker({
      transport: { ...transport, admin: undefined, schedules },
      tasks: [report],
      queues: ['work'],
      clock,
      logger,
      reserveWaitMs: 10 * MINUTE,
      metricsFlushMs: false,
      schedules: [everyMinute],
    });
    void worker.start();
    await clock.advance(30_000 + 4_000);
    const errors = logger.lines.filter((line) => line.level === 'error');
    expect(errors.map((line) => [line.message, line.fields.schedule])).toEqual([
      ['firing a schedule failed; retrying at the next refresh', 'sched/r.minute'],
    ]);
    expect(await transport.getJob(firstJobId)).toBeNull();
    await clock.advance(1_000); // the refresh, 5 s after the failed tick: fired late
    expect((await transport.getJob(firstJobId))?.enqueuedAt).toBe(t0 + 5_000);
    expect(logger.lines.some((line) => line.message === 'schedule fires again')).toBe(true);
    const stopping = worker.stop({ graceMs: 0 });
    await clock.advance(0);
    await stopping;
  });
});

describe('options', () => {
  const task = defineTask({ name: 't.x', input: z.object({}), run: () => null });
  const base = { transport: memoryTransport(), tasks: [task] };

  it('refuses what is not a schedule, and a schedule given twice', () => {
    expect(() => createWorker({ ...base, schedules: [{ id: 'x' }] as never })).toThrow(
      /schedules from defineSchedule/,
    );
    expect(() => createWorker({ ...base, schedules: 'x' as never })).toThrow(/INVALID|schedules/);
    const again = defineSchedule({ id: 'r.minute', task: report, every: '5m', input: { n: 2 } });
    expect(() => createWorker({ ...base, schedules: [everyMinute, again] })).toThrow(
      /"sched\/r\.minute".*distinct ids per queue/,
    );
    expect(() => createWorker({ ...base, schedulesRefreshMs: 0 })).toThrow(/schedulesRefreshMs/);
  });

  it('needs the schedules capability to declare schedules (CAPABILITY_MISSING)', () => {
    const transport: Transport = { ...memoryTransport(), schedules: undefined };
    expect(() => createWorker({ transport, tasks: [task], schedules: [everyMinute] })).toThrow(
      expect.objectContaining({ code: 'CAPABILITY_MISSING', capability: 'schedules' }),
    );
    // Without declared schedules, such a worker runs as before.
    expect(() => createWorker({ transport, tasks: [task] })).not.toThrow();
  });

  // Two workers declaring one id with different timings replaced each other's definition
  // with nothing logged.
  it('warns when it replaces a stored definition of a schedule it declares', async () => {
    const harness = await workers.start([report], { id: 'w-old', schedules: [everyMinute] });
    const replaced = () =>
      harness.logger.lines.filter((line) =>
        line.message.startsWith('replaced the stored definition of "r.minute"'),
      );
    const faster = defineSchedule({ id: 'r.minute', task: report, every: '30s', input: { n: 1 } });
    // Stopped by the harness, with the manual clock run.
    void harness.another({ tasks: [report], id: 'w-new', schedules: [faster] }).start();
    await vi.waitFor(() => expect(replaced()).toHaveLength(1), { timeout: 30_000 });
    // Declared again as stored: nothing replaced, nothing said.
    const stored = harness.logger.lines.filter(
      (line) => line.message === 'schedules stored',
    ).length;
    void harness.another({ tasks: [report], id: 'w-same', schedules: [faster] }).start();
    await vi.waitFor(
      () =>
        expect(
          harness.logger.lines.filter((line) => line.message === 'schedules stored'),
        ).toHaveLength(stored + 1),
      { timeout: 30_000 },
    );
    expect(replaced()).toHaveLength(1);
  });

  it('lists its declared schedules in its worker record, as <queue>/<id>', async () => {
    const harness = await workers.start([task], { id: 'w-s', schedules: [everyMinute] });
    const [record] = await requireAdmin(harness.transport).listWorkers();
    expect(record?.schedules).toEqual(['sched/r.minute']);
    const plain = await workers.start([task], { id: 'w-plain' });
    const [other] = await requireAdmin(plain.transport).listWorkers();
    expect(other && 'schedules' in other).toBe(false);
  });

  it('publishes its record before it stores its schedules: they are never shown orphaned while it starts', async () => {
    const transport = memoryTransport();
    const admin = requireAdmin(transport);
    const schedules = transport.schedules as TransportSchedules;
    const declaredAtUpsert: Array<string[] | undefined> = [];
    const watched: Transport = {
      ...transport,
      schedules: {
        ...schedules,
        async upsert(specs) {
          const records = await admin.listWorkers();
          declaredAtUpsert.push(records.find((record) => record.id === 'w-first')?.schedules);
          return schedules.upsert(specs);
        },
      },
    };
    const worker = createWorker({
      transport: watched,
      tasks: [task],
      id: 'w-first',
      schedules: [everyMinute],
      logger: captureLogger(),
    });
    const running = worker.start();
    await expect.poll(() => declaredAtUpsert.length).toBe(1);
    expect(declaredAtUpsert).toEqual([['sched/r.minute']]);
    await worker.stop();
    await running;
  });

  it('a schedule the transport refuses fails start() and leaves no worker record', async () => {
    const transport = memoryTransport();
    const refusing: Transport = {
      ...transport,
      schedules: {
        ...(transport.schedules as TransportSchedules),
        upsert: () => Promise.reject(new Error('refused')),
      },
    };
    const worker = createWorker({
      transport: refusing,
      tasks: [task],
      id: 'w-refused',
      schedules: [everyMinute],
      logger: captureLogger(),
    });
    await expect(worker.start()).rejects.toThrow('refused');
    expect(await requireAdmin(transport).listWorkers()).toEqual([]);
  });
});

function requireAdmin(transport: Transport) {
  if (!transport.admin) throw new Error('no admin');
  return transport.admin;
}

/** A schedule config's id, task and timing, to change one field at a time. */
function timingOf(schedule: typeof everyMinute) {
  return { id: schedule.id, task: schedule.task, every: schedule.every as number };
}
