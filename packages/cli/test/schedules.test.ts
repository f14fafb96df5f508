import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createClient,
  defineSchedule,
  defineTask,
  memoryTransport,
  type ScheduleSpec,
  scheduleJob,
  type Transport,
  type WorkerRecord,
} from '@conveyor/core';
import { createManualClock } from '@conveyor/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeSchedules } from '../src/commands/schedules.js';
import { schedulesIn } from '../src/commands/worker.js';
import { CliError } from '../src/errors.js';
import { cli, json, packageDir } from './helpers.js';

// The commands run on an in-memory transport (with a manual clock) that a config file hands
// the CLI, so the output is exact; the Redis transport's schedules have their own
// conformance tests, and schedule-processes.test.ts runs real workers on Redis.
const root = path.join(packageDir, '.tmp', `schedules-${process.pid}`);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const T0 = Date.parse('2026-03-02T10:02:10Z');

/**
 * A project whose config's transport is `box.transport`, set by the test; each run gets a
 * view of it whose close() does nothing, without the members named in `hide`.
 */
async function project(hide: string[] = []) {
  const dir = path.join(root, randomBytes(4).toString('hex'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'conveyor.config.ts'),
    `import { defineConfig } from '@conveyor/codegen/config';

export const box = { transport: undefined };

export default defineConfig({
  tasks: ['tasks/*.ts'],
  client: 'generated/client.ts',
  registry: 'generated/registry.ts',
  transport: () =>
    new Proxy(box.transport, {
      get: (target, key) =>
        ${JSON.stringify(hide)}.includes(key)
          ? undefined
          : key === 'close'
            ? async () => {}
            : Reflect.get(target, key),
    }),
});
`,
  );
  const url = pathToFileURL(path.join(dir, 'conveyor.config.ts')).href;
  const { box } = (await import(/* @vite-ignore */ url)) as { box: { transport?: Transport } };
  const clock = createManualClock();
  clock.set(T0);
  const transport = memoryTransport({ clock });
  box.transport = transport;
  const run = (argv: string[]) => cli(argv, { cwd: dir });
  return { dir, clock, transport, run };
}

function spec(overrides: Partial<ScheduleSpec> & Pick<ScheduleSpec, 'id'>): ScheduleSpec {
  return {
    queue: 'reports',
    task: 'shop.report',
    every: 3_600_000,
    tz: 'UTC',
    input: { threshold: 5 },
    misfire: 'latest',
    overlap: 'allow',
    enabled: true,
    source: 'code',
    maxAttempts: 3,
    priority: 5,
    ...overrides,
  };
}

const worker = (schedules: string[]): WorkerRecord =>
  ({
    id: 'w1',
    hostname: 'host',
    pid: 1,
    queues: ['reports'],
    tasks: ['shop.report'],
    concurrency: 1,
    state: 'running',
    startedAt: T0,
    heartbeatMs: 10_000,
    jobs: [],
    counts: { completed: 0, failed: 0, retried: 0 },
    schedules,
  }) as WorkerRecord;

/**
 * Three schedules: `reports.hourly` declared by a live worker and fired 2m10s after its
 * 10:00 slot; `mail.digest` declared in code by no live worker (orphaned); `tenant.acme`
 * made at run time and paused.
 */
async function stored() {
  const env = await project();
  const { schedules, admin } = env.transport;
  await schedules.upsert([
    spec({ id: 'reports.hourly' }),
    spec({
      id: 'mail.digest',
      queue: 'mail',
      every: undefined,
      cron: '0 7 * * *',
      tz: 'Europe/Berlin',
    }),
    spec({ id: 'tenant.acme', every: 300_000, source: 'runtime' }),
  ]);
  await schedules.setPaused('reports', 'tenant.acme', true);
  await admin.putWorker(worker(['reports/reports.hourly']), 60_000);
  const fired = await schedules.fire({
    scheduleId: 'reports.hourly',
    revision: 1,
    slotAt: Date.parse('2026-03-02T10:00:00Z'),
    job: scheduleJob(spec({ id: 'reports.hourly' }), { id: 'set-by-fire', enqueuedAt: 0 }),
  });
  expect(fired.fired).toBe(true);
  return { ...env, firedJobId: fired.jobId };
}

/** A task of a queue that holds jobs but no schedule. */
const jobsOnly = defineTask({
  name: 'shop.jobsOnly',
  input: z.object({}),
  queue: 'jobs-only',
  run: async () => null,
});

const rowOf = (stdout: string, id: string) =>
  stdout.split('\n').find((line) => line.startsWith(`${id} `)) ?? '';

describe('conveyor schedules', () => {
  it('marks a runtime schedule in a queue no live worker consumes orphaned, naming the queue', async () => {
    const { run, transport } = await stored();
    await transport.schedules.upsert([
      spec({ id: 'tenant.ledger', queue: 'ledger', every: 300_000, source: 'runtime' }),
    ]);
    const { stdout } = await run(['schedules']);
    expect(rowOf(stdout, 'tenant.ledger')).toMatch(/- \(orphaned\)\s+never fired\s+-\s+no\s+yes$/);
    // Made at run time in `reports`, which the live worker consumes: it fires (paused aside).
    expect(rowOf(stdout, 'tenant.acme')).toMatch(/\s+yes\s+no$/);
    expect(stdout).toContain(
      '1 orphaned: made at run time in a queue no live worker serves (ledger), so it does not fire. It fires again once a worker consumes that queue;',
    );
  });

  it('marks a copy left by a partition count change superseded, with no fire times, and says how to remove it', async () => {
    const { run, transport } = await stored();
    // Workers of 4 partitions stored the schedule, then workers of 8: the later copy fires.
    await transport.admin.putWorker(
      { ...worker([]), id: 'w-partitions', queues: ['pq~1of4', 'pq~1of8'] },
      60_000,
    );
    await transport.schedules.upsert([spec({ id: 'daily', queue: 'pq~1of4', source: 'runtime' })]);
    await transport.schedules.upsert([spec({ id: 'daily', queue: 'pq~1of8', source: 'runtime' })]);
    const { stdout } = await run(['schedules', '--queues', 'pq']);
    const [old, current] = ['pq~1of4', 'pq~1of8'].map(
      (queue) =>
        stdout.split('\n').find((line) => /^daily\s/.test(line) && line.includes(queue)) ?? '',
    );
    expect(old).toMatch(/- \(superseded\)\s+never fired\s+-\s+no\s+no$/);
    expect(current).not.toContain('superseded');
    expect(current).toContain('2026-03-02T11:00:00Z, 2026-03-02T12:00:00Z, 2026-03-02T13:00:00Z');
    expect(stdout).toContain(
      '1 superseded: another copy of the same id on the same queue fires (its partition count changed), so this copy does not. Remove it once the old partitions are drained: `conveyor schedules remove daily --queue pq~1of4`.',
    );
    const machine = await run(['schedules', '--queues', 'pq', '--json']);
    const rows = JSON.parse(machine.stdout).schedules as { queue: string; superseded?: true }[];
    expect(rows.map(({ queue, superseded }) => ({ queue, superseded }))).toEqual([
      { queue: 'pq~1of4', superseded: true },
      { queue: 'pq~1of8', superseded: undefined },
    ]);
  });

  it('lists each schedule: timing, next 3 fire times, last slot and job, paused, orphaned', async () => {
    const { run } = await stored();
    const { code, stdout, stderr } = await run(['schedules']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(
      /^ID\s+QUEUE\s+TASK\s+TIMING\s+NEXT FIRE TIMES\s+LAST SLOT\s+LAST JOB\s+PAUSED\s+ORPHANED$/,
    );
    // Sorted by queue, then id.
    expect(lines.slice(1, 4).map((line) => line.split(/\s+/)[0])).toEqual([
      'mail.digest',
      'reports.hourly',
      'tenant.acme',
    ]);
    expect(rowOf(stdout, 'reports.hourly')).toMatch(
      /^reports\.hourly\s+reports\s+shop\.report\s+every 1h\s+2026-03-02T11:00:00Z, 2026-03-02T12:00:00Z, 2026-03-02T13:00:00Z \(in [^)]+\)\s+2026-03-02T10:00:00Z \(fired 2m10s late\)\s+waiting\s+no\s+no$/,
    );
    // Orphaned: it fires on no worker, so it has no next fire times.
    expect(rowOf(stdout, 'mail.digest')).toMatch(
      /^mail\.digest\s+mail\s+shop\.report\s+cron 0 7 \* \* \* \(Europe\/Berlin\)\s+- \(orphaned\)\s+never fired\s+-\s+no\s+yes$/,
    );
    expect(rowOf(stdout, 'tenant.acme')).toMatch(
      /^tenant\.acme\s+reports\s+shop\.report\s+every 5m\s+- \(paused\)\s+never fired\s+-\s+yes\s+no$/,
    );
    expect(stdout).toContain(
      '1 orphaned: declared in code, but no live worker declares it now, so it does not fire.',
    );
  });

  it('--json prints the rows; --queues keeps those of the queues named', async () => {
    const { run, firedJobId } = await stored();
    const all = json<{ schedules: Record<string, unknown>[] }>(await run(['schedules', '--json']));
    expect(all.schedules).toHaveLength(3);
    expect(all.schedules[1]).toMatchObject({
      queue: 'reports',
      id: 'reports.hourly',
      timing: 'every 1h',
      source: 'code',
      paused: false,
      orphaned: false,
      next: [
        Date.parse('2026-03-02T11:00:00Z'),
        Date.parse('2026-03-02T12:00:00Z'),
        Date.parse('2026-03-02T13:00:00Z'),
      ],
      lastSlotAt: Date.parse('2026-03-02T10:00:00Z'),
      lastFiredAt: T0,
      lastJobId: firedJobId,
      lastJobState: 'waiting',
      input: { threshold: 5 },
    });
    const mail = json<{ schedules: { id: string }[] }>(
      await run(['schedules', '--queues', 'mail', '--json']),
    );
    expect(mail.schedules.map((row) => row.id)).toEqual(['mail.digest']);
  });

  it('says so when there are none', async () => {
    const { run } = await project();
    const { code, stdout } = await run(['schedules']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^No schedules stored\. Workers store the schedules/);
  });

  it('a repeated --queues adds its queues to the earlier ones', async () => {
    const { run } = await stored();
    const both = json<{ schedules: { id: string }[] }>(
      await run(['schedules', '--queues', 'mail', '--queues', 'reports', '--json']),
    );
    expect(both.schedules.map((row) => row.id)).toEqual([
      'mail.digest',
      'reports.hourly',
      'tenant.acme',
    ]);
  });

  it('--queues naming a queue without schedules says so, and notes a name nothing has used', async () => {
    // It said "No schedules stored" (false: other queues hold some), with no note on the typo.
    const { run } = await stored();
    const typo = await run(['schedules', '--queues', 'reprots']);
    expect(typo.stderr).toBe('');
    expect(typo.code).toBe(0);
    expect(typo.stdout).toBe(
      'No schedules in queue reprots.\n\nNo queue named "reprots" has held a job or has a worker (did you mean reports?).\n',
    );
    const machine = await run(['schedules', '--queues', 'zzz,mail', '--json']);
    expect(json(machine)).toEqual({
      schedules: [expect.objectContaining({ id: 'mail.digest' })],
      unknownQueues: [
        {
          queue: 'zzz',
          note: 'No queue named "zzz" has held a job or has a worker (the queues: reports, mail).',
        },
      ],
    });
    // A queue that held a job is known, though it holds no schedule: no note.
    const { run: runOn, transport } = await stored();
    await createClient({ transport }).enqueue(jobsOnly, {});
    const known = await runOn(['schedules', '--queues', 'jobs-only,mail']);
    expect(known.stdout).not.toContain('No queue named');
    expect(rowOf(known.stdout, 'mail.digest')).not.toBe('');
    const none = await runOn(['schedules', '--queues', 'jobs-only', '--json']);
    expect(json(none)).toEqual({ schedules: [] });
    const human = await runOn(['schedules', '--queues', 'jobs-only,reprots']);
    expect(human.stdout.split('\n')[0]).toBe('No schedules in queues jobs-only, reprots.');
  });

  it('pause and resume set the flag the workers obey; --json says what was done', async () => {
    const { run, transport } = await stored();
    const paused = await run(['schedules', 'pause', 'reports.hourly']);
    expect(paused.stderr).toBe('');
    expect(paused.code).toBe(0);
    expect(paused.stdout).toBe(
      'Paused schedule "reports.hourly": no slot fires until `conveyor schedules resume reports.hourly`.\n',
    );
    const pausedOf = async (id: string) =>
      (await transport.schedules.list()).schedules.find((state) => state.spec.id === id)?.paused;
    expect(await pausedOf('reports.hourly')).toBe(true);
    const resumed = await run([
      'schedules',
      'resume',
      'reports.hourly',
      '--queue',
      'reports',
      '--json',
    ]);
    expect(resumed.code).toBe(0);
    expect(json(resumed)).toEqual({
      schedule: 'reports.hourly',
      queue: 'reports',
      paused: false,
      changed: true,
    });
    expect(await pausedOf('reports.hourly')).toBe(false);
  });

  it('pause of a paused schedule and resume of one not paused say so; --json changed: false', async () => {
    // Both said "Paused schedule ..." / "Resumed schedule ..." again, as if they had acted.
    const { run } = await stored();
    const again = await run(['schedules', 'pause', 'tenant.acme']);
    expect(again.code).toBe(0);
    expect(again.stderr).toBe('');
    expect(again.stdout).toBe(
      'Schedule "tenant.acme" was already paused: no slot fires until `conveyor schedules resume tenant.acme`.\n',
    );
    // The queue acted on is in the JSON, given or not.
    expect(json(await run(['schedules', 'pause', 'tenant.acme', '--json']))).toEqual({
      schedule: 'tenant.acme',
      queue: 'reports',
      paused: true,
      changed: false,
    });
    const notPaused = await run(['schedules', 'resume', 'reports.hourly']);
    expect(notPaused.code).toBe(0);
    expect(notPaused.stdout).toBe(
      'Schedule "reports.hourly" was not paused: it fires at its slots, nothing changed.\n',
    );
    expect(json(await run(['schedules', 'resume', 'reports.hourly', '--json']))).toEqual({
      schedule: 'reports.hourly',
      queue: 'reports',
      paused: false,
      changed: false,
    });
    expect(json(await run(['schedules', 'pause', 'reports.hourly', '--json']))).toEqual({
      schedule: 'reports.hourly',
      queue: 'reports',
      paused: true,
      changed: true,
    });
  });

  it('after pause --queue, the resume hint names the queue, and works for an id in two queues', async () => {
    const { run, transport } = await stored();
    await transport.schedules.upsert([spec({ id: 'dup', queue: 'mail' }), spec({ id: 'dup' })]);
    const paused = await run(['schedules', 'pause', 'dup', '--queue', 'mail']);
    expect(paused.code).toBe(0);
    expect(paused.stdout).toBe(
      'Paused schedule "dup": no slot fires until `conveyor schedules resume dup --queue mail`.\n',
    );
    const hinted = /`conveyor (.+)`/.exec(paused.stdout)?.[1]?.split(' ') ?? [];
    const resumed = await run(hinted);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    const { schedules } = await transport.schedules.list();
    expect(
      schedules.filter((state) => state.spec.id === 'dup').map((state) => state.paused),
    ).toEqual([false, false]);
  });

  it('remove deletes a stored schedule (an orphan say), notes one a live worker declares, and exits 4 for an unknown id', async () => {
    // There was no way to remove one without writing code (client.schedules.remove).
    const { run, transport } = await stored();
    const orphan = await run(['schedules', 'remove', 'mail.digest']);
    expect(orphan.code).toBe(0);
    expect(orphan.stdout).toBe('Removed schedule "mail.digest": no slot of it fires any more.\n');
    expect(orphan.stderr).toBe('');
    const ids = async () => (await transport.schedules.list()).schedules.map((s) => s.spec.id);
    expect(await ids()).not.toContain('mail.digest');
    // Declared by a live worker: removed, and said on the removal's own line that the worker
    // stores it again (it said "no slot of it fires any more", with a note on stderr).
    const declared = await run(['schedules', 'remove', 'reports.hourly', '--json']);
    expect(declared.code).toBe(0);
    expect(json(declared)).toEqual({
      schedule: 'reports.hourly',
      removed: true,
      declaredByLiveWorker: true,
    });
    expect(declared.stderr).toBe('');
    const again = await stored();
    const human = await again.run(['schedules', 'remove', 'reports.hourly']);
    expect(human.code).toBe(0);
    expect(human.stdout).toBe(
      'Removed schedule "reports.hourly", but a live worker declares it in its code and stores it again at its next list: it comes back. To stop it, pause it (`conveyor schedules pause reports.hourly`), or take it out of every worker\'s code, then remove it.\n',
    );
    const unknown = await run(['schedules', 'remove', 'nope']);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toBe(
      'error: No schedule "nope" in any queue: nothing was removed. List the stored schedules with `conveyor schedules`.\n',
    );
  });

  it("run-now enqueues the schedule's job with a new id, also while paused", async () => {
    const { run, transport } = await stored();
    const human = await run(['schedules', 'run-now', 'tenant.acme']);
    expect(human.code).toBe(0);
    const [, jobId] =
      /^Enqueued (\S+): a run of schedule "tenant\.acme" now; its slots are unaffected\.$/m.exec(
        human.stdout,
      ) ?? [];
    const job = await transport.getJob(jobId ?? '');
    expect(job).toMatchObject({
      state: 'waiting',
      envelope: { task: 'shop.report', queue: 'reports' },
    });
    const machine = json<{ jobId: string }>(
      await run(['schedules', 'run-now', 'tenant.acme', '--json']),
    );
    expect(machine).toMatchObject({ schedule: 'tenant.acme', queue: 'reports' });
    expect(machine.jobId).not.toBe(jobId);
    expect((await transport.getJob(machine.jobId))?.state).toBe('waiting');
  });

  it('run-now of an orphaned schedule still enqueues, with a note on stderr; --json orphaned: true', async () => {
    // It said only "Enqueued ..." and the job was dead-lettered at once as an unknown task.
    const { run, transport } = await stored();
    await transport.schedules.upsert([spec({ id: 's.every', queue: 'reports', task: 't.tick' })]);
    const human = await run(['schedules', 'run-now', 's.every']);
    expect(human.code).toBe(0);
    const [, jobId] =
      /^Enqueued (\S+): a run of schedule "s\.every" now; its slots are unaffected\.$/m.exec(
        human.stdout,
      ) ?? [];
    expect((await transport.getJob(jobId ?? ''))?.state).toBe('waiting');
    expect(human.stderr).toBe(
      'note: no live worker declares schedule "s.every" now (it is orphaned: its slots do not fire); no live worker of queue "reports" runs task "t.tick" now either, so this job waits there, or a worker of that queue that lacks the task dead-letters it as UNKNOWN_TASK. Deploy a worker whose code declares the schedule, or remove it with `conveyor schedules remove s.every --queue reports` if it is gone for good.\n',
    );
    const machine = await run(['schedules', 'run-now', 's.every', '--json']);
    expect(machine.code).toBe(0);
    expect(json(machine)).toMatchObject({ schedule: 's.every', orphaned: true });
    // Orphaned, but a live worker of its queue runs its task: the job runs; the note says so.
    await transport.schedules.upsert([spec({ id: 's.gone' })]);
    const runs = await run(['schedules', 'run-now', 's.gone']);
    expect(runs.code).toBe(0);
    expect(runs.stderr).toMatch(
      /^note: no live worker declares schedule "s\.gone" now \(it is orphaned: its slots do not fire\); a live worker of queue "reports" runs task "shop\.report", so this job runs\. /,
    );
    // Of a queue no live worker serves: none runs its task there.
    const unserved = await run(['schedules', 'run-now', 'mail.digest']);
    expect(unserved.stderr).toContain('no live worker of queue "mail" runs task "shop.report"');
    // Declared by a live worker: no note, orphaned: false.
    const declared = await run(['schedules', 'run-now', 'reports.hourly', '--json']);
    expect(declared.stderr).toBe('');
    expect(json(declared)).toMatchObject({ orphaned: false });
  });

  it('an unknown id exits 4, an id in two queues without --queue 2, a malformed id 2', async () => {
    const { run, transport } = await stored();
    const unknown = await run(['schedules', 'run-now', 'nope']);
    expect(unknown.code).toBe(4);
    // The CLI's own advice only: core's message offers client.schedules.list() too.
    expect(unknown.stderr).toBe(
      'error: No schedule "nope" in any queue. List the stored schedules and their ids with `conveyor schedules`.\n',
    );
    const elsewhere = await run(['schedules', 'pause', 'nope', '--queue', 'mail']);
    expect(elsewhere.code).toBe(4);
    expect(elsewhere.stderr).toBe(
      'error: No schedule "nope" in queue "mail". List the stored schedules and their ids with `conveyor schedules`.\n',
    );
    // A typo got no suggestion, where enqueue, pause and status give one.
    const misspelt = await run(['schedules', 'run-now', 'tenant.acmee']);
    expect(misspelt.code).toBe(4);
    expect(misspelt.stderr).toBe(
      'error: No schedule "tenant.acmee" in any queue (did you mean "tenant.acme"?). List the stored schedules and their ids with `conveyor schedules`.\n',
    );
    expect((await run(['schedules', 'remove', 'tenant.acmee'])).stderr).toContain(
      '(did you mean "tenant.acme"?): nothing was removed.',
    );
    // The id, with --queue naming another queue than its own.
    const queue = await run(['schedules', 'resume', 'tenant.acme', '--queue', 'mail']);
    expect(queue.code).toBe(4);
    expect(queue.stderr).toBe(
      'error: No schedule "tenant.acme" in queue "mail" (it is stored in queue "reports": pass that --queue, or leave --queue out). List the stored schedules and their ids with `conveyor schedules`.\n',
    );

    await transport.schedules.upsert([spec({ id: 'dup', queue: 'mail' }), spec({ id: 'dup' })]);
    const ambiguous = await run(['schedules', 'pause', 'dup']);
    expect(ambiguous.code).toBe(2);
    // The CLI's words, with a command to paste per queue (core's say `{ queue: "mail" }`).
    expect(ambiguous.stderr).toBe(
      'error: Schedule "dup" is stored in more than one queue ("mail", "reports"): nothing was paused. Say which with --queue, as one of:\n' +
        '  conveyor schedules pause dup --queue mail\n' +
        '  conveyor schedules pause dup --queue reports\n',
    );
    const chosen = await run(['schedules', 'pause', 'dup', '-q', 'mail']);
    expect(chosen.code).toBe(0);

    const malformed = await run(['schedules', 'resume', 'bad id']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('Invalid schedule id "bad id"');

    // A mistyped subcommand is named as one, with the nearest, and changes nothing.
    const typo = await run(['schedules', 'pasue', 'dup']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain(
      'error: unknown command "pasue" for conveyor schedules: expected one of run-now, pause, resume, remove (did you mean pause?)',
    );
    // Another tool's word for a command is pointed at this one's (before: no suggestion).
    const synonym = await run(['schedules', 'delete', 'dup']);
    expect(synonym.code).toBe(2);
    expect(synonym.stderr).toContain('(did you mean remove?)');
    const listed = json<{ schedules: Array<{ id: string; queue: string; paused: boolean }> }>(
      await run(['schedules', '--json']),
    ).schedules.filter((row) => row.id === 'dup');
    expect(listed.map(({ queue, paused }) => ({ queue, paused }))).toEqual(
      expect.arrayContaining([
        { queue: 'mail', paused: true },
        { queue: 'reports', paused: false },
      ]),
    );
  });

  it('run-now, pause and resume refuse extra operands (exit 2), as every command does, and change nothing', async () => {
    // They acted on the id and exited 0: `schedules` allows excess operands (to name a
    // mistyped subcommand), and its subcommands inherited that.
    const { run, transport } = await stored();
    const before = await transport.schedules.list();
    for (const argv of [
      ['schedules', 'run-now', 'tenant.acme', 'extra', 'junk'],
      ['schedules', 'pause', 'reports.hourly', 'tenant.acme'],
      ['schedules', 'resume', 'tenant.acme', 'extra'],
    ]) {
      const excess = await run(argv);
      expect(excess.code, argv.join(' ')).toBe(2);
      expect(excess.stderr).toMatch(new RegExp(`^error: too many arguments for '${argv[1]}'`));
      expect(excess.stdout).toBe('');
    }
    expect(await transport.schedules.list()).toEqual(before);
    expect(await transport.admin.queueCounts(['reports'])).toMatchObject([{ waiting: 1 }]);
  });

  it('on a transport without schedules each command exits 10 (CAPABILITY_MISSING)', async () => {
    const { run } = await project(['schedules']);
    for (const argv of [['schedules'], ['schedules', 'pause', 'x']]) {
      const result = await run(argv);
      expect(result.code).toBe(10);
      expect(result.stderr).toMatch(
        /^error: `conveyor schedules( pause)?` needs transport\.schedules/,
      );
    }
  });

  it('each subcommand has --help with --queue and where the transport comes from', async () => {
    for (const sub of ['run-now', 'pause', 'resume']) {
      const { code, stdout } = await cli(['schedules', sub, '--help']);
      expect(code).toBe(0);
      expect(stdout).toMatch(
        new RegExp(`^Usage: conveyor schedules ${sub} \\[options\\] <id>`, 'm'),
      );
      expect(stdout).toMatch(/^ {2}-q, --queue <queue> /m);
      expect(stdout).toMatch(/^Transport: --redis <url>/m);
    }
    const { stdout } = await cli(['schedules', '--help']);
    expect(stdout).toMatch(/^ {2}run-now \[options\] <id> /m);
  });
});

describe('the schedules table', () => {
  it('escapes what a terminal would act on in every cell (stored data is not trusted)', () => {
    const hostile = '\x1b]0;pwned\x07\u202e';
    const lines = describeSchedules(
      [
        {
          queue: 'q',
          id: 'x',
          task: hostile,
          tz: 'UTC',
          timing: `cron ${hostile} (UTC)`,
          misfire: 'latest',
          overlap: 'allow',
          source: 'runtime',
          enabled: true,
          paused: false,
          orphaned: false,
          next: [],
          revision: 1,
          updatedAt: 0,
          input: null,
        },
      ],
      0,
    );
    const text = lines.join('\n');
    for (const raw of ['\x1b', '\x07', '\u202e']) expect(text).not.toContain(raw);
    expect(text).toContain('\\x1b]0;pwned\\x07\\u202e');
  });
});

describe('conveyor inspect of a schedule job', () => {
  it('shows the slot, the fire time and how late it fired', async () => {
    const { run, firedJobId } = await stored();
    const human = await run(['inspect', firedJobId]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^Schedule {2}reports\.hourly$/m);
    expect(human.stdout).toMatch(
      /^Slot {6}2026-03-02T10:00:00\.000Z \([^)]+\), fired 2026-03-02T10:02:10\.000Z \(late by 2m10s\)$/m,
    );
    expect(json(await run(['inspect', firedJobId, '--json']))).toMatchObject({
      id: firedJobId,
      scheduled: {
        scheduleId: 'reports.hourly',
        slotAt: Date.parse('2026-03-02T10:00:00Z'),
        firedAt: T0,
        lateMs: 130_000,
      },
    });
  });

  it('shows nothing of the kind for a job of run-now', async () => {
    const { run } = await stored();
    const { jobId } = json<{ jobId: string }>(
      await run(['schedules', 'run-now', 'reports.hourly', '--json']),
    );
    const human = await run(['inspect', jobId]);
    expect(human.code).toBe(0);
    expect(human.stdout).not.toMatch(/^(Schedule|Slot) /m);
    expect(json(await run(['inspect', jobId, '--json']))).not.toHaveProperty('scheduled');
  });
});

describe('conveyor worker: the schedules of the task module', () => {
  const task = defineTask({ name: 't.tick', input: z.object({}), run: () => null });
  const a = defineSchedule({ id: 'a', task, every: '1m', input: {} });
  const b = defineSchedule({ id: 'b', task, every: '1h', input: {} });

  it('takes the `schedules` export (a list or record), else default.schedules, else each exported schedule', () => {
    expect(schedulesIn({ tasks: [task], schedules: [a, b], a }, 'm.ts')).toEqual([a, b]);
    expect(schedulesIn({ schedules: { a } }, 'm.ts')).toEqual([a]);
    expect(schedulesIn({ default: { tasks: [task], schedules: [b] } }, 'm.ts')).toEqual([b]);
    expect(schedulesIn({ task, a, again: a, b }, 'm.ts')).toEqual([a, b]);
    expect(schedulesIn({ task }, 'm.ts')).toEqual([]);
  });

  it('a `schedules` export that holds something else is a task module error (exit 6)', () => {
    for (const bad of [[a, task], a, 'a']) {
      const error = (() => {
        try {
          schedulesIn({ schedules: bad }, 'm.ts');
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(CliError);
      expect(error).toMatchObject({ code: 'TASKS_LOAD_FAILED' });
      expect((error as Error).message).toContain('exports `schedules`, but it is not a list');
    }
  });
});
