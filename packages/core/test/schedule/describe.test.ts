import { describe, expect, it } from 'vitest';
import { ENVELOPE_VERSION } from '../../src/envelope.js';
import {
  type CapabilityMissingError,
  describeSchedules,
  describeTiming,
  memoryTransport,
  type ScheduleRow,
  type WorkerRecord,
} from '../../src/index.js';
import { createManualClock } from '../../src/testing/index.js';
import type { Transport } from '../../src/transport.js';
import type { ScheduleSpec } from '../../src/transport-schedules.js';

const T0 = Date.parse('2026-03-02T10:02:10Z');

function spec(overrides: Partial<ScheduleSpec> & Pick<ScheduleSpec, 'id'>): ScheduleSpec {
  return {
    queue: 'reports',
    task: 'shop.report',
    every: 300_000,
    tz: 'UTC',
    input: { threshold: 5 },
    misfire: 'latest',
    overlap: 'allow',
    enabled: true,
    // Made at run time: fired by any live worker of its queue. A code schedule that no live
    // worker declares is orphaned, with no next fire times (tested below).
    source: 'runtime',
    maxAttempts: 3,
    priority: 5,
    ...overrides,
  };
}

/** A transport at T0; unless `served` is false, a live worker consumes `reports` and `mail`. */
async function setup({ served = true } = {}) {
  const clock = createManualClock();
  clock.set(T0);
  const transport = memoryTransport({ clock });
  if (served) {
    const live = { ...worker('consumer', [], 3_600_000), queues: ['reports', 'mail'] };
    await transport.admin.putWorker(live, 3_600_000);
  }
  return { clock, transport };
}

function worker(id: string, schedules: string[], heartbeatMs = 1_000): WorkerRecord {
  return {
    id,
    hostname: 'host',
    pid: 1,
    queues: ['reports'],
    tasks: ['shop.report'],
    concurrency: 1,
    state: 'running',
    startedAt: T0,
    heartbeatMs,
    jobs: [],
    counts: { completed: 0, failed: 0, retried: 0 },
    // The field workers that run schedules publish (older records lack it).
    ...({ schedules } as object),
  };
}

const byId = (rows: ScheduleRow[], id: string) => rows.find((row) => row.id === id);

describe('describeSchedules', () => {
  it('lists every schedule with its timing in words and its next 3 slots after the transport clock', async () => {
    const { transport } = await setup();
    await transport.schedules.upsert([
      spec({ id: 'every5m' }),
      spec({
        id: 'daily',
        queue: 'mail',
        every: undefined,
        cron: '0 7 * * *',
        tz: 'Europe/Berlin',
      }),
    ]);
    const rows = await describeSchedules(transport);
    expect(rows.map((row) => `${row.queue}/${row.id}`)).toEqual(['mail/daily', 'reports/every5m']);
    const every = byId(rows, 'every5m');
    expect(every).toMatchObject({
      task: 'shop.report',
      every: 300_000,
      timing: 'every 5m',
      source: 'runtime',
      enabled: true,
      paused: false,
      revision: 1,
      updatedAt: T0,
      input: { threshold: 5 },
    });
    expect(every?.next.map((t) => new Date(t).toISOString())).toEqual([
      '2026-03-02T10:05:00.000Z',
      '2026-03-02T10:10:00.000Z',
      '2026-03-02T10:15:00.000Z',
    ]);
    expect(every?.lastJobId).toBeUndefined();
    const daily = byId(rows, 'daily');
    expect(daily?.timing).toBe('cron 0 7 * * * (Europe/Berlin)');
    expect(daily?.every).toBeUndefined();
    // 07:00 in Berlin is 06:00Z in winter; the next one is tomorrow's.
    expect(daily?.next.map((t) => new Date(t).toISOString())).toEqual([
      '2026-03-03T06:00:00.000Z',
      '2026-03-04T06:00:00.000Z',
      '2026-03-05T06:00:00.000Z',
    ]);
    expect(await describeSchedules(transport, { queues: ['mail'] })).toEqual([daily]);
  });

  it('shows no next fire times for a paused or disabled schedule', async () => {
    const { transport } = await setup();
    await transport.schedules.upsert([spec({ id: 'paused' }), spec({ id: 'off', enabled: false })]);
    await transport.schedules.setPaused('reports', 'paused', true);
    const rows = await describeSchedules(transport);
    expect(byId(rows, 'paused')).toMatchObject({ paused: true, enabled: true, next: [] });
    expect(byId(rows, 'off')).toMatchObject({ paused: false, enabled: false, next: [] });
  });

  it('marks the copy another copy of the id supersedes, with no next fire times (a partition count changed)', async () => {
    const { transport } = await setup();
    const served = { ...worker('partitions', [], 3_600_000), queues: ['pq~1of4', 'pq~1of8'] };
    await transport.admin.putWorker(served, 3_600_000);
    // Workers of 4 partitions stored the schedule first, workers of 8 later: the later fires.
    await transport.schedules.upsert([spec({ id: 'daily', queue: 'pq~1of4' })]);
    await transport.schedules.upsert([spec({ id: 'daily', queue: 'pq~1of8' })]);
    const rows = await describeSchedules(transport, { queues: ['pq'] });
    const old = rows.find((row) => row.queue === 'pq~1of4');
    const current = rows.find((row) => row.queue === 'pq~1of8');
    expect(old).toMatchObject({ superseded: true, paused: false, orphaned: false, next: [] });
    expect(current).not.toHaveProperty('superseded');
    expect(current?.next.map((at) => new Date(at).toISOString())).toEqual([
      '2026-03-02T10:05:00.000Z',
      '2026-03-02T10:10:00.000Z',
      '2026-03-02T10:15:00.000Z',
    ]);
  });

  it('reports the last fired slot, its job, the job state now and the fire time', async () => {
    const { clock, transport } = await setup();
    await transport.schedules.upsert([spec({ id: 'every5m' })]);
    const slotAt = Date.parse('2026-03-02T10:05:00Z');
    await clock.advance(slotAt + 1_500 - T0);
    const fired = await transport.schedules.fire({
      scheduleId: 'every5m',
      revision: 1,
      slotAt,
      job: {
        envelope: {
          v: ENVELOPE_VERSION,
          id: 'placeholder',
          task: 'shop.report',
          queue: 'reports',
          input: { threshold: 5 },
          attempt: 0,
          maxAttempts: 3,
          priority: 5,
          enqueuedAt: 0,
        },
      },
    });
    expect(fired.fired).toBe(true);
    let [row] = await describeSchedules(transport);
    expect(row).toMatchObject({
      lastSlotAt: slotAt,
      lastJobId: fired.jobId,
      lastJobState: 'waiting',
      lastFiredAt: slotAt + 1_500,
    });
    expect(row?.next[0]).toBe(Date.parse('2026-03-02T10:10:00Z'));
    // The state is read at each call: reserved, the job is active.
    const [reservation] = await transport.reserve({
      queues: ['reports'],
      consumer: 'w1',
      max: 1,
      leaseMs: 30_000,
    });
    expect(reservation?.envelope.id).toBe(fired.jobId);
    [row] = await describeSchedules(transport);
    expect(row?.lastJobState).toBe('active');
  });

  it('marks a code schedule orphaned when no live worker declares it, a runtime one when no live worker serves its queue', async () => {
    const { clock, transport } = await setup({ served: false });
    await transport.schedules.upsert([
      spec({ id: 'declared', source: 'code' }),
      spec({ id: 'dropped', source: 'code' }),
      spec({ id: 'made-at-run-time', source: 'runtime' }),
      // A worker that declares a schedule of `mail` fires that queue's runtime schedules too.
      spec({ id: 'runtime-mail', queue: 'mail', source: 'runtime' }),
      // No worker consumes `ledger`: made at run time there, it never fires.
      spec({ id: 'runtime-ledger', queue: 'ledger', source: 'runtime' }),
    ]);
    const orphans = async () =>
      (await describeSchedules(transport)).filter((row) => row.orphaned).map((row) => row.id);
    // No worker at all: nothing fires.
    expect(await orphans()).toEqual([
      'runtime-ledger',
      'runtime-mail',
      'declared',
      'dropped',
      'made-at-run-time',
    ]);
    await transport.admin.putWorker(worker('w1', ['reports/declared', 'mail/dropped']), 60_000);
    expect(await orphans()).toEqual(['runtime-ledger', 'dropped']);
    // An orphaned schedule fires on no worker: it has no next fire times.
    const rows = await describeSchedules(transport);
    expect(byId(rows, 'dropped')?.next).toEqual([]);
    expect(byId(rows, 'runtime-ledger')?.next).toEqual([]);
    expect(byId(rows, 'declared')?.next).toHaveLength(3);
    expect(byId(rows, 'made-at-run-time')?.next).toHaveLength(3);
    expect(byId(rows, 'runtime-mail')?.next).toHaveLength(3);
    // A worker that stopped refreshing its record counts for nothing.
    await clock.advance(2_500);
    expect(await orphans()).toHaveLength(5);
    await transport.admin.putWorker(worker('w2', ['reports/dropped'], 10_000), 60_000);
    expect(await orphans()).toEqual(['runtime-ledger', 'runtime-mail', 'declared']);
  });

  it('needs the schedules capability, and does without admin (no orphans then)', async () => {
    const { transport } = await setup();
    await transport.schedules.upsert([spec({ id: 'declared' })]);
    const { schedules: _, ...rest } = transport;
    const bare = { ...rest, name: 'bare' } as Transport;
    await expect(describeSchedules(bare)).rejects.toMatchObject({
      code: 'CAPABILITY_MISSING',
      capability: 'schedules',
    } satisfies Partial<CapabilityMissingError>);
    const noAdmin = { ...rest, admin: undefined, schedules: transport.schedules } as Transport;
    const [row] = await describeSchedules(noAdmin);
    expect(row?.orphaned).toBe(false);
  });
});

describe('describeTiming', () => {
  it('writes intervals largest unit first and cron with its zone', () => {
    expect(describeTiming({ every: 5_400_000, tz: 'UTC' })).toBe('every 1h30m');
    expect(describeTiming({ every: 86_400_000 + 1_000, tz: 'UTC' })).toBe('every 1d1s');
    expect(describeTiming({ every: 1_500, tz: 'UTC' })).toBe('every 1500ms');
    expect(describeTiming({ cron: '*/15 * * * * *', tz: 'UTC' })).toBe('cron */15 * * * * * (UTC)');
  });
});
