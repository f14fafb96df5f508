// A partitioned queue (stored as <queue>~<p>of<n>) is one queue to the operator: status
// groups its partitions under it with totals, and dead, retry --all-dead and purge act on
// all of them by the queue's name or on one by the partition's. The jobs are enqueued
// straight to partition names, as a partitioned producer stores them.
import type { JobEnvelope } from '@conveyor/core';
import { makeEnvelope } from '@conveyor/core/testing';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buryNext, cli, json, producer, uniquePrefix } from './helpers.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

const P0 = 'mail~0of3';
const P1 = 'mail~1of3';
const P2 = 'mail~2of3';

async function setup() {
  const prefix = uniquePrefix();
  const conn = producer(redis.url, prefix);
  const args = ['--redis', redis.url, '--prefix', prefix];
  const enqueue = async (queue: string, count: number, delayMs?: number) => {
    const envelopes: JobEnvelope[] = [];
    for (let i = 0; i < count; i++) envelopes.push(makeEnvelope(queue, { task: 'mail.send' }));
    await conn.transport.enqueue(
      envelopes.map((envelope) => ({ envelope, ...(delayMs ? { delayMs } : {}) })),
    );
    return envelopes.map((e) => e.id);
  };
  /** One delivery of the next job of `queue`, into the dead-letter set. */
  const bury = (queue: string) => buryNext(conn.transport, queue);
  return { prefix, args, enqueue, bury, ...conn };
}

const counts = (queue: string, waiting: number, delayed = 0, dead = 0) => ({
  queue,
  waiting,
  delayed,
  active: 0,
  dead,
  finished: 0,
});
/** A row of `status --json`: the counts, with `paused` always there. */
const shown = (queue: string, waiting: number, delayed = 0, dead = 0) => ({
  ...counts(queue, waiting, delayed, dead),
  paused: false,
});

describe('conveyor status on a partitioned queue', () => {
  it('shows one row of totals, each partition with --partitions, and both in --json', async () => {
    const env = await setup();
    try {
      await env.enqueue(P0, 2);
      await env.enqueue(P2, 3);
      await env.enqueue(P2, 1, 60_000);
      await env.enqueue('plain', 4);

      const machine = json<{ queues: unknown[] }>(await cli(['status', '--json', ...env.args]));
      // A plain queue's entry is as before; the partitioned one has totals and its partitions.
      expect(machine.queues).toEqual([
        { ...shown('mail', 5, 1), partitions: [shown(P0, 2), shown(P2, 3, 1)] },
        shown('plain', 4),
      ]);

      const human = await cli(['status', ...env.args]);
      expect(human.code).toBe(0);
      const lines = human.stdout.split('\n');
      expect(lines.find((l) => l.startsWith('mail'))).toMatch(
        /^mail \(3 partitions\)\s+5\s+1\s+0\s+0\s+0$/,
      );
      expect(lines.find((l) => l.startsWith('(total)'))).toMatch(/^\(total\)\s+9\s+1\s+0\s+0\s+0$/);
      expect(human.stdout).not.toContain(P0);
      expect(human.stdout).toContain('--partitions lists each');

      const listed = (await cli(['status', '--partitions', ...env.args])).stdout.split('\n');
      const at = listed.findIndex((l) => l.startsWith('mail'));
      expect(listed[at + 1]).toMatch(/^ {2}mail~0of3\s+2\s+0\s+0\s+0\s+0$/);
      expect(listed[at + 2]).toMatch(/^ {2}mail~2of3\s+3\s+1\s+0\s+0\s+0$/);
      expect(listed[at + 3]).toMatch(/^plain\s+4/);
    } finally {
      await env.close();
    }
  });

  it('tells partitions of two counts apart, and says how to read the old ones', async () => {
    const env = await setup();
    try {
      await env.enqueue(P0, 2);
      await env.enqueue('mail~3of4', 1);
      await env.enqueue('mail', 1);
      const human = await cli(['status', ...env.args]);
      expect(human.code).toBe(0);
      // Before: "mail (3 partitions)", as if one queue of 3, and no word of the old set.
      // The plain queue is no partition: it was counted as one. Then "2 partitions", the
      // stored ones, where pause and purge said 7: the counts add up.
      expect(human.stdout).toMatch(
        /^mail \(7 partitions and the plain queue, counts 3 and 4\)\s+4\s/m,
      );
      expect(human.stdout).toContain(
        `Queue "mail" holds partitions of 2 counts (3 and 4), as after a change of its partition count`,
      );
      expect(human.stdout).toContain("queues: ['mail', ...partitionNames('mail', 3)]");
      expect(human.stdout).toContain(
        `\`conveyor worker --queues mail,mail~0of3,mail~1of3,mail~2of3 ${env.args.join(' ')}\`)`,
      );
    } finally {
      await env.close();
    }
    // The plain stored queue beside one set of partitions is no second count.
    const other = await setup();
    try {
      await other.enqueue(P0, 2);
      await other.enqueue('mail', 1);
      const one = await cli(['status', ...other.args]);
      // Before: "mail (2 partitions)", counting the plain queue as a partition; then "mail (1
      // partition and …)", counting only the partitions that hold jobs, as if unpartitioned.
      expect(one.stdout).toMatch(/^mail \(3 partitions and the plain queue\)\s+3\s/m);
      expect(one.stdout).not.toContain('counts');
    } finally {
      await other.close();
    }
  });

  it('counts a queue of two partition counts as their sum, as the other commands do', async () => {
    const env = await setup();
    try {
      await env.enqueue('orders~3of8', 1);
      await env.enqueue('orders~1of4', 1);
      // Before: "orders (2 partitions, counts 4 and 8)", the partitions stored so far, where
      // pause and the README said 12.
      const status = await cli(['status', ...env.args]);
      expect(status.stdout).toMatch(/^orders \(12 partitions, counts 4 and 8\)\s+2\s/m);
      const dry = await cli(['purge', 'orders', '--dry-run', ...env.args]);
      expect(dry.stdout).toContain('orders (12 partitions, counts 4 and 8)');
      const paused = await cli(['pause', 'orders', ...env.args]);
      expect(paused.stdout).toContain('orders (12 partitions, counts 4 and 8)');
      const after = await cli(['status', ...env.args]);
      expect(after.stdout).toMatch(/^orders \(12 partitions, counts 4 and 8\)/m);
    } finally {
      await env.close();
    }
  });

  it('--queues names a queue with its partitions, or one partition alone', async () => {
    const env = await setup();
    try {
      await env.enqueue(P1, 2);
      await env.enqueue(P2, 1);
      const byQueue = json<{ queues: unknown[] }>(
        await cli(['status', '--json', '--queues', 'mail', ...env.args]),
      );
      expect(byQueue.queues).toEqual([
        { ...shown('mail', 3), partitions: [shown(P1, 2), shown(P2, 1)] },
      ]);
      const one = json<{ queues: unknown[] }>(
        await cli(['status', '--json', '--queues', `${P2},plain`, ...env.args]),
      );
      expect(one.queues).toEqual([shown(P2, 1), shown('plain', 0)]);
      // Naming the queue zooms in: its partitions are listed without --partitions.
      const human = await cli(['status', '--queues', 'mail', ...env.args]);
      expect(human.stdout).toMatch(/^ {2}mail~1of3\s+2/m);
    } finally {
      await env.close();
    }
  });

  it('refuses a name that is neither a queue nor a partition, quoting it', async () => {
    for (const argv of [
      ['status', '--queues', 'mail~3of3'],
      ['dead', 'mail~0of1'],
      ['worker', '--queues', 'mail,mail~01of3'],
      ['schedules', '--queues', 'mail~'],
    ]) {
      const result = await cli([...argv, '--redis', redis.url]);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stderr).toContain(`"${argv.at(-1)?.split(',').at(-1)}"`);
      expect(result.stderr).toContain('emails~3of8');
    }
  });

  it('schedules --queues takes a partition name', async () => {
    const env = await setup();
    try {
      const result = await cli(['schedules', '--queues', `mail,${P1}`, '--json', ...env.args]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    } finally {
      await env.close();
    }
  });
});

describe('dead, retry --all-dead and purge on a partitioned queue', () => {
  it('dead lists every partition in order, or one; pages across them', async () => {
    const env = await setup();
    try {
      await env.enqueue(P0, 1);
      await env.enqueue(P2, 2);
      const first = await env.bury(P0);
      const second = await env.bury(P2);
      const third = await env.bury(P2);

      type Page = { total: number; jobs: Array<{ id: string }>; partitions?: unknown };
      const all = json<Page>(await cli(['dead', 'mail', '--json', ...env.args]));
      expect(all.total).toBe(3);
      expect(all.jobs.map((j) => j.id)).toEqual([first, second, third]);
      expect(all.partitions).toEqual([
        { queue: P0, dead: 1 },
        { queue: P2, dead: 2 },
      ]);

      const page = json<Page>(
        await cli(['dead', 'mail', '--offset', '1', '--limit', '1', '--json', ...env.args]),
      );
      expect(page.jobs.map((j) => j.id)).toEqual([second]);

      const one = json<Page>(await cli(['dead', P2, '--json', ...env.args]));
      expect(one.total).toBe(2);
      expect(one.jobs.map((j) => j.id)).toEqual([second, third]);
      expect(one).not.toHaveProperty('partitions');

      const human = await cli(['dead', 'mail', ...env.args]);
      expect(human.stdout).toContain(first);
      expect(human.stdout).toContain('3 of 3 dead jobs of mail (3 partitions) shown');

      // --newest: the jobs that died last first, merged across the partitions.
      type Dead = { id: string; finishedAt: number };
      const newest = json<{ order: string; total: number; jobs: Dead[] }>(
        await cli(['dead', 'mail', '--newest', '--json', ...env.args]),
      );
      expect(newest.order).toBe('newest');
      expect(newest.total).toBe(3);
      expect(newest.jobs.map((j) => j.id).sort()).toEqual([first, second, third].sort());
      const times = newest.jobs.map((j) => j.finishedAt);
      expect(times).toEqual([...times].sort((a, b) => b - a));
      const rest = json<{ jobs: Dead[] }>(
        await cli([
          'dead',
          'mail',
          '--newest',
          '--offset',
          '1',
          '--limit',
          '5',
          '--json',
          ...env.args,
        ]),
      );
      expect(rest.jobs.map((j) => j.id)).toEqual(newest.jobs.slice(1).map((j) => j.id));
      const newestHuman = await cli(['dead', 'mail', '--newest', '--limit', '1', ...env.args]);
      expect(newestHuman.stdout).toContain(newest.jobs[0]?.id);
      expect(newestHuman.stdout).toContain(
        '1 of 3 dead jobs of mail (3 partitions) shown (offset 0, newest first)',
      );
    } finally {
      await env.close();
    }
  });

  it('retry --all-dead takes one partition by its name, all by the queue name', async () => {
    const env = await setup();
    try {
      await env.enqueue(P0, 1);
      await env.enqueue(P1, 2);
      await env.bury(P0);
      await env.bury(P1);
      await env.bury(P1);

      const one = await cli(['retry', '--all-dead', '--queue', P1, '--yes', '--json', ...env.args]);
      expect(json(one)).toEqual({
        queue: P1,
        retried: 2,
        paused: [],
        skippedStepJobs: 0,
        workflows: [],
      });
      const rest = await cli([
        'retry',
        '--all-dead',
        '--queue',
        'mail',
        '--yes',
        '--json',
        ...env.args,
      ]);
      expect(json(rest)).toEqual({
        queue: 'mail',
        retried: 1,
        paused: [],
        skippedStepJobs: 0,
        workflows: [],
        // Each partition with the fields --dry-run gives it (skippedStepJobs was missing).
        partitions: [
          { queue: P0, retried: 1, skippedStepJobs: 0 },
          { queue: P1, retried: 0, skippedStepJobs: 0 },
        ],
      });
      expect(await env.transport.admin.queueCounts([P0, P1])).toEqual([
        counts(P0, 1),
        counts(P1, 2),
      ]);
    } finally {
      await env.close();
    }
  });

  it('retry says when the jobs went back to partitions no live worker reads', async () => {
    const env = await setup();
    try {
      // A dead job of the old count (4) while the live worker reads the new one (3).
      await env.enqueue('mail~1of4', 1);
      await env.bury('mail~1of4');
      const worker = (id: string, queues: string[]) => ({
        id,
        hostname: 'box',
        pid: 1,
        queues,
        tasks: ['mail.send'],
        concurrency: 1,
        state: 'idle' as const,
        startedAt: Date.now(),
        jobs: [],
        counts: { completed: 0, failed: 0, retried: 0 },
      });
      await env.transport.admin.putWorker(worker('w-new', [P0, P1, P2, 'mail']), 60_000);
      const retried = await cli(['retry', '--all-dead', '--queue', 'mail', '--yes', ...env.args]);
      expect(retried.code, retried.stderr).toBe(0);
      // Before: "Retried 1 dead job", and the job waited on mail~1of4, which nothing reads.
      expect(retried.stdout).toContain(
        'Note: no live worker reads mail~1of4, where its retried jobs went back (the live workers read mail, mail~0of3, mail~1of3, mail~2of3)',
      );
      // A worker that reads the old partition too: nothing to say.
      await env.enqueue('mail~1of4', 1);
      await env.bury('mail~1of4');
      // One job retried by its id says so too.
      // (The job retried above waits at the head of mail~1of4: it is the one buried again.)
      await env.enqueue('mail~1of4', 1);
      const single = await env.bury('mail~1of4');
      const one = await cli(['retry', single, ...env.args]);
      expect(one.code, one.stderr).toBe(0);
      // Before: only "Retried <id>: back in queue mail~1of4 …", which nothing reads.
      expect(one.stdout).toContain(
        'Note: no live worker reads mail~1of4, where its retried jobs went back',
      );
      await env.transport.admin.putWorker(worker('w-old', ['mail~1of4']), 60_000);
      const again = await cli(['retry', '--all-dead', '--queue', 'mail', '--yes', ...env.args]);
      expect(again.stdout).toContain('Retried 1 dead job');
      expect(again.stdout).not.toContain('no live worker reads');
      await env.enqueue('mail~1of4', 1);
      const read = await env.bury('mail~1of4');
      const readOne = await cli(['retry', read, ...env.args]);
      expect(readOne.stdout).toContain('back in queue mail~1of4');
      expect(readOne.stdout).not.toContain('no live worker reads');
    } finally {
      await env.close();
    }
  });

  it('purge empties every partition by the queue name, and asks with the totals', async () => {
    const env = await setup();
    try {
      await env.enqueue(P0, 2);
      await env.enqueue(P1, 1, 60_000);
      await env.enqueue(P2, 1);
      await env.bury(P2);
      await env.enqueue('mailx', 1);

      const single = await cli(['purge', P0, '--yes', '--json', ...env.args]);
      expect(json(single)).toEqual({ queue: P0, purged: 2 });
      await env.enqueue(P0, 2);

      const asked = await cli(['purge', 'mail', '--dead', ...env.args], { answer: false });
      expect(asked.code).toBe(5);
      expect(asked.stderr).toContain('queue mail (3 partitions) is unchanged');

      const purged = await cli(['purge', 'mail', '--dead', '--yes', '--json', ...env.args]);
      expect(json(purged)).toEqual({
        queue: 'mail',
        purged: 3,
        dead: 1,
        partitions: [
          { queue: P0, purged: 2, dead: 0 },
          { queue: P1, purged: 1, dead: 0 },
          { queue: P2, purged: 0, dead: 1 },
        ],
      });
      // A queue whose name only starts the same is not a partition.
      expect(await env.transport.admin.queueCounts(['mailx'])).toEqual([counts('mailx', 1)]);
    } finally {
      await env.close();
    }
  });
});

describe('--help on partitioned queues', () => {
  it('says how status, dead, retry and purge treat a partitioned queue', async () => {
    const says = async (command: string, ...texts: string[]) => {
      const { stdout, code } = await cli([command, '--help']);
      expect(code).toBe(0);
      for (const text of texts) expect(stdout.replace(/\s+/g, ' ')).toContain(text);
    };
    await says(
      'status',
      '-p, --partitions',
      'A partitioned queue (stored as partitions named <queue>~<p>of<n>, e.g. emails~3of8) is one row with the totals of its partitions',
      'a "partitions" array',
    );
    await says('dead', 'A partitioned queue lists the dead jobs of all its partitions');
    await says('retry', 'retries the dead jobs of every partition');
    await says('purge', 'A partitioned queue is purged in every partition');
  });
});
