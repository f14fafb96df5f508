// What the CLI changes goes to the transport's audit log, the one the dashboard shows, with
// the same action names as the dashboard's: an operator reading the log sees a retry made
// from a shell beside one made in the browser. Against a private Redis.
import type { AuditEntry } from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { echo } from './fixtures/tasks.js';
import { buryNext, cli, producerSetup, TASKS, usePrivateRedis } from './helpers.js';

const redis = usePrivateRedis();
const env = { CONVEYOR_ACTOR: 'ops-ada' };

/** The log's entries, oldest first (as listAudit gives them), without ids and times. */
async function entries(admin: { listAudit(): Promise<AuditEntry[]> }) {
  const listed = await admin.listAudit();
  return listed.map(({ id: _id, at: _at, ...entry }) => entry);
}

describe('the audit log of CLI actions', () => {
  it('records enqueue, cancel, retry, pause, resume, purge and retry --all-dead, by the CLI', async () => {
    const { args, transport, client, close } = producerSetup(redis.url);
    const run = (argv: string[]) => cli([...argv, ...args], { env });
    const ok = async (argv: string[]) => {
      const done = await run(argv);
      expect(done.stderr, argv.join(' ')).toBe('');
      expect(done.code, argv.join(' ')).toBe(0);
      return done;
    };

    const enqueued = await ok(['enqueue', 'cli.echo', '{"n":1}', '--tasks', TASKS]);
    const id = /as (\S+):/.exec(enqueued.stdout)?.[1] as string;
    await ok(['cancel', id]);
    const queue = 'cli-audit';
    const stub = client.bind(echo);
    const handles = await Promise.all([1, 2, 3].map((n) => stub.enqueue({ n }, { queue })));
    const buried = [await buryNext(transport, queue), await buryNext(transport, queue)];
    await ok(['retry', buried[0] as string]);
    await ok(['pause', queue]);
    await ok(['resume', queue]);
    await buryNext(transport, queue);
    await ok(['retry', '--all-dead', '--queue', queue, '--yes']);
    await ok(['purge', queue, '--yes']);

    const log = await entries(transport.admin);
    expect(log.map((entry) => entry.action)).toEqual([
      'job.enqueue',
      'job.cancel',
      'job.retry',
      'queue.pause',
      'queue.resume',
      'dead.retry',
      'queue.purge',
    ]);
    for (const entry of log) expect(entry.actor).toBe('cli:ops-ada');
    expect(log[0]).toMatchObject({ jobId: id, queue: 'cli-echo', detail: { task: 'cli.echo' } });
    expect(log[1]).toMatchObject({ jobId: id, detail: { result: 'cancelled' } });
    expect(log[2]).toMatchObject({ jobId: buried[0], queue, detail: { from: 'dead' } });
    expect(log[3]).toMatchObject({ queue, detail: { changed: [queue] } });
    expect(log[5]).toMatchObject({ queue, detail: { retried: 2, skippedStepJobs: 0 } });
    expect(log[6]).toMatchObject({ queue, detail: { purged: 3 } });
    // The bulk retry is on each retried job's own record too, as the dashboard's is.
    const second = buried[1] as string;
    expect((await transport.admin.listAudit({ jobId: second })).map((e) => e.action)).toEqual([
      'dead.retry',
    ]);
    expect(handles.every((handle) => handle.id.startsWith(`${queue}:`))).toBe(true);
    await close();
  });

  it('names the user and host without CONVEYOR_ACTOR', async () => {
    const { args, transport, close } = producerSetup(redis.url);
    const done = await cli(['pause', 'cli-audit-2', '--new', ...args], {
      env: { USER: 'grace' },
    });
    expect(done.code).toBe(0);
    const [entry] = await transport.admin.listAudit();
    expect(entry?.actor).toMatch(/^cli:grace@.+/);
    await close();
  });
});
