// What `conveyor schedules` says about a schedule that does not fire, and the commands it
// suggests, on a private Redis: a resume of a disabled or orphaned schedule, the notes under
// the table after a redeploy moved a partitioned schedule, and an id stored in two queues.
import { execFileSync } from 'node:child_process';
import type { ScheduleSpec, WorkerRecord } from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { cli, producerSetup, usePrivateRedis } from './helpers.js';

const redis = usePrivateRedis();

function spec(overrides: Partial<ScheduleSpec> & Pick<ScheduleSpec, 'id' | 'queue'>): ScheduleSpec {
  return {
    task: 'shop.report',
    every: 3_600_000,
    tz: 'UTC',
    input: {},
    misfire: 'latest',
    overlap: 'allow',
    enabled: true,
    source: 'code',
    maxAttempts: 3,
    priority: 5,
    ...overrides,
  };
}

/** A live worker of `queues` that declares `schedules` (`<queue>/<id>`). */
const worker = (queues: string[], schedules: string[]): WorkerRecord =>
  ({
    id: 'w-live',
    hostname: 'box',
    pid: 1,
    queues,
    tasks: ['shop.report'],
    concurrency: 1,
    state: 'idle',
    startedAt: Date.now(),
    heartbeatMs: 30_000,
    jobs: [],
    counts: { completed: 0, failed: 0, retried: 0 },
    schedules,
  }) as WorkerRecord;

/** The arguments `sh` makes of a suggested command, as a paste would run it. */
function pasted(command: string | undefined): string[] {
  expect(command).toMatch(/^conveyor /);
  const rest = (command as string).slice('conveyor '.length).replace(/ +#.*$/, '');
  const out = execFileSync('sh', ['-c', `printf '%s\\0' ${rest}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

/**
 * A redeploy changed `s.part`'s partitionBy value, not its count: stored in `parts~1of4`
 * first, then in `parts~3of4` (which took over: the old copy is superseded, and no worker
 * declares it). `s.moved` moved from `mail` to `reports`: the `mail` copy is orphaned.
 */
async function redeployed() {
  const env = producerSetup(redis.url);
  const { schedules, admin } = env.transport;
  await schedules.upsert([spec({ id: 's.part', queue: 'parts~1of4' })]);
  await schedules.upsert([spec({ id: 's.part', queue: 'parts~3of4' })]);
  await schedules.upsert([
    spec({ id: 's.moved', queue: 'mail' }),
    spec({ id: 's.moved', queue: 'reports' }),
  ]);
  await admin.putWorker(
    worker(
      ['parts~0of4', 'parts~1of4', 'parts~2of4', 'parts~3of4', 'reports'],
      ['parts~3of4/s.part', 'reports/s.moved'],
    ),
    60_000,
  );
  return { ...env, flags: env.args.join(' ') };
}

describe('conveyor schedules resume of a schedule that does not fire', () => {
  it('says a schedule disabled in its definition (enabled: false) stays idle, resumed or not', async () => {
    const env = producerSetup(redis.url);
    try {
      await env.transport.schedules.upsert([
        spec({ id: 'dis.test', queue: 'dis', enabled: false }),
      ]);
      await env.transport.admin.putWorker(worker(['dis'], ['dis/dis.test']), 60_000);
      const until =
        'It fires only once a definition enables it: set enabled: true (or leave enabled out) in its defineSchedule and deploy the workers that declare it.';
      // Before: "was not paused: it fires at its slots", of a schedule listed disabled.
      const notPaused = await cli(['schedules', 'resume', 'dis.test', ...env.args]);
      expect(notPaused.code).toBe(0);
      expect(notPaused.stdout).toBe(
        `Schedule "dis.test" was not paused, and it does not fire: it is disabled in its definition (enabled: false); nothing changed. ${until}\n`,
      );
      expect((await cli(['schedules', 'pause', 'dis.test', ...env.args])).code).toBe(0);
      // Before: "Resumed schedule "dis.test": it fires from its next slot."
      const resumed = await cli(['schedules', 'resume', 'dis.test', ...env.args]);
      expect(resumed.code).toBe(0);
      expect(resumed.stdout).toBe(
        `Resumed schedule "dis.test", but it does not fire: it is disabled in its definition (enabled: false). ${until}\n`,
      );
    } finally {
      await env.close();
    }
  });

  it('says an orphaned schedule fires only once a worker declares it (or serves its queue)', async () => {
    const env = producerSetup(redis.url);
    try {
      await env.transport.schedules.upsert([
        spec({ id: 'orph.code', queue: 'dis' }),
        spec({ id: 'orph.runtime', queue: 'unserved', source: 'runtime' }),
      ]);
      await env.transport.admin.putWorker(worker(['dis'], []), 60_000);
      const code = await cli(['schedules', 'resume', 'orph.code', ...env.args]);
      expect(code.stdout).toBe(
        'Schedule "orph.code" was not paused, and it does not fire: it is orphaned (no live worker declares it); nothing changed. It fires only once a worker whose code declares it runs.\n',
      );
      await cli(['schedules', 'pause', 'orph.runtime', ...env.args]);
      const runtime = await cli(['schedules', 'resume', 'orph.runtime', ...env.args]);
      expect(runtime.stdout).toBe(
        'Resumed schedule "orph.runtime", but it does not fire: it is orphaned (no live worker serves its queue "unserved"). It fires only once a worker of that queue runs.\n',
      );
    } finally {
      await env.close();
    }
  });
});

describe('conveyor schedules after a redeploy moved a schedule', () => {
  it('notes each copy once, with the right reason and number, and removal commands that carry --queue and --redis', async () => {
    const env = await redeployed();
    try {
      const listed = await cli(['schedules', ...env.args]);
      expect(listed.code).toBe(0);
      const old = listed.stdout.split('\n').find((line) => line.includes('parts~1of4')) ?? '';
      expect(old).toMatch(/- \(superseded\)\s+never fired\s+-\s+no\s+yes$/);
      const notes = listed.stdout.split('\n\n').slice(1);
      // Before: "2 orphaned: … They fire again …" with the superseded copy among them, a
      // bare `conveyor schedules remove <id>` (exit 2: s.moved is in two queues), no
      // --redis, and "its partition count changed" of a count that did not.
      expect(notes).toEqual([
        `1 orphaned: declared in code, but no live worker declares it now, so it does not fire. It fires again when a worker that declares it runs; remove it if it is gone for good: \`conveyor schedules remove s.moved --queue mail ${env.flags}\`.`,
        `1 superseded: another copy of the same id on the same queue fires (its input's partitionBy value changed, which picks another partition of the same count), so this copy does not. Remove it: \`conveyor schedules remove s.part --queue parts~1of4 ${env.flags}\`.\n`,
      ]);
      // Pasted, each removes the copy it names, on the same Redis and prefix.
      for (const note of notes) {
        const command = /`(conveyor [^`]*)`/.exec(note)?.[1];
        const removed = await cli(pasted(command));
        expect(removed.stderr).toBe('');
        expect(removed.code).toBe(0);
      }
      const { schedules } = await env.transport.schedules.list();
      expect(schedules.map(({ spec: { queue, id } }) => `${queue}/${id}`).sort()).toEqual([
        'parts~3of4/s.part',
        'reports/s.moved',
      ]);
    } finally {
      await env.close();
    }
  });

  it('an id in two queues: the error shows a command per queue, the copy that fires first', async () => {
    const env = await redeployed();
    try {
      const ambiguous = await cli(['schedules', 'pause', 's.part', ...env.args]);
      expect(ambiguous.code).toBe(2);
      // Before: `say which: { queue: "parts~1of4" } (--queue on the command line)`, the API's
      // form, naming the superseded copy first.
      expect(ambiguous.stderr).toBe(
        [
          'error: Schedule "s.part" is stored in more than one queue ("parts~3of4", "parts~1of4"): nothing was paused. Say which with --queue, as one of:',
          `  conveyor schedules pause s.part --queue parts~3of4 ${env.flags}`,
          `  conveyor schedules pause s.part --queue parts~1of4 ${env.flags}  # superseded: another copy fires; remove this one once the old partitions are drained`,
          '',
        ].join('\n'),
      );
      const [first] = ambiguous.stderr.split('\n').slice(1);
      const paused = await cli(pasted(first?.trim()));
      expect(paused.stderr).toBe('');
      expect(paused.code).toBe(0);
      const { schedules } = await env.transport.schedules.list();
      const flags = schedules
        .filter(({ spec: { id } }) => id === 's.part')
        .map(({ spec: { queue }, paused }) => ({ queue, paused }));
      expect(flags).toEqual([
        { queue: 'parts~1of4', paused: false },
        { queue: 'parts~3of4', paused: true },
      ]);
    } finally {
      await env.close();
    }
  });
});
