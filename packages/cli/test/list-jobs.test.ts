// `conveyor jobs <queue>`: a page of a queue's jobs in one state, newest first, on a private
// Redis; a partitioned queue newest first across its partitions, with a cursor for the next page.
import type { JobEnvelope } from '@conveyor/core';
import { makeEnvelope } from '@conveyor/core/testing';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buryNext, cli, json, producerSetup } from './helpers.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

async function setup() {
  const conn = producerSetup(redis.url);
  const enqueue = async (queue: string, task: string, count: number, delayMs?: number) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const envelope: JobEnvelope = makeEnvelope(queue, { task });
      // One call per job: each is enqueued after the one before it.
      await conn.transport.enqueue([{ envelope, ...(delayMs ? { delayMs } : {}) }]);
      ids.push(envelope.id);
    }
    return ids;
  };
  return { enqueue, ...conn };
}

type Page = {
  queue: string;
  state: string;
  jobs: Array<{ id: string; state: string }>;
  next: string | null;
};

describe('conveyor jobs', () => {
  // `jobs emial` and `dead emial` noted only the known queues: "emial" is three plain edits
  // from "emails" (two letters swapped and one left out), past the nearest-name limit.
  it('on a queue nothing has used, notes the nearest known one, swapped letters too', async () => {
    const env = await setup();
    try {
      await env.enqueue('emails', 'mail.send', 1);
      await env.enqueue('reports', 'report.build', 1);
      for (const command of ['jobs', 'dead']) {
        const typo = await cli([command, 'emial', ...env.args]);
        expect(typo.code, typo.stderr).toBe(0);
        expect(typo.stderr).toBe(
          'note: No queue named "emial" has held a job or has a worker (did you mean emails?).\n',
        );
      }
      const none = await cli(['dead', 'nosuchqueue', ...env.args]);
      expect(none.code, none.stderr).toBe(0);
      expect(none.stderr).toBe(
        'note: No queue named "nosuchqueue" has held a job or has a worker (the queues: emails, reports).\n',
      );
    } finally {
      await env.close();
    }
  });

  it('lists waiting, delayed and dead jobs newest first, filtered by task, with --json', async () => {
    const env = await setup();
    try {
      const waiting = await env.enqueue('mail', 'mail.send', 3);
      const [other] = await env.enqueue('mail', 'mail.digest', 1);
      const [later] = await env.enqueue('mail', 'mail.send', 1, 3_600_000);
      const dead = await buryNext(env.transport, 'mail');

      const human = await cli(['jobs', 'mail', ...env.args]);
      expect(human.stderr).toBe('');
      expect(human.code).toBe(0);
      const lines = human.stdout.trimEnd().split('\n');
      expect(lines[0]?.split(/\s+/)).toEqual(['ID', 'TASK', 'PRIORITY', 'ATTEMPTS', 'ENQUEUED']);
      // The first enqueued was reserved and buried; the rest, last enqueued first.
      expect(dead).toBe(waiting[0]);
      const listed = [other, waiting[2], waiting[1]];
      expect(lines.slice(1, 4).map((line) => line.split(/\s+/)[0])).toEqual(listed);
      expect(human.stdout).toContain('3 waiting jobs of mail, newest first. No more.');

      const sends = json<Page>(
        await cli(['jobs', 'mail', '--task', 'mail.send', '--json', ...env.args]),
      );
      expect(sends).toMatchObject({ queue: 'mail', state: 'waiting', next: null });
      expect(sends.jobs.map((job) => job.id)).toEqual([waiting[2], waiting[1]]);
      // A misspelt task listed nothing with nothing said, as if it had no jobs.
      await env.transport.admin.putWorker(
        {
          id: 'w-jobs',
          hostname: 'box',
          pid: 1,
          queues: ['mail'],
          tasks: ['mail.send', 'mail.digest'],
          concurrency: 1,
          state: 'idle',
          startedAt: Date.now(),
          jobs: [],
          counts: { completed: 0, failed: 0, retried: 0 },
        },
        60_000,
      );
      const typo = await cli(['jobs', 'mail', '--task', 'mail.sned', ...env.args]);
      expect(typo.code).toBe(0);
      expect(typo.stdout).toBe('No waiting jobs of task mail.sned in mail.\n');
      expect(typo.stderr).toBe(
        'note: No live worker runs a task named "mail.sned" (did you mean mail.send?).\n',
      );

      const delayed = json<Page>(
        await cli(['jobs', 'mail', '--state', 'delayed', '--json', ...env.args]),
      );
      expect(delayed.jobs.map((job) => [job.id, job.state])).toEqual([[later, 'delayed']]);
      const buried = await cli(['jobs', 'mail', '--state', 'dead', ...env.args]);
      expect(buried.stdout).toMatch(/^ID\s+TASK\s+PRIORITY\s+ATTEMPTS\s+DIED\s+ERROR$/m);
      expect(buried.stdout).toContain(`${dead}  mail.send`);
      expect(buried.stdout).toContain('BROKE: broke');
    } finally {
      await env.close();
    }
  });

  it('pages a partitioned queue newest first across its partitions, printing the command for the next page', async () => {
    const env = await setup();
    try {
      // Due times set the order (latest due first): the partitions interleave.
      const hours = async (queue: string, h: number) =>
        (await env.enqueue(queue, 'mail.send', 1, h * 3_600_000))[0] as string;
      const in1 = await hours('mail~0of2', 1);
      const in4 = await hours('mail~1of2', 4);
      const in2 = await hours('mail~1of2', 2);
      const in3 = await hours('mail~0of2', 3);
      const in5 = await hours('mail~0of2', 5);
      const ids = (run: { stdout: string }) =>
        run.stdout
          .split('\n')
          .slice(1)
          .filter((line) => line.startsWith('mail'))
          .map((line) => line.split(/\s+/)[0]);
      const page = ['jobs', 'mail', '--state', 'delayed', '--limit', '3'];
      const one = await cli([...page, ...env.args]);
      expect(one.stderr).toBe('');
      expect(ids(one)).toEqual([in5, in4, in3]);
      expect(one.stdout).toContain(
        '3 delayed jobs of mail (2 partitions), newest first across its partitions.',
      );
      // With its --limit: the next page was one of 50.
      const more =
        /Next page: `conveyor jobs mail --state delayed --limit 3 --cursor (\S+) --redis /.exec(
          one.stdout,
        );
      expect(more).not.toBeNull();
      const cursor = more?.[1] as string;
      const two = await cli([...page, '--cursor', cursor, ...env.args]);
      expect(ids(two)).toEqual([in2, in1]);
      expect(two.stdout).toContain('No more.');
      // The cursor belongs to mail's partitions: another queue refuses it.
      const other = await cli([
        'jobs',
        'news',
        '--state',
        'delayed',
        '--cursor',
        cursor,
        ...env.args,
      ]);
      expect(other.code).toBe(2);
      expect(other.stderr).toContain(`Invalid --cursor "${cursor}"`);
      // One partition by its name.
      const alone = json<Page>(
        await cli(['jobs', 'mail~1of2', '--state', 'delayed', '--json', ...env.args]),
      );
      expect(alone.jobs.map((job) => job.id)).toEqual([in4, in2]);
    } finally {
      await env.close();
    }
  });

  it('refuses the cursor of a page in another state, quoting it as passed and naming its state', async () => {
    const env = await setup();
    try {
      await env.enqueue('mail', 'mail.send', 4);
      for (let i = 0; i < 3; i++) await buryNext(env.transport, 'mail');
      const dead = json<Page>(
        await cli(['jobs', 'mail', '--state', 'dead', '--limit', '2', '--json', ...env.args]),
      );
      const cursor = dead.next as string;
      expect(cursor).toEqual(expect.any(String));
      const run = await cli([
        'jobs',
        'mail',
        '--state',
        'waiting',
        '--cursor',
        cursor,
        ...env.args,
      ]);
      expect(run.code).toBe(2);
      // Before: 'Invalid cursor "x17…::…": expected the `next` of a previous page of listJobs
      // in state waiting.', quoting the queue's own cursor inside the one passed.
      expect(run.stderr).toBe(
        `error: Invalid --cursor "${cursor}": it is the next of a page of dead jobs of mail, not waiting ones. Pass --state dead to read on from it, or start again without --cursor.\n`,
      );
      const onward = await cli([
        'jobs',
        'mail',
        '--state',
        'dead',
        '--cursor',
        cursor,
        ...env.args,
      ]);
      expect(onward.code).toBe(0);
      expect(onward.stdout).toContain('1 dead job of mail, newest first. No more.');
    } finally {
      await env.close();
    }
  });

  it('lists the finished jobs that ended failed, or completed, without the others', async () => {
    const env = await setup();
    try {
      const ids = await env.enqueue('ends', 'report.build', 4);
      const held = await env.transport.reserve({
        queues: ['ends'],
        max: 4,
        leaseMs: 60_000,
        consumer: 'cli-test',
      });
      expect(held.map((job) => job.envelope.id)).toEqual(ids);
      const error = { name: 'Error', message: 'no paper', code: 'NO_PAPER' };
      const [done1, failed, done2, dead] = held.map(({ envelope, token }) => ({
        id: envelope.id,
        token,
      }));
      for (const settlement of [
        { type: 'complete' as const, ...done1, result: 1 },
        { type: 'fail' as const, ...failed, error, deadLetter: false },
        { type: 'complete' as const, ...done2, result: 2 },
        { type: 'fail' as const, ...dead, error, deadLetter: true },
      ]) {
        // One at a time: each finishes after the one before it.
        expect(await env.transport.settle([settlement as never])).toEqual(['ok']);
      }

      const human = await cli(['jobs', 'ends', '--state', 'failed', ...env.args]);
      expect(human.stderr).toBe('');
      expect(human.code).toBe(0);
      const lines = human.stdout.trimEnd().split('\n');
      expect(lines[0]?.split(/\s+/)).toEqual([
        'ID',
        'TASK',
        'PRIORITY',
        'ATTEMPTS',
        'FINISHED',
        'ERROR',
      ]);
      expect(lines[1]).toMatch(
        new RegExp(`^${failed?.id}\\s+report\\.build\\s.*NO_PAPER: no paper$`),
      );
      expect(human.stdout).toContain('1 failed job of ends, newest first. No more.');

      const completed = json<Page>(
        await cli(['jobs', 'ends', '--state', 'completed', '--json', ...env.args]),
      );
      expect(completed).toMatchObject({ queue: 'ends', state: 'completed', next: null });
      expect(completed.jobs.map((job) => [job.id, job.state])).toEqual([
        [done2?.id, 'completed'],
        [done1?.id, 'completed'],
      ]);
      const none = await cli(['jobs', 'ends', '--state', 'expired', ...env.args]);
      expect(none.stdout).toBe('No expired jobs in ends.\n');
      // All of them, as before: the dead one is not among the finished.
      const finished = json<Page>(
        await cli(['jobs', 'ends', '--state', 'finished', '--json', ...env.args]),
      );
      expect(finished.jobs.map((job) => job.id)).toEqual([done2?.id, failed?.id, done1?.id]);
    } finally {
      await env.close();
    }
  });

  it('refuses a bad state or cursor (exit 2), and notes a queue name nothing has used', async () => {
    const env = await setup();
    try {
      await env.enqueue('mail', 'mail.send', 1);
      const state = await cli(['jobs', 'mail', '--state', 'queued', ...env.args]);
      expect(state.code).toBe(2);
      expect(state.stderr).toContain(
        'Invalid --state "queued": expected one of waiting, delayed, active, dead, finished, completed, failed, cancelled, expired.',
      );
      const cursor = await cli(['jobs', 'mail', '--cursor', 'nonsense', ...env.args]);
      expect(cursor.code).toBe(2);
      expect(cursor.stderr).toContain('Invalid --cursor "nonsense"');
      const typo = await cli(['jobs', 'mial', ...env.args]);
      expect(typo.code).toBe(0);
      expect(typo.stdout).toBe('No waiting jobs in mial.\n');
      expect(typo.stderr).toContain('note: No queue named "mial"');
    } finally {
      await env.close();
    }
  });
});
