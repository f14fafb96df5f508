// A dead job the CLI cannot read (a newer job format version, written by hand as a newer
// release would) among dead jobs it can: every listing shows it as a row that says why, the
// counts agree, a retry of all leaves it and says so, and no advice is circular.
import { makeEnvelope } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { buryNext, cli, json, producerSetup, usePrivateRedis } from './helpers.js';

const redis = usePrivateRedis();
const QUEUE = 'emails';

/** Two readable dead jobs, one with a long error, then one of job format version 9. */
async function setup() {
  const env = producerSetup(redis.url);
  const readable = [makeEnvelope(QUEUE, { task: 'app.greet' }), makeEnvelope(QUEUE)];
  await env.transport.enqueue(readable.map((envelope) => ({ envelope })));
  const long = `Task "app.greet" is not registered. Register the task with the worker or ${'x'.repeat(200)}`;
  await buryNext(env.transport, QUEUE, { name: 'Error', message: long, code: 'UNKNOWN_TASK' });
  await buryNext(env.transport, QUEUE);
  const newer = `${QUEUE}:garb5`;
  await redis.raw.hset(
    `${env.prefix}:{${QUEUE}}:j:garb5`,
    's',
    'w',
    'd',
    `95|3|${Date.now()}|0|app.greet`,
    'i',
    '{"email":"a@b.co","name":"v9"}',
  );
  await redis.raw.rpush(`${env.prefix}:{${QUEUE}}:w5`, 'garb5');
  // The transport dead-letters it at reserve: it cannot read it.
  expect(
    await env.transport.reserve({ queues: [QUEUE], max: 1, leaseMs: 60_000, consumer: 'c' }),
  ).toEqual([]);
  return { ...env, newer, ids: readable.map((envelope) => envelope.id) };
}

/** A dead job of this format version whose stored input is not JSON (a hand-written hash). */
async function notJsonDead(env: Awaited<ReturnType<typeof setup>>): Promise<string> {
  await redis.raw.hset(
    `${env.prefix}:{${QUEUE}}:j:garb1`,
    's',
    'w',
    'd',
    `15|3|${Date.now()}|0|app.greet`,
    'i',
    '{"email":',
  );
  await redis.raw.rpush(`${env.prefix}:{${QUEUE}}:w5`, 'garb1');
  await env.transport.reserve({ queues: [QUEUE], max: 1, leaseMs: 60_000, consumer: 'c' });
  return `${QUEUE}:garb1`;
}

describe('a dead job this CLI cannot read', () => {
  it('is shown by `inspect` with why it cannot be read, not refused as bad usage', async () => {
    const env = await setup();
    try {
      const shown = await cli(['inspect', env.newer, ...env.args]);
      expect(shown.stderr).toBe('');
      expect(shown.code).toBe(0);
      expect(shown.stdout).toMatch(/^Task {6}\(unreadable: see Error\)$/m);
      expect(shown.stdout).toContain(
        `Error     INVALID_ENVELOPE: Job "${env.newer}" is stored in job format version`,
      );
      const asJson = json<Record<string, unknown>>(
        await cli(['inspect', env.newer, '--json', ...env.args]),
      );
      expect(asJson).toMatchObject({
        id: env.newer,
        unreadable: true,
        error: { code: 'INVALID_ENVELOPE' },
      });
    } finally {
      await env.close();
    }
  });

  it('is not retried by `retry <id>` when its input is not JSON: it would die again', async () => {
    const env = await setup();
    try {
      const id = await notJsonDead(env);
      expect((await env.transport.getJob(id))?.state).toBe('dead');
      const one = await cli(['retry', id, ...env.args]);
      expect(one.code).toBe(7);
      expect(one.stdout).toBe('');
      expect(one.stderr).toContain('this CLI cannot read it');
      expect(one.stderr).toContain(`conveyor inspect ${id}`);
      expect((await env.transport.getJob(id))?.state).toBe('dead');
    } finally {
      await env.close();
    }
  });

  it('is a row of `dead` and `jobs --state dead` that says why, and the counts agree', async () => {
    const env = await setup();
    try {
      const dead = await cli(['dead', QUEUE, ...env.args]);
      expect(dead.code).toBe(0);
      const row = dead.stdout.split('\n').find((line) => line.startsWith(env.newer));
      expect(row).toContain('(unreadable)');
      expect(row).toContain('INVALID_ENVELOPE: Job "emails:garb5" is stored in job format version');
      expect(dead.stdout).toContain('3 of 3 dead jobs shown');
      expect(dead.stdout).toContain('1 job shown as (unreadable) could not be read by this CLI');
      const page = json<{ total: number; jobs: Array<{ id: string }> }>(
        await cli(['dead', QUEUE, '--json', ...env.args]),
      );
      expect(page.total).toBe(3);
      expect(page.jobs.map((job) => job.id).sort()).toEqual([...env.ids, env.newer].sort());
      const listed = await cli(['jobs', QUEUE, '--state', 'dead', ...env.args]);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain('3 dead jobs of emails');
      expect(listed.stdout.split('\n').find((line) => line.startsWith(env.newer))).toContain(
        '(unreadable)',
      );
    } finally {
      await env.close();
    }
  });

  it('is left dead by `retry --all-dead`, which names it, and `retry <id>` is not circular', async () => {
    const env = await setup();
    try {
      const dry = await cli(['retry', '--all-dead', '--queue', QUEUE, '--dry-run', ...env.args]);
      expect(dry.stdout).toContain('would retry 2 dead jobs');
      expect(dry.stdout).toContain(`Would leave 1 dead job this CLI cannot read`);
      const retried = await cli(['retry', '--all-dead', '--queue', QUEUE, '--yes', ...env.args]);
      expect(retried.code).toBe(0);
      expect(retried.stdout).toContain('Retried 2 dead jobs of queue emails.');
      expect(retried.stdout).toContain(`Left 1 dead job this CLI cannot read`);
      expect(retried.stdout).toContain(env.newer);
      const again = json<{ retried: number; skippedUnreadable: number }>(
        await cli(['retry', '--all-dead', '--queue', QUEUE, '--yes', '--json', ...env.args]),
      );
      expect(again).toMatchObject({ retried: 0, skippedUnreadable: 1 });
      const one = await cli(['retry', env.newer, ...env.args]);
      expect(one.code).toBe(2);
      expect(one.stderr).toContain('a CLI with it cannot retry it');
      expect(one.stderr).toContain('With the newer one');
    } finally {
      await env.close();
    }
  });
});
