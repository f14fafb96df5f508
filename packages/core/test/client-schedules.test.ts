import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createClient } from '../src/client.js';
import { findSchedule } from '../src/client-schedules.js';
import { scheduleJobId } from '../src/ids.js';
import {
  AmbiguousScheduleError,
  type CapabilityMissingError,
  type ConveyorError,
  defineSchedule,
  defineTask,
  memoryTransport,
  ScheduleNotFoundError,
  scheduledSlotOf,
  scheduleJob,
  scheduleSpec,
  silentLogger,
} from '../src/index.js';
import { createManualClock } from '../src/testing/index.js';
import type { Transport } from '../src/transport.js';
import type { ScheduleSpec, TransportSchedules } from '../src/transport-schedules.js';

const report = defineTask({
  name: 'shop.report',
  input: z.object({ tenant: z.string(), threshold: z.number().int() }),
  queue: 'reports',
  priority: 7,
  retry: { attempts: 4 },
  run: () => null,
});

const mail = defineTask({
  name: 'shop.mail',
  input: z.object({ to: z.string() }),
  queue: 'mail',
  run: () => null,
});

const T0 = Date.parse('2026-03-02T10:02:10Z');

/** A client at T0, with a live worker record for `reports`: runtime schedules fire there. */
async function setup() {
  const clock = createManualClock();
  clock.set(T0);
  const transport = memoryTransport({ clock });
  await transport.admin.putWorker(
    {
      id: 'reports-worker',
      hostname: 'host',
      pid: 1,
      queues: ['reports'],
      tasks: ['shop.report'],
      concurrency: 1,
      state: 'running',
      startedAt: T0,
      heartbeatMs: 3_600_000,
      jobs: [],
      counts: { completed: 0, failed: 0, retried: 0 },
    },
    3_600_000,
  );
  return { clock, transport, client: createClient({ transport }) };
}

const tenantReport = (tenant: string, threshold = 5) =>
  defineSchedule({
    id: `report.${tenant}`,
    task: report,
    cron: '0 7 * * *',
    tz: 'Europe/Berlin',
    input: { tenant, threshold },
  });

describe('client.schedules', () => {
  it('upsert stores a runtime schedule in its task queue, idempotently, and a change is a new revision', async () => {
    const { client } = await setup();
    expect(await client.schedules.upsert(tenantReport('acme'))).toBe('created');
    expect(await client.schedules.upsert(tenantReport('acme'))).toBe('unchanged');
    let [row] = await client.schedules.list();
    expect(row).toMatchObject({
      queue: 'reports',
      id: 'report.acme',
      task: 'shop.report',
      source: 'runtime',
      timing: 'cron 0 7 * * * (Europe/Berlin)',
      revision: 1,
      input: { tenant: 'acme', threshold: 5 },
      orphaned: false,
    });
    expect(row?.next).toHaveLength(3);
    expect(await client.schedules.upsert(tenantReport('acme', 9))).toBe('changed');
    [row] = await client.schedules.list();
    expect(row).toMatchObject({ revision: 2, input: { tenant: 'acme', threshold: 9 } });
  });

  it('20 concurrent upserts of one id leave one schedule', async () => {
    const { client } = await setup();
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () => client.schedules.upsert(tenantReport('acme'))),
    );
    expect(outcomes.filter((outcome) => outcome === 'created')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'unchanged')).toHaveLength(19);
    expect(await client.schedules.list()).toHaveLength(1);
  });

  it('upsert refuses what is not a defineSchedule result', async () => {
    const { client } = await setup();
    await expect(client.schedules.upsert({ id: 'x', task: report } as never)).rejects.toMatchObject(
      { code: 'INVALID_OPTION' },
    );
    expect(await client.schedules.list()).toEqual([]);
  });

  it('pause and resume set the operator flag, found by id across queues', async () => {
    const { client } = await setup();
    await client.schedules.upsert(tenantReport('acme'));
    await client.schedules.pause('report.acme');
    let [row] = await client.schedules.list();
    expect(row).toMatchObject({ paused: true, next: [] });
    // Kept across an upsert of the same schedule (a deploy).
    await client.schedules.upsert(tenantReport('acme', 6));
    [row] = await client.schedules.list();
    expect(row?.paused).toBe(true);
    await client.schedules.resume('report.acme', { queue: 'reports' });
    [row] = await client.schedules.list();
    expect(row?.paused).toBe(false);
    expect(row?.next).toHaveLength(3);
  });

  it('remove of a schedule a live worker declares in code warns that the worker stores it again', async () => {
    const clock = createManualClock();
    clock.set(Date.now());
    const transport = memoryTransport({ clock });
    const warnings: string[] = [];
    const logger = {
      ...silentLogger,
      warn: (fields: unknown, message?: string) => {
        warnings.push(typeof fields === 'string' ? fields : (message ?? ''));
      },
    };
    const client = createClient({ transport, logger });
    const declared = defineSchedule({
      id: 'mail.digest',
      task: mail,
      every: '1h',
      input: { to: 'a' },
    });
    const worker = (id: string, heartbeatMs: number) => ({
      id,
      hostname: 'h',
      pid: 1,
      queues: ['mail'],
      tasks: ['shop.mail'],
      concurrency: 1,
      state: 'running' as const,
      startedAt: clock.now(),
      heartbeatMs,
      jobs: [],
      counts: { completed: 0, failed: 0, retried: 0 },
      schedules: ['mail/mail.digest'],
    });
    // Declared by a worker whose record went stale: an orphan, removed without a word.
    await transport.schedules.upsert([scheduleSpec(declared, 'code')]);
    await transport.admin.putWorker(worker('gone', 1_000), 60_000);
    await clock.advance(10_000);
    expect(await client.schedules.remove('mail.digest')).toBe(true);
    expect(warnings).toEqual([]);
    // Declared by a live one: it comes back at that worker's next list, and the caller hears so.
    await transport.schedules.upsert([scheduleSpec(declared, 'code')]);
    await transport.admin.putWorker(worker('live', 60_000), 600_000);
    expect(await client.schedules.remove('mail.digest')).toBe(true);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^Schedule "mail\.digest" is declared in the code of a live worker, which stores it again at its next list: the removal does not stop it\. Pause it/,
    );
    // A schedule made at run time stays removed: nothing to say.
    await transport.schedules.upsert([scheduleSpec(declared, 'runtime')]);
    expect(await client.schedules.remove('mail.digest')).toBe(true);
    expect(warnings).toHaveLength(1);

    // An upsert over it lasts until a worker declaring it starts: the caller hears so, once
    // per change (the same spec again is unchanged, and says nothing).
    const changed = defineSchedule({
      id: 'mail.digest',
      task: mail,
      every: '2h',
      input: { to: 'a' },
    });
    await transport.schedules.upsert([scheduleSpec(declared, 'code')]);
    expect(await client.schedules.upsert(changed)).toBe('changed');
    expect(await client.schedules.upsert(changed)).toBe('unchanged');
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatch(
      /^Schedule "mail\.digest" is declared in the code of a live worker: this upsert replaces it only until a worker declaring it starts, which stores the code's spec back\./,
    );
    // Another id, or no live worker declaring it: nothing to say.
    await client.schedules.upsert(
      defineSchedule({ id: 'mail.other', task: mail, every: '1h', input: { to: 'a' } }),
    );
    await clock.advance(700_000);
    await client.schedules.upsert(
      defineSchedule({ id: 'mail.digest', task: mail, every: '3h', input: { to: 'a' } }),
    );
    expect(warnings).toHaveLength(2);
    await transport.close();
  });

  it('runNow enqueues a plain job of the stored spec with a new id, also while paused, and leaves the slots alone', async () => {
    const { client, transport } = await setup();
    // Declared in code by some worker: this client does not know the schedule's task module.
    const declared = defineSchedule({
      id: 'mail.digest',
      task: mail,
      every: '1h',
      input: { to: 'ops@example.com' },
    });
    await transport.schedules.upsert([scheduleSpec(declared, 'code')]);
    await client.schedules.pause('mail.digest');
    const first = await client.schedules.runNow('mail.digest');
    const second = await client.schedules.runNow('mail.digest', { queue: 'mail' });
    expect(first.id).not.toBe(second.id);
    expect(scheduledSlotOf(first.id)).toBeUndefined();
    const job = await transport.getJob(first.id);
    expect(job?.state).toBe('waiting');
    expect(job?.envelope).toMatchObject({
      task: 'shop.mail',
      queue: 'mail',
      input: { to: 'ops@example.com' },
      attempt: 0,
    });
    expect(await first.status()).toBe('waiting');
    const [row] = await client.schedules.list();
    expect(row).toMatchObject({ paused: true, source: 'code' });
    expect(row?.lastJobId).toBeUndefined();
  });

  it('runNow uses the spec of the task as defined: attempts and priority', async () => {
    const { client, transport } = await setup();
    await client.schedules.upsert(tenantReport('acme'));
    const handle = await client.schedules.runNow('report.acme');
    const job = await transport.getJob(handle.id);
    expect(job?.envelope).toMatchObject({ maxAttempts: 4, priority: 7, queue: 'reports' });
  });

  it("a schedule's jobs carry its task's index entries, fired or run now, as an enqueued job does", async () => {
    const { client, clock, transport } = await setup();
    const invoice = defineTask({
      name: 'shop.invoice',
      input: z.object({ customer: z.object({ id: z.number() }), region: z.string() }),
      queue: 'billing',
      index: ['customer.id', 'region'],
      run: () => null,
    });
    const monthly = defineSchedule({
      id: 'invoice.c42',
      task: invoice,
      every: '1m',
      input: { customer: { id: 42 }, region: 'eu' },
    });
    await client.schedules.upsert(monthly);
    const enqueued = await client.enqueue(invoice, { customer: { id: 42 }, region: 'eu' });
    const runNow = await client.schedules.runNow('invoice.c42');
    // A slot fired by a process that does not know the task (the spec says its fields).
    clock.advance(60_000);
    const [state] = (await transport.schedules.list(['billing'])).schedules;
    const slotAt = Math.floor(clock.now() / 60_000) * 60_000;
    const fired = await transport.schedules.fire({
      scheduleId: 'invoice.c42',
      revision: state?.revision ?? 0,
      slotAt,
      job: scheduleJob(state?.spec as ScheduleSpec, {
        id: scheduleJobId('billing', 'invoice.c42', slotAt),
        enqueuedAt: clock.now(),
      }),
    });
    expect(fired.fired).toBe(true);
    for (const [field, value] of [
      ['customer.id', '42'],
      ['region', 'eu'],
    ] as const) {
      const page = await transport.admin.findByIndex('billing', {
        task: 'shop.invoice',
        field,
        value,
      });
      expect(page.jobs.map((job) => job.envelope.id).sort()).toEqual(
        [enqueued.id, runNow.id, fired.jobId].sort(),
      );
    }
  });

  // After a partition count change, the error proposed the superseded copy's queue first.
  it('an id in two partition counts proposes the copy that fires first', async () => {
    const states = [
      { spec: { id: 'digest', queue: 'emails~0of2' }, superseded: true },
      { spec: { id: 'digest', queue: 'emails~2of3' } },
    ];
    const schedules = {
      list: async () => ({ schedules: states }),
    } as unknown as TransportSchedules;
    const error = await findSchedule(schedules, 'digest', 'emails').catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ queues: ['emails~2of3', 'emails~0of2'] });
    expect((error as Error).message).toContain('{ queue: "emails~2of3" }');
  });

  it('an id stored in two queues needs { queue }: the error names both', async () => {
    const { client } = await setup();
    await client.schedules.upsert(
      defineSchedule({
        id: 'shared',
        task: report,
        every: '5m',
        input: { tenant: 'a', threshold: 1 },
      }),
    );
    await client.schedules.upsert(
      defineSchedule({ id: 'shared', task: mail, every: '5m', input: { to: 'b' } }),
    );
    const error = await client.schedules.pause('shared').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AmbiguousScheduleError);
    expect(error).toMatchObject({ code: 'SCHEDULE_AMBIGUOUS', queues: ['mail', 'reports'] });
    expect((error as Error).message).toContain('"mail", "reports"');
    expect((error as Error).message).toContain('{ queue: "mail" }');
    await expect(client.schedules.runNow('shared')).rejects.toBeInstanceOf(AmbiguousScheduleError);
    await expect(client.schedules.remove('shared')).rejects.toBeInstanceOf(AmbiguousScheduleError);
    await client.schedules.pause('shared', { queue: 'mail' });
    const rows = await client.schedules.list();
    expect(rows.map((row) => [row.queue, row.paused])).toEqual([
      ['mail', true],
      ['reports', false],
    ]);
  });

  it("{ queue } is a stored name first, then a partitioned queue's name", async () => {
    const { client, transport } = await setup();
    const declared = defineSchedule({
      id: 'mail.digest',
      task: mail,
      every: '1h',
      input: { to: 'a' },
    });
    // The queue was plain, then partitioned twice over: one id stored under three names.
    await transport.schedules.upsert(
      ['mail', 'mail~1of2', 'mail~0of3'].map((queue) => ({
        ...scheduleSpec(declared, 'code'),
        queue,
      })),
    );
    await client.schedules.pause('mail.digest', { queue: 'mail' });
    await client.schedules.pause('mail.digest', { queue: 'mail~0of3' });
    const paused = async () =>
      (await client.schedules.list()).map((row) => [row.queue, row.paused]);
    expect(await paused()).toEqual([
      ['mail', true],
      ['mail~0of3', true],
      ['mail~1of2', false],
    ]);
    expect(await client.schedules.remove('mail.digest', { queue: 'mail' })).toBe(true);
    const error = await client.schedules
      .runNow('mail.digest', { queue: 'mail' })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'SCHEDULE_AMBIGUOUS', queues: ['mail~0of3', 'mail~1of2'] });
  });

  it('an unknown id is SCHEDULE_NOT_FOUND; remove of one is false; a bad id INVALID_OPTION', async () => {
    const { client } = await setup();
    await client.schedules.upsert(tenantReport('acme'));
    for (const call of [
      client.schedules.pause('report.nobody'),
      client.schedules.resume('report.nobody'),
      client.schedules.runNow('report.nobody'),
    ]) {
      await expect(call).rejects.toBeInstanceOf(ScheduleNotFoundError);
    }
    const wrongQueue = await client.schedules
      .pause('report.acme', { queue: 'mail' })
      .catch((caught: unknown) => caught as ConveyorError);
    expect(wrongQueue).toMatchObject({ code: 'SCHEDULE_NOT_FOUND', queue: 'mail' });
    expect((wrongQueue as Error).message).toBe(
      'No schedule "report.acme" in queue "mail". List the stored schedules (client.schedules.list() or conveyor schedules) for the ids.',
    );
    expect(await client.schedules.remove('report.nobody')).toBe(false);
    await expect(client.schedules.pause('bad id!')).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    });
    expect(await client.schedules.remove('report.acme')).toBe(true);
    expect(await client.schedules.list()).toEqual([]);
    await expect(client.schedules.runNow('report.acme')).rejects.toMatchObject({
      code: 'SCHEDULE_NOT_FOUND',
    });
  });

  it('refuses a misspelt or malformed options object before acting, so no other queue is touched', async () => {
    const { client } = await setup();
    await client.schedules.upsert(tenantReport('acme'));
    // `queeu` was dropped and the id matched in any queue: the remove deleted it.
    const typo = { queeu: 'mail' } as never;
    for (const [call, name] of [
      [client.schedules.remove('report.acme', typo), 'remove'],
      [client.schedules.pause('report.acme', typo), 'pause'],
      [client.schedules.resume('report.acme', typo), 'resume'],
      [client.schedules.runNow('report.acme', typo), 'runNow'],
    ] as const) {
      await expect(call).rejects.toThrow(
        `Invalid client.schedules.${name} option "queeu": expected one of queue (did you mean "queue"?).`,
      );
    }
    await expect(client.schedules.list({ queus: ['x'] } as never)).rejects.toThrow(
      'Invalid client.schedules.list option "queus": expected one of queues (did you mean "queues"?).',
    );
    await expect(client.schedules.pause('report.acme', 'reports' as never)).rejects.toThrow(
      `Invalid options of client.schedules.pause "reports": expected an object such as { queue: 'reports' }, or none.`,
    );
    const [row] = await client.schedules.list();
    expect(row).toMatchObject({ id: 'report.acme', paused: false });
    expect(await client.schedules.list({ queues: ['reports'] })).toHaveLength(1);
  });

  it('without transport.schedules each call is CAPABILITY_MISSING, naming the call', async () => {
    const { transport } = await setup();
    const { schedules: _, ...rest } = transport;
    const client = createClient({ transport: { ...rest, name: 'bare' } as Transport });
    const error = await client.schedules.pause('x').catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'CAPABILITY_MISSING',
      capability: 'schedules',
    } satisfies Partial<CapabilityMissingError>);
    expect((error as Error).message).toContain('client.schedules.pause needs transport.schedules');
    await expect(client.schedules.list()).rejects.toMatchObject({ code: 'CAPABILITY_MISSING' });
    await expect(client.schedules.upsert(tenantReport('a'))).rejects.toMatchObject({
      code: 'CAPABILITY_MISSING',
    });
  });
});
