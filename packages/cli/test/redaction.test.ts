// What the CLI prints of job data read back from the broker is redacted as the dashboard
// redacts it: the default paths (password, token, apiKey, authorization, …), `--redact`
// paths, and fields a task's input schema marks with .meta({ redact: true }) where the
// command has the tasks (`enqueue`; `--tasks` on the read commands, and in a project
// redaction-marks.test.ts); `--show-secrets` prints the values as stored. Against
// a private Redis, as an operator runs the commands.

import {
  defineTask,
  defineWorkflow,
  newWorkflowId,
  planForRun,
  silentLogger,
  workflowPlan,
} from '@conveyor/core';
import { makeEnvelope } from '@conveyor/core/testing';
import { applyWorkflowEffects } from '@conveyor/core/worker';
import { createWorker } from '@conveyor/worker';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseRedactPaths } from '../src/options.js';
import { login } from './fixtures/secrets.js';
import { buryNext, cli, json, producerSetup, usePrivateRedis } from './helpers.js';

const redis = usePrivateRedis();

const first = defineTask({ name: 'cli.first', queue: 'cli-wf', input: z.unknown(), run: () => 1 });
const second = defineTask({
  name: 'cli.second',
  queue: 'cli-wf',
  input: z.unknown(),
  run: () => 2,
});
const twoStepsPlan = defineWorkflow({
  name: 'cli.twoSteps',
  input: z.object({ n: z.number() }),
  steps: (flow) => flow.step('first', first).step('second', second),
});

const SECRETS = ['hunter2', 'Bearer abc', 'k-123', 'p-tok'];
const INPUT = {
  user: 'ann',
  password: 'hunter2',
  card: { number: '4242', brand: 'visa' },
  headers: { Authorization: 'Bearer abc' },
};

/** A job of `queue` with {@link INPUT}, run once: its progress and result hold secrets too. */
async function completedJob(env: ReturnType<typeof producerSetup>, queue: string) {
  const envelope = makeEnvelope(queue, { task: 'cli.plain', input: INPUT });
  await env.transport.enqueue([{ envelope }]);
  const [held] = await env.transport.reserve({
    queues: [queue],
    max: 1,
    leaseMs: 60_000,
    consumer: 'cli-test',
  });
  if (!held) throw new Error(`nothing to reserve in ${queue}`);
  const lease = { id: held.envelope.id, token: held.token };
  await env.transport.renew([{ ...lease, progress: { step: 1, token: 'p-tok' } }], 60_000);
  await env.transport.settle([
    { type: 'complete', ...lease, result: { ok: true, apiKey: 'k-123' } },
  ]);
  return envelope.id;
}

type Printed = {
  envelope: { input: typeof INPUT };
  result: { ok: boolean; apiKey: string };
  progress: { step: number; token: string };
};

function expectNoSecrets(text: string): void {
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

describe('conveyor inspect <job-id>: redaction', () => {
  it('redacts the default paths of the input, progress and result, in the human view and --json', async () => {
    const env = producerSetup(redis.url);
    const id = await completedJob(env, 'cli-redact');
    const human = await cli(['inspect', id, ...env.args]);
    expect(human.stderr).toBe('');
    expect(human.code).toBe(0);
    expectNoSecrets(human.stdout);
    expect(human.stdout).toContain('"password":"[redacted]"');
    expect(human.stdout).toContain('"Authorization":"[redacted]"');
    expect(human.stdout).toContain('"apiKey":"[redacted]"');
    // Not a secret by default: shown.
    expect(human.stdout).toContain('"number":"4242"');

    const machine = await cli(['inspect', id, '--json', ...env.args]);
    expect(machine.code).toBe(0);
    expectNoSecrets(machine.stdout);
    const record = json<Printed>(machine);
    expect(record.envelope.input).toEqual({
      user: 'ann',
      password: '[redacted]',
      card: { number: '4242', brand: 'visa' },
      headers: { Authorization: '[redacted]' },
    });
    expect(record.result).toEqual({ ok: true, apiKey: '[redacted]' });
    expect(record.progress).toEqual({ step: 1, token: '[redacted]' });
    // The broker keeps what was stored.
    expect((await env.transport.getJob(id))?.envelope.input).toEqual(INPUT);
    await env.close();
  });

  it('adds --redact paths (repeatable), and prints values as stored with --show-secrets', async () => {
    const env = producerSetup(redis.url);
    const id = await completedJob(env, 'cli-redact');
    const extra = await cli([
      'inspect',
      id,
      '--json',
      '--redact',
      'card.number',
      '--redact',
      'USER',
      ...env.args,
    ]);
    expect(extra.code).toBe(0);
    expect(json<Printed>(extra).envelope.input).toMatchObject({
      user: '[redacted]',
      password: '[redacted]',
      card: { number: '[redacted]', brand: 'visa' },
    });
    const human = await cli(['inspect', id, '--redact', '**.brand', ...env.args]);
    expect(human.stdout).toContain('"brand":"[redacted]"');
    expect(human.stdout).not.toContain('visa');

    const stored = await cli(['inspect', id, '--json', '--show-secrets', ...env.args]);
    expect(stored.code).toBe(0);
    const record = json<Printed>(stored);
    expect(record.envelope.input).toEqual(INPUT);
    expect(record.result.apiKey).toBe('k-123');
    expect(record.progress.token).toBe('p-tok');
    const plain = await cli(['inspect', id, '--show-secrets', ...env.args]);
    expect(plain.stdout).toContain('"password":"hunter2"');
    await env.close();
  });

  it('refuses an invalid --redact path, or one beside --show-secrets, as a usage error (exit 2)', async () => {
    const env = producerSetup(redis.url);
    const id = 'cli-redact:nothing-here';
    const bad = await cli(['inspect', id, '--redact', 'card..number', ...env.args]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(
      /^error: Invalid --redact "card\.\.number": expected a dot path of keys, '\*' .* fix it, or leave it out\.\n$/,
    );
    const all = await cli(['dead', 'cli-redact', '--redact', '**', ...env.args]);
    expect(all.code).toBe(2);
    expect(all.stderr).toContain('error: Invalid --redact "**": expected a dot path of keys');
    const both = await cli(['inspect', id, '--redact', 'a', '--show-secrets', ...env.args]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--show-secrets');
    await env.close();
  });

  it("says so in each affected command's --help", async () => {
    for (const command of [['inspect'], ['jobs'], ['dead'], ['schedules'], ['enqueue']]) {
      const help = await cli([...command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('--redact <path>');
      expect(help.stdout).toContain('--show-secrets');
      expect(help.stdout).toContain('Redaction applies to ');
    }
  });
});

describe('conveyor jobs, dead and schedules --json: redaction', () => {
  it('redacts the jobs that jobs --json and dead --json print', async () => {
    const env = producerSetup(redis.url);
    await env.transport.enqueue([
      { envelope: makeEnvelope('cli-redact', { task: 'cli.plain', input: INPUT }) },
    ]);
    const waiting = await cli(['jobs', 'cli-redact', '--json', ...env.args]);
    expect(waiting.code).toBe(0);
    expectNoSecrets(waiting.stdout);
    const listed = json<{ jobs: Printed[] }>(waiting).jobs;
    expect(listed.map((job) => job.envelope.input.password)).toEqual(['[redacted]']);

    await buryNext(env.transport, 'cli-redact');
    const dead = await cli(['dead', 'cli-redact', '--json', '--redact', 'card', ...env.args]);
    expect(dead.code).toBe(0);
    expectNoSecrets(dead.stdout);
    const [job] = json<{ jobs: Printed[] }>(dead).jobs;
    expect(job?.envelope.input).toMatchObject({ password: '[redacted]', card: '[redacted]' });
    const stored = await cli(['dead', 'cli-redact', '--json', '--show-secrets', ...env.args]);
    expect(json<{ jobs: Printed[] }>(stored).jobs[0]?.envelope.input).toEqual(INPUT);
    await env.close();
  });

  it('redacts the schedule inputs that schedules --json prints', async () => {
    const env = producerSetup(redis.url);
    await env.transport.schedules.upsert([
      {
        id: 'reports.hourly',
        queue: 'reports',
        task: 'shop.report',
        every: 3_600_000,
        tz: 'UTC',
        input: { threshold: 5, secret: 's3cret', db: { password: 'hunter2' } },
        misfire: 'latest',
        overlap: 'allow',
        enabled: true,
        source: 'runtime',
        maxAttempts: 3,
        priority: 5,
      },
    ]);
    const listed = await cli(['schedules', '--json', ...env.args]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).not.toContain('s3cret');
    expect(listed.stdout).not.toContain('hunter2');
    const [row] = json<{ schedules: Array<{ input: unknown }> }>(listed).schedules;
    expect(row?.input).toEqual({
      threshold: 5,
      secret: '[redacted]',
      db: { password: '[redacted]' },
    });
    const stored = await cli(['schedules', '--json', '--show-secrets', ...env.args]);
    expect(stored.stdout).toContain('s3cret');
    await env.close();
  });
});

describe('conveyor inspect <workflow id>: redaction', () => {
  it("redacts the workflow's input and its steps' results", async () => {
    const env = producerSetup(redis.url);
    const { workflows } = env.transport;
    const id = newWorkflowId();
    const plan = planForRun(workflowPlan(twoStepsPlan), id);
    const input = { n: 1, token: 'wf-token-1' };
    await applyWorkflowEffects(env.transport, id, await workflows.start({ id, plan, input }));
    await workflows.claim(id, { step: 'first' });
    const outcome = { ok: true as const, result: { n: 2, secretKey: 'step-secret-1' } };
    await applyWorkflowEffects(
      env.transport,
      id,
      await workflows.record(id, { step: 'first' }, outcome),
    );

    const human = await cli(['inspect', id, ...env.args]);
    expect(human.stderr).toBe('');
    expect(human.code).toBe(0);
    expect(human.stdout).not.toContain('wf-token-1');
    expect(human.stdout).not.toContain('step-secret-1');
    expect(human.stdout).toContain('"token":"[redacted]"');
    expect(human.stdout).toContain('"secretKey":"[redacted]"');

    const machine = await cli(['inspect', id, '--json', ...env.args]);
    const view = json<{
      input: unknown;
      stages: Array<{ steps: Array<{ name: string; result?: unknown }> }>;
    }>(machine);
    expect(view.input).toEqual({ n: 1, token: '[redacted]' });
    expect(view.stages[0]?.steps[0]?.result).toEqual({ n: 2, secretKey: '[redacted]' });

    const stored = await cli(['inspect', id, '--show-secrets', ...env.args]);
    expect(stored.stdout).toContain('wf-token-1');
    expect(stored.stdout).toContain('step-secret-1');
    await env.close();
  });
});

describe('conveyor enqueue --wait: redaction', () => {
  it("redacts the result, also in the fields the task's schema marks with .meta({ redact: true })", async () => {
    const env = producerSetup(redis.url);
    const worker = createWorker({ transport: env.transport, tasks: [login], logger: silentLogger });
    const running = worker.start();
    const typed = '{"user":"ann","pin":"1234","password":"hunter2"}';
    const options = ['--wait', '--tasks', 'test/fixtures/secrets.ts', ...env.args];
    const machine = await cli(['enqueue', 'cli.login', typed, '--json', ...options]);
    expect(machine.stderr).toBe('');
    expect(machine.code).toBe(0);
    expect(json<{ result: unknown }>(machine).result).toEqual({
      user: 'ann',
      pin: '[redacted]',
      password: '[redacted]',
    });
    const human = await cli(['enqueue', 'cli.login', typed, ...options]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(
      'Completed; result: {"user":"ann","pin":"[redacted]","password":"[redacted]"}',
    );
    const stored = await cli(['enqueue', 'cli.login', typed, '--show-secrets', ...options]);
    expect(stored.stdout).toContain(
      'Completed; result: {"user":"ann","pin":"1234","password":"hunter2"}',
    );
    await worker.stop();
    await running;
    await env.close();
  });
});

describe("read commands: the fields the tasks' schemas mark", () => {
  const MARKED = { user: 'ann', pin: '1234', password: 'hunter2' };

  async function loginJob(transport: ReturnType<typeof producerSetup>['transport'], queue: string) {
    const envelope = makeEnvelope(queue, { task: 'cli.login', input: MARKED });
    await transport.enqueue([{ envelope }]);
    return envelope.id;
  }

  it('inspect and jobs --json redact them with --tasks; without tasks or a config, only the defaults', async () => {
    const env = producerSetup(redis.url);
    const id = await loginJob(env.transport, 'cli-marks');
    const tasks = ['--tasks', 'test/fixtures/secrets.ts'];
    const inspected = await cli(['inspect', id, '--json', ...tasks, ...env.args]);
    expect(inspected.stderr).toBe('');
    expect(json<{ envelope: { input: unknown } }>(inspected).envelope.input).toEqual({
      user: 'ann',
      pin: '[redacted]',
      password: '[redacted]',
    });
    const human = await cli(['inspect', id, ...tasks, ...env.args]);
    expect(human.stdout).toContain('"pin":"[redacted]"');
    expect(human.stdout).not.toContain('1234');
    const listed = await cli(['jobs', 'cli-marks', '--json', ...tasks, ...env.args]);
    expect(listed.stderr).toBe('');
    expect(listed.stdout).toContain('"pin": "[redacted]"');
    expect(listed.stdout).not.toContain('1234');
    // The package directory has no conveyor.config.ts: nothing to load, no note, and the
    // marked field prints (the README says to pass --tasks or --redact for it).
    const plain = await cli(['inspect', id, '--json', ...env.args]);
    expect(plain.stderr).toBe('');
    expect(json<{ envelope: { input: { pin: string } } }>(plain).envelope.input.pin).toBe('1234');
    await env.close();
  });

  it('a --tasks module that cannot be loaded fails the command, naming it', async () => {
    const env = producerSetup(redis.url);
    const id = await loginJob(env.transport, 'cli-marks-missing');
    const run = await cli(['inspect', id, '--tasks', 'test/fixtures/nope.ts', ...env.args]);
    expect(run.code).toBe(6);
    expect(run.stderr).toContain('--tasks "test/fixtures/nope.ts": no such file');
    expect(run.stdout).toBe('');
    await env.close();
  });
});

describe('parseRedactPaths', () => {
  it('adds the paths of a repeated --redact to the earlier ones', () => {
    expect(parseRedactPaths('b, c', ['a'])).toEqual(['a', 'b', 'c']);
  });
});
