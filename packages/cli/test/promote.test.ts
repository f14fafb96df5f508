// `conveyor promote`: delayed jobs run now, by id or a queue's all (a partitioned queue's in
// every partition), with the confirmation, --dry-run and --json of retry --all-dead, the
// audit entry, and a note when the queue is paused. In-process runs on a private Redis.
import type { JobEnvelope } from '@conveyor/core';
import { makeEnvelope } from '@conveyor/core/testing';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, json, producer, startCli, uniquePrefix } from './helpers.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

const HOUR = 3_600_000;
const env = { CONVEYOR_ACTOR: 'ops-ada' };

async function setup() {
  const prefix = uniquePrefix();
  const conn = producer(redis.url, prefix);
  const args = ['--redis', redis.url, '--prefix', prefix];
  const flags = args.join(' ');
  /** Jobs enqueued to `queue`, due `delayMs` from now (0: waiting); answers their ids. */
  const enqueue = async (queue: string, count: number, delayMs = HOUR) => {
    const envelopes: JobEnvelope[] = [];
    for (let i = 0; i < count; i++) envelopes.push(makeEnvelope(queue, { task: 'cli.plain' }));
    await conn.transport.enqueue(envelopes.map((envelope) => ({ envelope, delayMs })));
    return envelopes.map((e) => e.id);
  };
  const state = async (id: string) => (await conn.transport.getJob(id))?.state;
  const counts = async (queues: string[]) =>
    (await conn.transport.admin.queueCounts(queues)).map((c) => [c.waiting, c.delayed]);
  /** The ids a reserve of `queue` hands out now, in order. */
  const reserve = async (queue: string, max = 10) =>
    (
      await conn.transport.reserve({ queues: [queue], max, leaseMs: 60_000, consumer: 'cli-test' })
    ).map((held) => held.envelope.id);
  const audit = async () =>
    (await conn.transport.admin.listAudit()).map(({ id: _id, at: _at, ...entry }) => entry);
  const run = (argv: string[]) => cli([...argv, ...args], { env });
  return { args, flags, enqueue, state, counts, reserve, audit, run, ...conn };
}

describe('conveyor promote <job-id...>', () => {
  it('makes a delayed job waiting now: a worker reserves it long before its due time', async () => {
    const e = await setup();
    try {
      const [id] = (await e.enqueue('cli-mail', 1)) as [string];
      const dueAt = (await e.transport.getJob(id))?.dueAt as number;
      expect(await e.reserve('cli-mail')).toEqual([]);
      const done = await e.run(['promote', id]);
      expect(done.stderr).toBe('');
      expect(done.code).toBe(0);
      expect(done.stdout).toBe(
        `Promoted ${id}: it is waiting in queue cli-mail now, behind the jobs already waiting.\n`,
      );
      expect(await e.state(id)).toBe('waiting');
      expect((await e.transport.getJob(id))?.dueAt).toBeUndefined();
      expect(await e.reserve('cli-mail')).toEqual([id]);
      expect(await e.audit()).toEqual([
        {
          actor: 'cli:ops-ada',
          action: 'job.promote',
          jobId: id,
          queue: 'cli-mail',
          // When it was due, as the dashboard's Run now records it.
          detail: { promoted: 1, wasDue: new Date(dueAt).toISOString() },
        },
      ]);
    } finally {
      await e.close();
    }
  });

  it('a retry waiting out its backoff runs now, its attempt count kept', async () => {
    const e = await setup();
    try {
      const [id] = (await e.enqueue('cli-mail', 1, 0)) as [string];
      const [held] = await e.transport.reserve({
        queues: ['cli-mail'],
        max: 1,
        leaseMs: 60_000,
        consumer: 'cli-test',
      });
      await e.transport.settle([
        {
          type: 'retry',
          id,
          token: held?.token as string,
          error: { name: 'Error', message: 'smtp down' },
          delayMs: HOUR,
        },
      ]);
      expect(await e.state(id)).toBe('delayed');
      expect((await e.run(['promote', id])).code).toBe(0);
      const record = await e.transport.getJob(id);
      expect(record).toMatchObject({ state: 'waiting', attempts: 1 });
    } finally {
      await e.close();
    }
  });

  it('says why an id did not move, quoting it: its state (exit 7), or not found (exit 4)', async () => {
    const e = await setup();
    try {
      const [waiting] = (await e.enqueue('cli-mail', 1, 0)) as [string];
      const [delayed] = (await e.enqueue('cli-mail', 1)) as [string];
      const missing = 'cli-mail:nosuchjob';

      const wrongState = await e.run(['promote', waiting]);
      expect(wrongState.code).toBe(7);
      expect(wrongState.stdout).toBe('');
      expect(wrongState.stderr).toBe(
        `error: Job "${waiting}" is waiting, not delayed: nothing to promote.\n`,
      );
      const notFound = await e.run(['promote', missing, '--json']);
      expect(notFound.code).toBe(4);
      // With --json, the same shape when nothing moved: why is in notPromoted.
      expect(json(notFound)).toEqual({
        promoted: 0,
        jobs: [],
        paused: [],
        notPromoted: [{ id: missing, reason: 'not-found' }],
      });
      expect(notFound.stderr).toBe(
        `error: No job "${missing}": it never existed, or it ran and its record expired or was deleted. \`conveyor jobs cli-mail --state delayed ${e.flags}\` lists the delayed jobs of queue cli-mail.\n`,
      );

      // The others still move; each id that did not is named, in the order given.
      const mixed = await e.run(['promote', waiting, delayed, missing, '--json']);
      expect(mixed.code).toBe(7);
      expect(json(mixed)).toEqual({
        promoted: 1,
        jobs: [delayed],
        paused: [],
        notPromoted: [
          { id: waiting, reason: 'not-delayed', state: 'waiting' },
          { id: missing, reason: 'not-found' },
        ],
      });
      expect(mixed.stderr.split('\n')).toEqual([
        'error: 2 of 3 jobs were not promoted:',
        `  Job "${waiting}" is waiting, not delayed: nothing to promote.`,
        expect.stringMatching(new RegExp(`^  No job "${missing}": it never existed`)),
        '',
      ]);
      expect(await e.state(delayed)).toBe('waiting');
      // Promoted once: a second promote finds it waiting.
      const again = await e.run(['promote', delayed]);
      expect(again.code).toBe(7);
      expect(again.stderr).toContain(`Job "${delayed}" is waiting, not delayed`);
      // Only ids that were not found: exit 4.
      expect((await e.run(['promote', missing, 'cli-mail:other'])).code).toBe(4);
    } finally {
      await e.close();
    }
  });

  it('several ids: in the order they were due, one audit entry with their ids, --json', async () => {
    const e = await setup();
    try {
      const [late] = (await e.enqueue('cli-mail', 1, 3 * HOUR)) as [string];
      const [early] = (await e.enqueue('cli-mail', 1, HOUR)) as [string];
      const [kept] = (await e.enqueue('cli-mail', 1, 2 * HOUR)) as [string];
      const done = await e.run(['promote', late, early, '--json']);
      expect(done.stderr).toBe('');
      expect(json(done)).toEqual({ promoted: 2, jobs: [early, late], paused: [] });
      expect(await e.state(kept)).toBe('delayed');
      expect(await e.reserve('cli-mail')).toEqual([early, late]);
      expect(await e.audit()).toMatchObject([
        {
          action: 'job.promote',
          jobIds: [early, late],
          jobIdCount: 2,
          queue: 'cli-mail',
          detail: { promoted: 2 },
        },
      ]);
    } finally {
      await e.close();
    }
  });

  it('on a paused queue, says the job runs after a resume', async () => {
    const e = await setup();
    try {
      const [id, other] = (await e.enqueue('cli-mail', 2)) as [string, string];
      expect((await e.run(['pause', 'cli-mail'])).code).toBe(0);
      const done = await e.run(['promote', id]);
      expect(done.code).toBe(0);
      expect(done.stdout).toBe(
        `Promoted ${id}: it is waiting in queue cli-mail now, behind the jobs already waiting.\nQueue "cli-mail" is paused: it runs after \`conveyor resume cli-mail ${e.flags}\`.\n`,
      );
      expect(await e.state(id)).toBe('waiting');
      expect(await e.reserve('cli-mail')).toEqual([]);
      expect(json(await e.run(['promote', other, '--json']))).toEqual({
        promoted: 1,
        jobs: [other],
        paused: ['cli-mail'],
      });
    } finally {
      await e.close();
    }
  });

  it('refuses a bad combination of arguments before connecting (exit 2)', async () => {
    const e = await setup();
    try {
      const id = 'cli-mail:abc';
      const cases: Array<[string[], string]> = [
        [['promote'], 'Missing job id: give `conveyor promote <job-id...> '],
        [['promote', id, '--all', '-q', 'cli-mail'], 'Give either job ids or --all'],
        [['promote', '--all'], '--all needs --queue <queue>'],
        [['promote', id, '--dry-run'], '--dry-run goes with --all --queue <queue>'],
        [['promote', id, '--queue', 'cli-sms'], '--queue "cli-sms" is not the queue of job'],
        [['promote', 'nocolon'], 'Invalid job id "nocolon"'],
      ];
      for (const [argv, message] of cases) {
        const refused = await e.run(argv);
        expect(refused.code, argv.join(' ')).toBe(2);
        expect(refused.stderr, argv.join(' ')).toContain(message);
      }
    } finally {
      await e.close();
    }
  });
});

describe('conveyor promote --all --queue', () => {
  it('promotes every delayed job of the queue, due first, and no other queue; audits their ids', async () => {
    const e = await setup();
    try {
      const ids = [
        ...(await e.enqueue('cli-mail', 1, 3 * HOUR)),
        ...(await e.enqueue('cli-mail', 1, HOUR)),
        ...(await e.enqueue('cli-mail', 1, 2 * HOUR)),
      ];
      const [waiting] = (await e.enqueue('cli-mail', 1, 0)) as [string];
      const [elsewhere] = (await e.enqueue('cli-sms', 1)) as [string];
      const done = await e.run(['promote', '--all', '--queue', 'cli-mail', '--yes']);
      expect(done.stderr).toBe('');
      expect(done.code).toBe(0);
      expect(done.stdout).toBe(
        'Promoted 3 delayed jobs of queue cli-mail: they are waiting now, behind the jobs already waiting.\n',
      );
      expect(await e.counts(['cli-mail', 'cli-sms'])).toEqual([
        [4, 0],
        [0, 1],
      ]);
      expect(await e.state(elsewhere)).toBe('delayed');
      expect(await e.reserve('cli-mail')).toEqual([waiting, ids[1], ids[2], ids[0]]);
      const [entry] = await e.audit();
      expect(entry).toMatchObject({
        actor: 'cli:ops-ada',
        action: 'queue.promote',
        queue: 'cli-mail',
        jobIdCount: 3,
        detail: { promoted: 3, all: true },
      });
      expect([...(entry?.jobIds ?? [])].sort()).toEqual([...ids].sort());

      // Nothing left: nothing to confirm, without a terminal either.
      const empty = await e.run(['promote', '--all', '--queue', 'cli-mail', '--json']);
      expect(empty.code).toBe(0);
      expect(json(empty)).toEqual({ queue: 'cli-mail', promoted: 0, paused: [] });
      expect(empty.stderr).toBe('');
      // A name nothing has used promotes nothing, and says so, as purge does.
      const typo = await e.run(['promote', '--all', '--queue', 'cli-mial']);
      expect(typo.code).toBe(0);
      expect(typo.stdout).toBe('Promoted 0 delayed jobs of queue cli-mial.\n');
      expect(typo.stderr).toBe(
        'note: No queue named "cli-mial" has held a job or has a worker (did you mean cli-mail?).\n',
      );
    } finally {
      await e.close();
    }
  });

  it('on a partitioned queue, promotes every partition; a partition name, that one', async () => {
    const e = await setup();
    try {
      await e.enqueue('cli-parts~0of2', 2);
      await e.enqueue('cli-parts~1of2', 1);
      const one = await e.run(['promote', '--all', '-q', 'cli-parts~1of2', '-y', '--json']);
      expect(json(one)).toEqual({ queue: 'cli-parts~1of2', promoted: 1, paused: [] });
      expect(await e.counts(['cli-parts~0of2', 'cli-parts~1of2'])).toEqual([
        [0, 2],
        [1, 0],
      ]);
      await e.enqueue('cli-parts~1of2', 1);
      const all = await e.run(['promote', '--all', '-q', 'cli-parts', '-y', '--json']);
      expect(all.stderr).toBe('');
      expect(json(all)).toEqual({
        queue: 'cli-parts',
        promoted: 3,
        paused: [],
        partitions: [
          { queue: 'cli-parts~0of2', promoted: 2 },
          { queue: 'cli-parts~1of2', promoted: 1 },
        ],
      });
      expect(await e.counts(['cli-parts~0of2', 'cli-parts~1of2'])).toEqual([
        [2, 0],
        [2, 0],
      ]);
    } finally {
      await e.close();
    }
  });

  it('--dry-run says how many would move, per partition, and changes nothing', async () => {
    const e = await setup();
    try {
      await e.enqueue('cli-parts~0of2', 2);
      await e.enqueue('cli-parts~1of2', 1);
      await e.enqueue('cli-mail', 1);
      const human = await e.run(['promote', '--all', '-q', 'cli-parts', '--dry-run']);
      expect(human.stderr).toBe('');
      expect(human.code).toBe(0);
      expect(human.stdout).toBe(
        [
          'Dry run: would promote 3 delayed jobs of queue cli-parts (2 partitions).',
          '  PARTITION       WOULD PROMOTE',
          '  cli-parts~0of2              2',
          '  cli-parts~1of2              1',
          `Nothing was changed. To promote them: \`conveyor promote --all --queue cli-parts --yes ${e.flags}\`.`,
          '',
        ].join('\n'),
      );
      const machine = await e.run(['promote', '--all', '-q', 'cli-mail', '--dry-run', '--json']);
      expect(json(machine)).toEqual({ queue: 'cli-mail', dryRun: true, wouldPromote: 1 });
      expect(await e.counts(['cli-parts~0of2', 'cli-parts~1of2', 'cli-mail'])).toEqual([
        [0, 2],
        [0, 1],
        [0, 1],
      ]);
      expect(await e.audit()).toEqual([]);
    } finally {
      await e.close();
    }
  });

  it('asks on a terminal, with the count; refuses without one unless --yes (exit 5)', async () => {
    const e = await setup();
    try {
      await e.enqueue('cli-mail', 2);
      const argv = ['promote', '--all', '--queue', 'cli-mail', ...e.args];
      const piped = await cli(argv);
      expect(piped.code).toBe(5);
      expect(piped.stdout).toBe('');
      expect(piped.stderr).toBe(
        `error: Refusing to promote 2 delayed jobs of queue cli-mail without confirmation: stdin is not a terminal. Pass --yes to promote them (\`conveyor promote --all --queue cli-mail --yes ${e.flags}\`), or --dry-run to see how many it would promote.\n`,
      );
      const no = startCli([...argv, '--json'], { answer: false });
      const refused = await no.done;
      expect(no.questions).toEqual([
        'Promote 2 delayed jobs of queue cli-mail? They run now. [y/N] ',
      ]);
      expect(refused.code).toBe(5);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toBe('error: Not promoted: queue cli-mail is unchanged.\n');
      expect(await e.counts(['cli-mail'])).toEqual([[0, 2]]);

      const yes = startCli(argv, { answer: true });
      expect((await yes.done).code).toBe(0);
      expect(yes.questions).toHaveLength(1);
      expect(await e.counts(['cli-mail'])).toEqual([[2, 0]]);
    } finally {
      await e.close();
    }
  });

  it('says when the queue, or some of its partitions, is paused', async () => {
    const e = await setup();
    try {
      await e.enqueue('cli-mail', 2);
      await e.run(['pause', 'cli-mail']);
      const whole = await e.run(['promote', '--all', '-q', 'cli-mail', '-y']);
      expect(whole.stdout).toBe(
        `Promoted 2 delayed jobs of queue cli-mail: they are waiting now, behind the jobs already waiting.\nQueue "cli-mail" is paused: they run after \`conveyor resume cli-mail ${e.flags}\`.\n`,
      );
      await e.enqueue('cli-parts~0of2', 1);
      await e.enqueue('cli-parts~1of2', 1);
      await e.run(['pause', 'cli-parts~1of2']);
      const part = await e.run(['promote', '--all', '-q', 'cli-parts', '-y']);
      expect(part.stdout.split('\n')[1]).toBe(
        `Queue "cli-parts" is paused in part (cli-parts~1of2): the jobs promoted there run after \`conveyor resume cli-parts ${e.flags}\`.`,
      );
      const json1 = json(await e.run(['promote', '--all', '-q', 'cli-mail', '-y', '--json']));
      // Nothing moved this time: no queue to name.
      expect(json1).toEqual({ queue: 'cli-mail', promoted: 0, paused: [] });
    } finally {
      await e.close();
    }
  });
});
