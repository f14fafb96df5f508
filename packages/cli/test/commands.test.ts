import path from 'node:path';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echo, slow } from './fixtures/tasks.js';
import { cli, json, packageDir, producerSetup, startCli, WAIT_MS } from './helpers.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

async function setup() {
  return producerSetup(redis.url);
}

/** Runs one delivery of a job of `queue` into the dead-letter set; returns its id. */
async function bury(env: Awaited<ReturnType<typeof setup>>, queue: string): Promise<string> {
  const [reservation] = await env.transport.reserve({
    queues: [queue],
    max: 1,
    leaseMs: 60_000,
    consumer: 'cli-test',
  });
  if (!reservation) throw new Error(`nothing to reserve in ${queue}`);
  const [status] = await env.transport.settle([
    {
      type: 'fail',
      id: reservation.envelope.id,
      token: reservation.token,
      deadLetter: true,
      error: { name: 'Error', message: 'mail server said no', code: 'SMTP_550' },
    },
  ]);
  expect(status).toBe('ok');
  return reservation.envelope.id;
}

describe('conveyor status', () => {
  it('prints per-queue counts as a table and as JSON', async () => {
    const env = await setup();
    try {
      await env.client.enqueueMany(echo, [{ n: 1 }, { n: 2 }, { n: 3 }]);
      await env.client.enqueue(slow, { n: 1, ms: 1 }, { delay: 60_000 });
      await env.client.enqueue(slow, { n: 2, ms: 1 });
      await bury(env, 'cli-slow');

      const human = await cli(['status', ...env.args]);
      expect(human.stderr).toBe('');
      expect(human.code).toBe(0);
      const lines = human.stdout.split('\n');
      expect(lines.find((line) => line.startsWith('QUEUE'))).toMatch(
        /^QUEUE\s+WAITING\s+DELAYED\s+ACTIVE\s+DEAD\s+FINISHED$/,
      );
      expect(lines.find((line) => line.startsWith('cli-echo'))).toMatch(
        /^cli-echo\s+3\s+0\s+0\s+0\s+0$/,
      );
      expect(lines.find((line) => line.startsWith('cli-slow'))).toMatch(
        /^cli-slow\s+0\s+1\s+0\s+1\s+0$/,
      );
      expect(human.stdout).toContain(
        `No live workers. Start one with \`conveyor worker --tasks <module> ${env.args.join(' ')}\`.`,
      );
      // Beside a codegen config, `conveyor worker` runs the registry it names: no --tasks.
      const app = path.join(packageDir, 'test/fixtures/app');
      expect((await cli(['status', ...env.args], { cwd: app })).stdout).toContain(
        `No live workers. Start one with \`conveyor worker ${env.args.join(' ')}\` (it runs the registry your conveyor config names).`,
      );

      const machine = await cli(['status', '--json', ...env.args]);
      expect(machine.code).toBe(0);
      const snapshot = json<{ queues: unknown[]; workers: unknown[]; prefix: string }>(machine);
      expect(snapshot.prefix).toBe(env.prefix);
      // `paused` is always there: scripts found it only on a paused queue.
      expect(snapshot.queues).toEqual([
        {
          queue: 'cli-echo',
          waiting: 3,
          delayed: 0,
          active: 0,
          dead: 0,
          finished: 0,
          paused: false,
        },
        {
          queue: 'cli-slow',
          waiting: 0,
          delayed: 1,
          active: 0,
          dead: 1,
          finished: 0,
          paused: false,
        },
      ]);
      expect(snapshot.workers).toEqual([]);
    } finally {
      await env.close();
    }
  });

  it('takes REDIS_URL from the environment and never prints its password', async () => {
    const env = await setup();
    try {
      // The private server's default user has no password, so any password is accepted.
      const url = redis.url.replace('redis://', 'redis://default:hunter2@');
      const result = await cli(['status', '--json', '--prefix', env.prefix], {
        env: { REDIS_URL: url },
      });
      expect(result.code).toBe(0);
      expect(json(result)).toMatchObject({ redis: url.replace('hunter2', '****'), queues: [] });
      expect(result.stdout).not.toContain('hunter2');
      const human = await cli(['status', '--prefix', env.prefix], {
        env: { REDIS_URL: url },
      });
      expect(human.stdout).toContain('No queues yet');
      expect(human.stdout).toContain(url.replace('hunter2', '****'));
      expect(human.stdout).not.toContain('hunter2');
    } finally {
      await env.close();
    }
  });

  it('--watch --json prints one snapshot per line until stopped', async () => {
    const env = await setup();
    try {
      await env.client.enqueue(echo, { n: 1 });
      const stop = new AbortController();
      const watching = startCli(['status', '--watch', '1', '--json', ...env.args], {
        signal: stop.signal,
      });
      const snapshots = () =>
        watching
          .stdout()
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as { queues: Array<{ waiting: number }> });
      await expect.poll(() => snapshots().length, { timeout: WAIT_MS }).toBeGreaterThanOrEqual(1);
      await env.client.enqueue(echo, { n: 2 });
      // A later redraw sees the new job.
      await expect.poll(() => snapshots().at(-1)?.queues[0]?.waiting, { timeout: WAIT_MS }).toBe(2);
      stop.abort();
      const result = await watching.done;
      expect(result.code).toBe(0);
      expect(snapshots()[0]?.queues).toEqual([
        {
          queue: 'cli-echo',
          waiting: 1,
          delayed: 0,
          active: 0,
          dead: 0,
          finished: 0,
          paused: false,
        },
      ]);
    } finally {
      await env.close();
    }
  });

  it('a repeated -q/--queues adds its queues to the earlier ones', async () => {
    // The last one used to replace the others: `-q cli-echo -q cli-slow` showed cli-slow alone.
    const env = await setup();
    try {
      await env.client.enqueue(echo, { n: 1 });
      await env.client.enqueue(slow, { n: 1, ms: 1 });
      for (const argv of [
        ['-q', 'cli-echo', '-q', 'cli-slow'],
        ['--queues', 'cli-echo', '--queues', 'cli-slow,cli-echo'],
      ]) {
        const result = await cli(['status', '--json', ...argv, ...env.args]);
        expect(result.code, result.stderr).toBe(0);
        const { queues } = json<{ queues: Array<{ queue: string }> }>(result);
        expect(queues.map((row) => row.queue)).toEqual(['cli-echo', 'cli-slow']);
      }
    } finally {
      await env.close();
    }
  });
});

describe('unreachable Redis', () => {
  it('names the URL it tried (password masked) and what to check, exit 3', async () => {
    const result = await cli(['status', '--redis', 'redis://:s3cret@127.0.0.1:1']);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: Cannot reach Redis at redis:\/\/:\*\*\*\*@127\.0\.0\.1:1 /);
    expect(lines[0]).toContain('ECONNREFUSED');
    expect(lines[0]).toContain('--redis');
    expect(result.stderr).not.toContain('s3cret');
  });

  it('masks a password given as a query parameter too', async () => {
    const result = await cli(['status', '--redis', 'redis://127.0.0.1:1?password=s3cret']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('Cannot reach Redis at redis://127.0.0.1:1?password=**** ');
    expect(result.stderr).not.toContain('s3cret');
  });
});

describe('conveyor inspect', () => {
  it('shows a dead job with its error, and the record as JSON', async () => {
    const env = await setup();
    try {
      const job = await env.client.enqueue(echo, { n: 42 }, { queue: 'cli-inspect' });
      const id = await bury(env, 'cli-inspect');
      expect(id).toBe(job.id);

      const human = await cli(['inspect', id, ...env.args]);
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(new RegExp(`^Job\\s+${id}$`, 'm'));
      expect(human.stdout).toMatch(/^Task\s+cli\.echo$/m);
      expect(human.stdout).toMatch(/^State\s+dead$/m);
      expect(human.stdout).toMatch(/^Attempts\s+1 of 3$/m);
      expect(human.stdout).toMatch(/^Input\s+\{"n":42\}$/m);
      expect(human.stdout).toMatch(/^Error\s+SMTP_550: mail server said no$/m);

      const machine = await cli(['inspect', id, '--json', ...env.args]);
      expect(machine.code).toBe(0);
      expect(json(machine)).toMatchObject({
        id,
        state: 'dead',
        attempts: 1,
        envelope: { task: 'cli.echo', queue: 'cli-inspect', input: { n: 42 } },
        error: { code: 'SMTP_550', message: 'mail server said no' },
      });
    } finally {
      await env.close();
    }
  });

  it('exits 4 for an unknown job and 2 for a malformed id', async () => {
    const env = await setup();
    try {
      const missing = await cli(['inspect', 'cli-inspect:nope', ...env.args]);
      expect(missing.code).toBe(4);
      expect(missing.stderr).toMatch(/^error: No job "cli-inspect:nope"/);
      // Purged jobs were not among the causes it named.
      expect(missing.stderr).toContain('or it was purged (by conveyor purge or the dashboard)');
      const malformed = await cli(['inspect', 'no-colon', ...env.args]);
      expect(malformed.code).toBe(2);
      expect(malformed.stderr).toContain('Invalid job id "no-colon"');
    } finally {
      await env.close();
    }
  });
});

describe('conveyor retry and dead', () => {
  it('lists dead jobs, retries one by id (queue from the id), then all of a queue', async () => {
    const env = await setup();
    try {
      const queue = 'cli-retry';
      await env.client.enqueueMany(echo, [{ n: 1 }, { n: 2 }, { n: 3 }], { queue });
      const ids = [await bury(env, queue), await bury(env, queue), await bury(env, queue)];

      const listed = await cli(['dead', queue, '--json', ...env.args]);
      expect(listed.code).toBe(0);
      const page = json<{ total: number; jobs: Array<{ id: string }> }>(listed);
      expect(page.total).toBe(3);
      expect(page.jobs.map((job) => job.id)).toEqual(ids);
      const table = await cli(['dead', queue, ...env.args]);
      expect(table.stdout).toMatch(
        new RegExp(`^${ids[0]}\\s+cli\\.echo\\s+1\\s+.*SMTP_550: mail server said no$`, 'm'),
      );

      const one = await cli(['retry', ids[0] as string, ...env.args]);
      expect(one.code).toBe(0);
      expect(one.stdout).toContain(`Retried ${ids[0]}`);
      expect(await env.transport.getJob(ids[0] as string)).toMatchObject({
        state: 'waiting',
        attempts: 0,
      });

      const again = await cli(['retry', ids[0] as string, ...env.args]);
      expect(again.code).toBe(7);
      expect(again.stderr).toMatch(/is waiting, not dead/);

      // A --queue that is not the id's own was ignored; it is refused before any change.
      const other = await cli(['retry', ids[1] as string, '--queue', 'cli-other', ...env.args]);
      expect(other.code).toBe(2);
      expect(other.stderr).toContain(
        `--queue "cli-other" is not the queue of job "${ids[1]}", which is "${queue}"`,
      );
      expect((await env.transport.admin.listDead(queue)).total).toBe(2);

      const all = await cli([
        'retry',
        '--all-dead',
        '--queue',
        queue,
        '--yes',
        '--json',
        ...env.args,
      ]);
      expect(all.code).toBe(0);
      expect(json(all)).toEqual({
        queue,
        retried: 2,
        paused: [],
        skippedStepJobs: 0,
        workflows: [],
      });
      expect((await env.transport.admin.listDead(queue)).total).toBe(0);
      const [counts] = (await env.transport.admin?.queueCounts([queue])) ?? [];
      expect(counts).toMatchObject({ waiting: 3, dead: 0 });

      const missingQueue = await cli(['retry', '--all-dead', ...env.args]);
      expect(missingQueue.code).toBe(2);
      expect(missingQueue.stderr).toContain('--all-dead needs --queue');
    } finally {
      await env.close();
    }
  });
});

describe('conveyor dead --offset', () => {
  it('past the end says so with the total, with no empty table or retry hint', async () => {
    const env = await setup();
    try {
      const queue = 'cli-dead-offset';
      await env.client.enqueueMany(echo, [{ n: 1 }, { n: 2 }, { n: 3 }], { queue });
      for (let i = 0; i < 3; i++) await bury(env, queue);
      const past = await cli(['dead', queue, '--offset', '10', ...env.args]);
      expect(past.code).toBe(0);
      // Before: the table's header alone, then "0 of 3 dead jobs shown … Retry with …".
      expect(past.stdout).toBe(
        `No dead jobs at offset 10: queue ${queue} has 3. Pass an --offset under 3, or leave it out.\n`,
      );
      const last = await cli(['dead', queue, '--offset', '2', ...env.args]);
      expect(last.stdout).toContain('1 of 3 dead jobs shown (offset 2). Retry with');
    } finally {
      await env.close();
    }
  });
});

describe('conveyor cancel', () => {
  it('cancels a waiting job, signals a running one, refuses a finished one', async () => {
    const env = await setup();
    try {
      const queue = 'cli-cancel';
      const running = await env.client.enqueue(echo, { n: 1 }, { queue });
      const waiting = await env.client.enqueue(echo, { n: 2 }, { queue });
      const [reservation] = await env.transport.reserve({
        queues: [queue],
        max: 1,
        leaseMs: 60_000,
        consumer: 'cli-test',
      });
      expect(reservation?.envelope.id).toBe(running.id);
      const heard: string[] = [];
      env.transport.onCancel((id) => heard.push(id));
      await env.transport.ready();

      const cancelled = await cli(['cancel', waiting.id, '--json', ...env.args]);
      expect(cancelled.code).toBe(0);
      expect(json(cancelled)).toEqual({ id: waiting.id, result: 'cancelled' });
      expect((await env.transport.getJob(waiting.id))?.state).toBe('cancelled');

      const signalled = await cli(['cancel', running.id, ...env.args]);
      expect(signalled.code).toBe(0);
      // Not "it is running": a worker may hold it ahead of its run, which then never starts.
      expect(signalled.stdout).toBe(
        `Cancel requested for ${running.id}: a worker holds it. If it runs, its worker aborts ctx.signal; if it waits there (reserved ahead, or at a limit), it ends cancelled without running.\n`,
      );
      expect(await env.transport.getJob(running.id)).toMatchObject({
        state: 'active',
        cancelRequested: true,
      });
      await expect.poll(() => heard).toEqual([running.id]);
      const asked = await cli(['inspect', running.id, ...env.args]);
      expect(asked.stdout).toMatch(/^State\s+active \(cancel requested\)$/m);
      // The run ends on its aborted signal: a cancel requested turns its failure into cancelled.
      await env.transport.settle([
        {
          type: 'fail',
          id: running.id,
          token: reservation?.token ?? '',
          deadLetter: false,
          error: { name: 'AbortError', message: 'cancelled' },
        },
      ]);
      expect((await env.transport.getJob(running.id))?.state).toBe('cancelled');
      // It read "cancelled (cancel requested)" once the job had ended.
      const ended = await cli(['inspect', running.id, ...env.args]);
      expect(ended.stdout).toMatch(/^State\s+cancelled$/m);

      const finished = await cli(['cancel', waiting.id, ...env.args]);
      expect(finished.code).toBe(7);
      expect(finished.stderr).toMatch(/already finished \(cancelled\)/);
      const missing = await cli(['cancel', `${queue}:nope`, ...env.args]);
      expect(missing.code).toBe(4);
    } finally {
      await env.close();
    }
  });
});

describe('conveyor purge', () => {
  it('refuses without --yes when stdin is not a terminal, and purges with it', async () => {
    const env = await setup();
    try {
      const queue = 'cli-purge';
      await env.client.enqueueMany(echo, [{ n: 1 }, { n: 2 }, { n: 3 }], { queue });
      await env.client.enqueue(echo, { n: 4 }, { queue, delay: 60_000 });
      const dead = await bury(env, queue);
      await env.client.enqueue(echo, { n: 5 }, { queue: 'cli-purge-other' });

      const refused = await cli(['purge', queue, ...env.args]);
      expect(refused.code).toBe(5);
      // It said nothing of how many jobs a --yes would delete, and had no --dry-run.
      expect(refused.stderr).toMatch(
        /^error: Refusing to purge queue cli-purge \(2 waiting and 1 delayed jobs\) without confirmation: .*Pass --yes to purge \(`conveyor purge cli-purge --yes --redis [^`]+`\), or --dry-run/,
      );
      const dry = await cli(['purge', queue, '--dead', '--dry-run', ...env.args]);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toMatch(
        /^Dry run: would delete 2 waiting, 1 delayed and 1 dead jobs of queue cli-purge\. Nothing was changed\. To purge: `conveyor purge cli-purge --dead --yes /,
      );
      const dryJson = await cli(['purge', queue, '--dry-run', '--json', ...env.args]);
      expect(json(dryJson)).toEqual({ queue, dryRun: true, waiting: 2, delayed: 1 });
      expect((await env.transport.admin?.queueCounts([queue]))?.[0]).toMatchObject({
        waiting: 2,
        delayed: 1,
        dead: 1,
      });

      const purged = await cli(['purge', queue, '--yes', ...env.args]);
      expect(purged.code).toBe(0);
      expect(purged.stdout).toContain('Purged 3 waiting/delayed jobs from queue cli-purge.');
      expect(await env.transport.admin?.queueCounts([queue, 'cli-purge-other'])).toEqual([
        { queue, waiting: 0, delayed: 0, active: 0, dead: 1, finished: 0 },
        { queue: 'cli-purge-other', waiting: 1, delayed: 0, active: 0, dead: 0, finished: 0 },
      ]);

      const withDead = await cli(['purge', queue, '--yes', '--dead', '--json', ...env.args]);
      expect(json(withDead)).toEqual({ queue, purged: 0, dead: 1 });
      expect(await env.transport.getJob(dead)).toBeNull();

      // A typo reads as an empty queue: it purges nothing, and says the name is unknown.
      const typo = await cli(['purge', 'cli-prge', '--yes', ...env.args]);
      expect(typo.code).toBe(0);
      expect(typo.stdout).toContain('Purged 0 waiting/delayed jobs from queue cli-prge.');
      expect(typo.stderr).toBe(
        'note: No queue named "cli-prge" has held a job or has a worker (did you mean cli-purge?).\n',
      );
      // Nothing to delete is nothing to confirm, in a script too: no --yes needed, exit 0.
      const typoNoYes = await cli(['purge', 'cli-prge', ...env.args]);
      expect(typoNoYes.code, typoNoYes.stderr).toBe(0);
      expect(typoNoYes.stdout).toContain('Purged 0 waiting/delayed jobs from queue cli-prge.');
      expect(typoNoYes.stderr).toContain('note: No queue named "cli-prge"');
      const emptied = await cli(['purge', queue, ...env.args]);
      expect(emptied.code, emptied.stderr).toBe(0);
      expect(emptied.stdout).toContain('Purged 0 waiting/delayed jobs from queue cli-purge.');
    } finally {
      await env.close();
    }
  });
});

describe('a queue name nothing has used', () => {
  it('status --queues shows its zeros with a note, and in --json as unknownQueues', async () => {
    const env = await setup();
    try {
      await env.client.enqueue(echo, { n: 1 });
      const human = await cli(['status', '--queues', 'cli-echo,cli-ecoh,zzz', ...env.args]);
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(/^cli-ecoh\s+0\s+0\s+0\s+0\s+0$/m);
      expect(human.stdout).toContain(
        'No queue named "cli-ecoh" has held a job or has a worker (did you mean cli-echo?).',
      );
      expect(human.stdout).toContain(
        'No queue named "zzz" has held a job or has a worker (the queues: cli-echo).',
      );
      expect(human.stdout).not.toContain('No queue named "cli-echo"');
      const machine = await cli(['status', '--json', '--queues', 'cli-ecoh', ...env.args]);
      expect(json<{ unknownQueues: unknown }>(machine).unknownQueues).toEqual([
        { queue: 'cli-ecoh', note: expect.stringContaining('did you mean cli-echo?') },
      ]);
      const all = await cli(['status', '--json', ...env.args]);
      expect(json<Record<string, unknown>>(all)).not.toHaveProperty('unknownQueues');
    } finally {
      await env.close();
    }
  });
});
