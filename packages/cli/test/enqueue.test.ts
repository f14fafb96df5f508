// `conveyor enqueue`: one job from the command line, its input checked by the task's schema,
// against a private Redis as an operator runs it; and, from a config, the generated client's
// contracts, without loading task code.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { defineTask, silentLogger, type Transport } from '@conveyor/core';
import { MAX_DURATION_MS } from '@conveyor/core/transport';
import { createWorker } from '@conveyor/worker';
import { describe, expect, it, vi } from 'vitest';
import { MAX_DELAY_MS } from '../src/durations.js';
import { echo } from './fixtures/tasks.js';
import {
  cli,
  json,
  packageDir,
  producerSetup,
  spawnConveyor,
  startCli,
  TASKS,
  usePrivateRedis,
  WAIT_MS,
} from './helpers.js';
import { memoryConfig, memoryProjects, writeClient } from './memory-project.js';

const redis = usePrivateRedis();

describe('conveyor enqueue', () => {
  it('adds one job of the task with the given input, and says how to inspect it', async () => {
    const { args, transport, close } = producerSetup(redis.url);
    const run = await cli(['enqueue', 'cli.echo', '{"n":7}', '--tasks', TASKS, ...args]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const id = /as (cli-echo:\S+):/.exec(run.stdout)?.[1] as string;
    expect(run.stdout).toContain(`Enqueued cli.echo as ${id}: waiting.`);
    expect(run.stdout).toContain(`conveyor inspect ${id} --redis ${redis.url} --prefix`);
    expect(await transport.getJob(id)).toMatchObject({
      state: 'waiting',
      envelope: { task: 'cli.echo', input: { n: 7 } },
    });
    await close();
  });

  it('takes --delay, --priority, --attempts and --idempotency-key, and prints --json', async () => {
    const { args, transport, close } = producerSetup(redis.url);
    const options = ['--tasks', TASKS, '--json', ...args];
    const later = await cli(['enqueue', 'cli.echo', '{"n":1}', '--delay', '60000', ...options]);
    expect(json(later)).toMatchObject({ task: 'cli.echo', state: 'delayed', duplicate: false });
    const keyed = ['--idempotency-key', 'k-1', '--priority', '9', '--attempts', '2'];
    const first = json<{ id: string }>(
      await cli(['enqueue', 'cli.echo', '{"n":2}', ...keyed, ...options]),
    );
    const again = json<{ id: string; duplicate: boolean }>(
      await cli(['enqueue', 'cli.echo', '{"n":2}', ...keyed, ...options]),
    );
    expect(again).toMatchObject({ id: first.id, duplicate: true });
    expect((await transport.getJob(first.id))?.envelope).toMatchObject({
      priority: 9,
      maxAttempts: 2,
    });
    await close();
  });

  it('refuses an idempotency key that comes back with another input (exit 7), enqueueing nothing', async () => {
    const { args, transport, close } = producerSetup(redis.url);
    const options = ['--idempotency-key', 'k-other', '--tasks', TASKS, ...args];
    const first = await cli(['enqueue', 'cli.echo', '{"n":1}', '--json', ...options]);
    const { id } = json<{ id: string }>(first);
    const other = await cli(['enqueue', 'cli.echo', '{"n":2}', ...options]);
    expect(other.code).toBe(7);
    expect(other.stdout).toBe('');
    expect(other.stderr).toContain(
      `error: Idempotency key "k-other" of task "cli.echo" is held by job "${id}", enqueued with a different input`,
    );
    expect(other.stderr).toContain('so this input was not enqueued');
    // One line: no logger's object dump beside it.
    expect(other.stderr.trim().split('\n')).toHaveLength(1);
    expect((await transport.getJob(id))?.envelope.input).toEqual({ n: 1 });
    await close();
  });

  it('takes --delay with a unit (1h), and refuses one it cannot read, saying how to write it', async () => {
    const { args, transport, close } = producerSetup(redis.url);
    const options = ['--tasks', TASKS, '--json', ...args];
    const run = await cli(['enqueue', 'cli.echo', '{"n":1}', '--delay', '1h', ...options]);
    const { id } = json<{ id: string }>(run);
    const job = await transport.getJob(id);
    expect(job?.state).toBe('delayed');
    // Due an hour after it was stored, by the transport's clock (both times are its own).
    const dueIn = (job?.dueAt ?? 0) - (job?.enqueuedAt ?? 0);
    expect(dueIn).toBeGreaterThanOrEqual(3_600_000 - 1_000);
    expect(dueIn).toBeLessThanOrEqual(3_600_000 + 1_000);

    // The human line says until when: a delay in the wrong unit shows as a date far off.
    const human = await cli([
      'enqueue',
      'cli.echo',
      '{"n":3}',
      '--delay',
      '2d',
      ...args,
      '--tasks',
      TASKS,
    ]);
    const humanId = /as (\S+):/.exec(human.stdout)?.[1] as string;
    const dueAt = (await transport.getJob(humanId))?.dueAt as number;
    expect(human.stdout).toContain(`: delayed until ${new Date(dueAt).toISOString()}.`);
    const many = await cli(['enqueue', 'cli.echo', '{"n":4}', '--attempts', '1001', ...options]);
    expect(many.code).toBe(2);
    expect(many.stderr).toContain('Invalid --attempts "1001": expected an integer from 1 to 1000.');

    const bad = await cli(['enqueue', 'cli.echo', '{"n":2}', '--delay', '1 hour', ...options]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      'Invalid --delay "1 hour": expected a whole number of milliseconds (from 0 to 4503599627370496), or a number with a unit',
    );
    // Past core's bound: it said "over 9007199254740991" for some values, and for others core's
    // "Invalid delay 8553600000000000", naming neither --delay nor the value typed.
    const far = await cli(['enqueue', 'cli.echo', '{"n":2}', '--delay', '99000000d', ...options]);
    expect(far.code).toBe(2);
    expect(far.stderr).toBe(
      'error: Invalid --delay "99000000d": expected a whole number of milliseconds (from 0 to 4503599627370496): it is 8553600000000000 ms, over 4503599627370496.\n',
    );
    expect(MAX_DELAY_MS).toBe(MAX_DURATION_MS);
    await close();
  });

  it('takes an ISO string where the schema says z.date(), as the worker reads it', async () => {
    const { args, transport, close } = producerSetup(redis.url);
    const tasks = ['--tasks', 'test/fixtures/date-tasks.ts', '--json', ...args];
    const input = '{"at":"2026-01-01T00:00:00.000Z","note":"renew"}';
    const run = await cli(['enqueue', 'cli.remind', input, ...tasks]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const { id } = json<{ id: string }>(run);
    expect((await transport.getJob(id))?.envelope.input).toEqual({
      at: '2026-01-01T00:00:00.000Z',
      note: 'renew',
    });
    // What is no date is refused as before, quoting it.
    const bad = await cli(['enqueue', 'cli.remind', '{"at":"soon","note":"x"}', ...tasks]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('at: Invalid input: expected date');
    expect(bad.stderr).toContain('(got "soon")');
    await close();
  });

  it('refuses input the schema refuses, quoting values but not those redaction hides', async () => {
    const { args, close } = producerSetup(redis.url);
    const tasks = ['--tasks', 'test/fixtures/date-tasks.ts', ...args];
    // `token` is one of the default redacted names; `note` is not.
    const run = await cli(['enqueue', 'cli.login', '{"user":7,"token":42}', ...tasks]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('user: Invalid input: expected string, received number (got 7)');
    expect(run.stderr).toContain(
      'token: Invalid input: expected string, received number (got "[redacted]")',
    );
    expect(run.stderr).not.toContain('42');
    // --show-secrets prints it as given.
    const shown = await cli([
      'enqueue',
      'cli.login',
      '{"user":7,"token":42}',
      '--show-secrets',
      ...tasks,
    ]);
    expect(shown.stderr).toContain('(got 42)');
    await close();
  });

  it('refuses an input over the size limit, saying what to do from the command line', async () => {
    const { args, close } = producerSetup(redis.url);
    const big = JSON.stringify({ user: 'x'.repeat(2_000_000), token: 't' });
    const run = await cli([
      'enqueue',
      'cli.login',
      big,
      '--tasks',
      'test/fixtures/date-tasks.ts',
      ...args,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^error: The input of task "cli\.login" is \d+ bytes as JSON, over the \d+-byte limit\. Store large data elsewhere \(database, object store\) and pass its id\.$/m,
    );
    expect(run.stderr).not.toContain('createClient');
    await close();
  });

  it('reads the input from --input-file', async () => {
    const { args, transport, close } = producerSetup(redis.url);
    const dir = mkdtempSync(path.join(tmpdir(), 'conveyor-enqueue-'));
    writeFileSync(path.join(dir, 'job.json'), '{"n": 3}\n');
    const run = await cli(
      [
        'enqueue',
        'cli.echo',
        '--input-file',
        'job.json',
        '--tasks',
        path.join(packageDir, TASKS),
        ...args,
      ],
      { cwd: dir },
    );
    rmSync(dir, { recursive: true, force: true });
    expect(run.code).toBe(0);
    const id = /as (\S+):/.exec(run.stdout)?.[1] as string;
    expect((await transport.getJob(id))?.envelope.input).toEqual({ n: 3 });
    await close();
  });

  it('with --wait, prints the result once a worker ran the job', async () => {
    const { args, transport, close } = producerSetup(redis.url);
    const worker = createWorker({ transport, tasks: [echo], logger: silentLogger });
    const running = worker.start();
    const run = await cli(['enqueue', 'cli.echo', '{"n":5}', '--wait', '--tasks', TASKS, ...args]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Completed; result: {"n":5}');
    await worker.stop();
    await running;
    await close();
  });

  it('with --wait, exits 0 for a job a removeOnComplete worker completed, saying its result was not kept', async () => {
    const { args, prefix, transport, close } = producerSetup(redis.url);
    // The worker's cli.echo finishes only when the test says: once the command waits on it.
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const gated = defineTask({
      name: echo.name,
      input: echo.input,
      queue: 'cli-echo',
      run: async ({ n }) => gate.then(() => ({ n })),
    });
    const worker = createWorker({
      transport,
      tasks: [gated],
      removeOnComplete: true,
      logger: silentLogger,
    });
    const running = worker.start();
    const command = startCli([
      ...['enqueue', 'cli.echo', '{"n":6}', '--wait', '30', '--json'],
      ...['--tasks', TASKS, ...args],
    ]);
    await expect
      .poll(() => redis.raw.scard(`${prefix}:{cli-echo}:watched`), { timeout: 20_000 })
      .toBe(1);
    release();
    const run = await command.done;
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(json(run)).toMatchObject({ state: 'completed', resultKept: false });
    expect(json(run)).not.toHaveProperty('error');
    await worker.stop();
    await running;
    await close();
  });

  it('with --wait, says a job whose record was deleted before its outcome was read is gone, and why', async () => {
    const { args, prefix, transport, close } = producerSetup(redis.url);
    const command = startCli([
      'enqueue',
      'cli.echo',
      '{"n":7}',
      '--wait',
      '30',
      '--tasks',
      TASKS,
      ...args,
    ]);
    await expect
      .poll(() => redis.raw.scard(`${prefix}:{cli-echo}:watched`), { timeout: 20_000 })
      .toBe(1);
    await transport.admin?.purgeQueue('cli-echo');
    const run = await command.done;
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^Enqueued cli\.echo as cli-echo:\S+: waiting\.$/m);
    expect(run.stderr).toContain(
      'error: Its record was deleted before its outcome could be read. Workers that remove completed jobs (removeOnComplete on the task, or conveyor worker --remove-on-complete) delete it as it completes',
    );
    expect(run.stderr).not.toContain('never existed');
    expect(run.stderr).not.toContain('conveyor inspect');
    await close();
  });

  it('with --wait, exits 1 naming the failure of a job that ended without a result', async () => {
    const { args, transport, close } = producerSetup(redis.url);
    const { boom } = await import('./fixtures/tasks.js');
    const worker = createWorker({ transport, tasks: [boom], logger: silentLogger });
    const running = worker.start();
    const run = await cli([
      'enqueue',
      'cli.boom',
      '{"reason":"no stock"}',
      '--wait',
      '30',
      '--json',
      '--tasks',
      TASKS,
      ...args,
    ]);
    expect(run.code).toBe(1);
    const printed = json<{ id: string; state: string; error: string }>(run);
    expect(printed.state).toBe('dead');
    expect(printed.error).toContain('boom: no stock');
    expect(run.stderr).toContain(`conveyor inspect ${printed.id}`);
    await worker.stop();
    await running;
    await close();
  });

  it('with --wait <seconds> and no worker, exits 1 saying the job goes on', async () => {
    const { args, transport, close } = producerSetup(redis.url);
    const run = await cli([
      'enqueue',
      'cli.echo',
      '{"n":1}',
      '--wait',
      '200ms',
      '--tasks',
      TASKS,
      ...args,
    ]);
    expect(run.code).toBe(1);
    // 200ms with its unit is 0.2 s, as --wait 0.2 is.
    expect(run.stderr).toContain('Not finished after --wait 0.2 s; it goes on.');
    const id = /as (\S+):/.exec(run.stdout)?.[1] as string;
    expect(await transport.getJob(id)).toMatchObject({ state: 'waiting' });
    await close();
  });

  it('refuses bad input before adding anything: unknown task, not JSON, schema, none', async () => {
    const { args, transport, close } = producerSetup(redis.url);
    const refused = async (argv: string[]) => {
      const run = await cli(['enqueue', ...argv, '--tasks', TASKS, ...args]);
      expect(run.stdout).toBe('');
      return run;
    };
    const unknown = await refused(['cli.ecoh', '{"n":1}']);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain('No task or workflow "cli.ecoh" in test/fixtures/tasks.ts.');
    expect(unknown.stderr).toContain('Did you mean "cli.echo"?');
    const notJson = await refused(['cli.echo', '{n: 1}']);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('The input is not JSON');
    expect(notJson.stderr).toContain('"{n: 1}"');
    const wrong = await refused(['cli.echo', '{"n":"seven"}']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('Invalid input for task "cli.echo"');
    expect(wrong.stderr).toContain('"seven"');
    const missing = await refused(['cli.echo']);
    expect(missing.code).toBe(2);
    // It showed the shop's '{"orderId":"o-1"}' whatever the task: now the task's own fields,
    // in a command that carries the options given (it left out --tasks and --redis, so that
    // the copied command looked for the config's tasks on the default Redis).
    const where = `--tasks ${TASKS} --redis ${redis.url} --prefix ${args[3]}`;
    expect(missing.stderr).toContain(
      `Missing input: task "cli.echo" takes an object with n; give the job's input as JSON, e.g. conveyor enqueue cli.echo '{"n": …}' ${where} (your values in place of …)`,
    );
    expect(notJson.stderr).toContain(
      `. Task "cli.echo" takes an object with n: give a JSON value, quoted for the shell: conveyor enqueue cli.echo '{"n": …}' ${where}`,
    );
    const [counts] = await transport.admin.queueCounts(['cli-echo']);
    expect(counts).toMatchObject({ waiting: 0, delayed: 0 });
    await close();
  });
});

describe('conveyor enqueue of a workflow', () => {
  const WORKFLOW = 'test/fixtures/doubling.ts';

  it('starts a run; with --wait, prints its result once a worker ran its steps', async () => {
    const { args, transport, close } = producerSetup(redis.url);
    const { doubling } = await import('./fixtures/doubling.js');
    const worker = createWorker({
      transport,
      tasks: [echo],
      workflows: [doubling],
      logger: silentLogger,
    });
    const running = worker.start();
    const run = await cli([
      'enqueue',
      'cli.doubling',
      '{"n":4}',
      '--wait',
      '--tasks',
      WORKFLOW,
      ...args,
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Started workflow cli.doubling as wf_\S+: running\.$/m);
    expect(run.stdout).toContain('Completed; result: {"n":8}');
    await worker.stop();
    await running;
    await close();
  });

  it('with --wait, a failed run names the command that retries it, not the library call', async () => {
    const { args, transport, close } = producerSetup(redis.url);
    const { failing, refuse } = await import('./fixtures/failing-flow.js');
    const worker = createWorker({
      transport,
      tasks: [refuse],
      workflows: [failing],
      logger: silentLogger,
    });
    const running = worker.start();
    const run = await cli([
      ...['enqueue', 'cli.failing', '{"n":1}', '--wait', '30'],
      ...['--tasks', 'test/fixtures/failing-flow.ts', ...args],
    ]);
    expect(run.code).toBe(1);
    const id = /as (wf_\S+):/.exec(run.stdout)?.[1] as string;
    expect(run.stderr).toContain('failed with NON_RETRYABLE: out of stock');
    expect(run.stderr).toContain(
      `Fix the cause, then \`conveyor workflows retry ${id}\` runs it again`,
    );
    expect(run.stderr).not.toContain('handle.retry()');
    await worker.stop();
    await running;
    await close();
  });

  it("refuses a job's options for a workflow, before starting it", async () => {
    const { args, close } = producerSetup(redis.url);
    const run = await cli([
      'enqueue',
      'cli.doubling',
      '{"n":4}',
      '--delay',
      '1000',
      '--tasks',
      WORKFLOW,
      ...args,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      '--delay applies to a task\'s job, and "cli.doubling" is a workflow',
    );
    const listed = await cli(['workflows', 'list', '--json', ...args]);
    expect(json<{ workflows: unknown[] }>(listed).workflows).toEqual([]);
    await close();
  });
});

describe('conveyor enqueue from a config', () => {
  const projects = memoryProjects('enqueue');

  it("uses the config's generated client: contracts, no task code loaded", async () => {
    // The task file throws on import: only the worker may load it.
    const dir = projects(`throw new Error('task code was loaded');\n`);
    writeClient(dir, [
      { name: 'reports.daily', queue: 'reports', input: 'z.object({ day: z.string() })' },
    ]);
    const run = await cli(['enqueue', 'reports.daily', '{"day":"2026-12-06"}', '--json'], {
      cwd: dir,
    });
    expect(run.stderr).toBe('');
    const { id } = json<{ id: string }>(run);
    const { shared } = (await import(
      /* @vite-ignore */ pathToFileURL(path.join(dir, 'conveyor.config.ts')).href
    )) as { shared: Transport };
    expect(await shared.getJob(id)).toMatchObject({
      state: 'waiting',
      envelope: { task: 'reports.daily', queue: 'reports', input: { day: '2026-12-06' } },
    });
  });

  it('says what the enqueue did, not what a fast worker did with the job since', async () => {
    const dir = projects('export {};\n');
    writeClient(dir, [
      { name: 'reports.daily', queue: 'reports', input: 'z.object({ day: z.string() })' },
    ]);
    // A worker that took the job before the command read it back: every read says active.
    writeFileSync(
      path.join(dir, 'conveyor.config.ts'),
      memoryConfig(`key === 'getJob'
        ? async (id, queue) => {
            const record = await target.getJob(id, queue);
            return record && { ...record, state: 'active' };
          }
        :`),
    );
    const run = await cli(['enqueue', 'reports.daily', '{"day":"2026-12-06"}'], { cwd: dir });
    expect(run.stderr).toBe('');
    // It said "active" (or "delayed until …", a fast worker's retry back-off).
    expect(run.stdout).toMatch(/^Enqueued reports\.daily as reports:\S+: waiting\.$/m);
    const later = await cli(
      ['enqueue', 'reports.daily', '{"day":"2026-12-07"}', '--delay', '60000', '--json'],
      { cwd: dir },
    );
    expect(json(later)).toMatchObject({ state: 'delayed', duplicate: false });
    // A duplicate enqueued nothing: it says so, and what became of the earlier job.
    const keyed = ['enqueue', 'reports.daily', '{"day":"2026-12-08"}', '--idempotency-key', 'k'];
    await cli(keyed, { cwd: dir });
    const again = await cli(keyed, { cwd: dir });
    expect(again.stdout).toMatch(
      /^Nothing enqueued: already enqueued reports\.daily as reports:\S+: active \(the idempotency key matched this earlier job\)\.$/m,
    );
  });

  it('says to run generate when the client is not written yet', async () => {
    const dir = projects('export {};\n');
    const run = await cli(['enqueue', 'reports.daily', '{}'], { cwd: dir });
    expect(run.code).toBe(6);
    expect(run.stderr).toContain('The client generated/client.ts that conveyor.config.ts names');
    expect(run.stderr).toContain('run `conveyor generate`');
  });
});

describe('conveyor enqueue into a paused queue', () => {
  it('says the queue is paused before any wait, on stderr, and --json stays JSON', async () => {
    const { args, transport, close } = producerSetup(redis.url);
    await transport.admin.pauseQueue('cli-echo');
    const options = ['--tasks', TASKS, ...args];
    // Before: 'Enqueued … waiting.', then a --wait that ran out with no word of the pause.
    const run = await cli(['enqueue', 'cli.echo', '{"n":1}', '--wait', '0.2', ...options]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^note: Queue "cli-echo" is paused: it runs after `conveyor resume cli-echo --redis \S+ --prefix \S+`\.\nerror: Not finished after --wait 0\.2 s; it goes on\./,
    );
    const quiet = await cli(['enqueue', 'cli.echo', '{"n":2}', '--json', ...options]);
    expect(json(quiet)).toMatchObject({ state: 'waiting' });
    expect(quiet.stderr).toContain('note: Queue "cli-echo" is paused');
    await transport.admin.resumeQueue('cli-echo');
    expect((await cli(['enqueue', 'cli.echo', '{"n":3}', ...options])).stderr).toBe('');
    await close();
  });
});

describe('signals to the built binary', () => {
  it('Ctrl-C stops the wait, names the job it enqueued, and leaves the job to run', async () => {
    const { args, transport, close } = producerSetup(redis.url);
    const child = spawnConveyor([
      'enqueue',
      'cli.echo',
      '{"n":5}',
      '--wait',
      '--tasks',
      TASKS,
      ...args,
    ]);
    // No worker runs: once the job is stored, the command is waiting on it.
    await vi.waitFor(
      async () => expect((await transport.admin.queueCounts(['cli-echo']))[0]?.waiting).toBe(1),
      { timeout: WAIT_MS, interval: 50 },
    );
    child.child.kill('SIGINT');
    // Before: the binary exited 130 at once, printing nothing: the job ran on, unnamed.
    const exit = await child.exited;
    const id = /^Enqueued cli\.echo as (cli-echo:\S+): waiting\.$/m.exec(exit.stdout)?.[1];
    expect(id, exit.stdout + exit.stderr).toBeDefined();
    expect(exit.stderr).toContain('Stopped waiting (interrupted); it goes on.');
    expect(exit.code).toBe(1);
    expect(await transport.getJob(id as string)).toMatchObject({ state: 'waiting' });
    await close();
  });

  it('Ctrl-C before the job is stored ends the command at once, enqueueing nothing', async () => {
    const { args, transport, close } = producerSetup(redis.url);
    // A tasks module that never finishes loading, and says when it started: a listening
    // socket keeps the process up (no timer), so only the signal ends it.
    const dir = mkdtempSync(path.join(tmpdir(), 'conveyor-slow-tasks-'));
    const slow = path.join(dir, 'slow-tasks.mjs');
    writeFileSync(
      slow,
      "import { createServer } from 'node:net';\ncreateServer().listen(0, '127.0.0.1');\nprocess.stderr.write('loading\\n');\nawait new Promise(() => {});\n",
    );
    try {
      const child = spawnConveyor([
        'enqueue',
        'cli.echo',
        '{"n":6}',
        '--wait',
        '--tasks',
        slow,
        ...args,
      ]);
      await child.waitFor('loading');
      child.child.kill('SIGINT');
      // A review found it enqueued the job anyway once loaded, the first signal only aborting
      // the wait to come.
      const exit = await child.exited;
      expect(exit.code).toBe(130);
      expect(exit.stdout).toBe('');
      expect((await transport.admin.queueCounts(['cli-echo']))[0]?.waiting ?? 0).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await close();
    }
  });

  it('a queue named worker does not make status --watch a worker', async () => {
    const { args, close } = producerSetup(redis.url);
    const child = spawnConveyor(['status', '--watch', '1', '--queues', 'worker', ...args]);
    await child.waitFor('worker');
    child.child.kill('SIGINT');
    // Before: any argument `worker` installed the worker's handlers: exit 130 and "conveyor
    // worker: SIGINT before the worker was ready".
    const exit = await child.exited;
    expect(exit.stderr).not.toContain('conveyor worker:');
    expect(exit.code).toBe(0);
    await close();
  });
});
