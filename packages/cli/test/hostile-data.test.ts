import type { JobRecord } from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { TOO_DEEP_MARKER } from '../src/value-depth.js';
import { echo } from './fixtures/tasks.js';
import {
  cli,
  json,
  producer,
  startCli,
  uniquePrefix,
  usePrivateRedis,
  WAIT_MS,
} from './helpers.js';

// Job data is written by whoever enqueued or ran the job: the CLI must never hand its
// control sequences to the operator's terminal, nor crash on its shape.
const redis = usePrivateRedis();

const OSC_TITLE = '\x1b]0;pwned\x07';
const OSC_LINK = '\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\';
const CLEAR = '\x1b[2J';
const C1_CSI = '\u009b2J';
const BIDI = '\u202eevil\u202c';
const HOSTILE = `${OSC_TITLE}${OSC_LINK}${CLEAR}${C1_CSI}${BIDI}\u2028`;

/** ESC, C1 controls, bidi controls and line separators: none may reach the terminal raw. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point.
const RAW_CONTROL = /[\x1b\x07\u0080-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;

async function setup() {
  const prefix = uniquePrefix();
  const env = producer(redis.url, prefix);
  return { ...env, prefix, args: ['--redis', redis.url, '--prefix', prefix] };
}

/** Reserves the next job of `queue` and dead-letters it with `error`. */
async function bury(
  env: Awaited<ReturnType<typeof setup>>,
  queue: string,
  error: NonNullable<JobRecord['error']>,
): Promise<string> {
  const [reservation] = await env.transport.reserve({
    queues: [queue],
    max: 1,
    leaseMs: 60_000,
    consumer: `worker-${HOSTILE}`,
  });
  if (!reservation) throw new Error(`nothing to reserve in ${queue}`);
  await env.transport.settle([
    {
      type: 'fail',
      id: reservation.envelope.id,
      token: reservation.token,
      deadLetter: true,
      error,
    },
  ]);
  return reservation.envelope.id;
}

describe('hostile job data on the terminal', () => {
  it('inspect, dead, status and errors show control sequences escaped; --json stays the same JSON', async () => {
    const env = await setup();
    const queue = 'cli-hostile';
    try {
      const job = await env.client.enqueue(
        echo,
        { n: 1 },
        { queue, idempotencyKey: `key-${HOSTILE}` },
      );
      const error = {
        name: 'Error',
        message: `bad input: ${HOSTILE}\nsecond line ${CLEAR}`,
        code: `E_${OSC_TITLE}`,
        stack: `Error: bad input: ${HOSTILE}\nsecond line ${CLEAR}\n    at run (${OSC_LINK}:1:1)`,
        issues: [{ message: `issue ${CLEAR}`, path: ['a', `b${C1_CSI}`] }],
      };
      await bury(env, queue, error);
      // A task name written straight into Redis by something else.
      const key = `${env.prefix}:{${queue}}:j:${job.id.slice(queue.length + 1)}`;
      const fixed = await redis.raw.hget(key, 'd');
      await redis.raw.hset(
        key,
        'd',
        `${fixed?.slice(0, fixed.lastIndexOf('|') + 1)}task${HOSTILE}`,
      );
      // A worker record with a hostile id, as status lists it.
      await env.transport.admin?.putWorker(
        {
          id: `w${HOSTILE}`,
          hostname: `host${CLEAR}`,
          pid: 1,
          queues: [queue],
          tasks: [],
          concurrency: 1,
          state: 'running',
          startedAt: Date.now(),
          jobs: [{ id: job.id, task: `task${OSC_TITLE}`, attempt: 1 }],
          counts: { completed: 0, failed: 0, retried: 0 },
          heartbeatMs: 2_000,
        },
        60_000,
      );

      const human = await cli(['inspect', job.id, ...env.args]);
      expect(human.code).toBe(0);
      expect(human.stdout).not.toMatch(RAW_CONTROL);
      expect(human.stdout).toMatch(/^Idem\. key key-\\x1b\]0;pwned\\x07\\x1b\]8;;https/m);
      expect(human.stdout).toContain('\\x1b[2J\\x9b2J\\u202eevil\\u202c\\u2028');
      expect(human.stdout).toMatch(/^Task {6}task\\x1b\]0;pwned/m);
      expect(human.stdout).toMatch(/^Error {5}E_\\x1b\]0;pwned\\x07: bad input: \\x1b/m);
      // A multi-line message stays one escaped line per line, indented under its label.
      expect(human.stdout).toMatch(/^ {10}second line \\x1b\[2J$/m);
      expect(human.stdout).toMatch(/^ {10}- a\.b\\x9b2J: issue \\x1b\[2J$/m);
      expect(human.stdout).toMatch(/^ {10}at run \(\\x1b\]8;;https:\/\/evil\.example/m);

      const machine = await cli(['inspect', job.id, '--json', ...env.args]);
      expect(machine.stdout).not.toMatch(RAW_CONTROL);
      const record = json<JobRecord>(machine);
      expect(record.envelope.idempotencyKey).toBe(`key-${HOSTILE}`);
      expect(record.error).toEqual(error);

      const dead = await cli(['dead', queue, ...env.args]);
      expect(dead.code).toBe(0);
      expect(dead.stdout).not.toMatch(RAW_CONTROL);
      const row = dead.stdout.split('\n').find((line) => line.startsWith(job.id));
      expect(row).toContain('task\\x1b]0;pwned\\x07');
      expect(row).toContain('E_\\x1b]0;pwned\\x07: bad input: \\x1b]0;pwned');
      const deadJson = await cli(['dead', queue, '--json', ...env.args]);
      expect(deadJson.stdout).not.toMatch(RAW_CONTROL);
      expect(json<{ jobs: JobRecord[] }>(deadJson).jobs[0]?.error).toEqual(error);

      const stop = new AbortController();
      const watching = startCli(['status', '--json', '--watch', '1', ...env.args], {
        signal: stop.signal,
      });
      await expect.poll(() => watching.stdout().length, { timeout: WAIT_MS }).toBeGreaterThan(0);
      stop.abort();
      const watched = await watching.done;
      expect(watched.stdout).not.toMatch(RAW_CONTROL);
      expect(JSON.parse(watched.stdout.split('\n')[0] ?? '')).toMatchObject({
        workers: [{ id: `w${HOSTILE}` }],
      });

      const status = await cli(['status', ...env.args]);
      expect(status.stdout).not.toMatch(RAW_CONTROL);
      expect(status.stdout).toMatch(/^w\\x1b\]0;pwned\\x07.* {2}host\\x1b\[2J {2}/m);
      expect(status.stdout).toContain(`  ${job.id}  task\\x1b]0;pwned\\x07 (attempt 1`);

      // Errors quote values too: a job id given on the command line, echoed back.
      const missing = await cli(['inspect', `${queue}:nope${C1_CSI}`, ...env.args]);
      expect(missing.code).toBe(4);
      expect(missing.stderr).not.toMatch(RAW_CONTROL);
      expect(missing.stderr).toContain('nope\\x9b2J');
    } finally {
      await env.close();
    }
  });
});

describe('deeply nested job data', () => {
  it('inspect and dead print the rest of the record and say the value is too deep', async () => {
    const env = await setup();
    const queue = 'cli-deep';
    try {
      const job = await env.client.enqueue(echo, { n: 1 }, { queue });
      await bury(env, queue, { name: 'Error', message: 'too deep for the task' });
      // 100,000 levels, written as a producer on another stack could: Redis keeps any string.
      const depth = 100_000;
      const key = `${env.prefix}:{${queue}}:j:${job.id.slice(queue.length + 1)}`;
      await redis.raw.hset(key, 'i', `${'['.repeat(depth)}${']'.repeat(depth)}`);

      const human = await cli(['inspect', job.id, ...env.args]);
      expect(human.stderr).toBe('');
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(/^State {5}dead$/m);
      expect(human.stdout).toMatch(/^Error {5}too deep for the task$/m);
      expect(human.stdout).toMatch(
        new RegExp(`^Input {5}\\[{100}"${escapeRegExp(TOO_DEEP_MARKER)}"\\]{100}$`, 'm'),
      );
      expect(human.stdout).toMatch(/^Note {6}input is nested deeper than 100 levels/m);

      const machine = await cli(['inspect', job.id, '--json', ...env.args]);
      expect(machine.code).toBe(0);
      const record = json<JobRecord>(machine);
      expect(record).toMatchObject({
        id: job.id,
        state: 'dead',
        error: { message: 'too deep for the task' },
      });
      let value: unknown = record.envelope.input;
      for (let level = 0; level < 100; level++) value = (value as unknown[])[0];
      expect(value).toBe(TOO_DEEP_MARKER);
      expect(machine.stderr).toMatch(/^note: input is nested deeper than 100 levels/);

      const dead = await cli(['dead', queue, '--json', ...env.args]);
      expect(dead.code).toBe(0);
      expect(json<{ jobs: JobRecord[] }>(dead).jobs.map((j) => j.id)).toEqual([job.id]);
      expect(dead.stderr).toContain(`note: job ${job.id}: input is nested deeper than 100 levels`);
    } finally {
      await env.close();
    }
  });
});

describe('huge job errors', () => {
  it('inspect prints the start of each line, line and issue, says how much it cut; --json all of it', async () => {
    const env = await setup();
    const queue = 'cli-huge-error';
    try {
      const job = await env.client.enqueue(echo, { n: 1 }, { queue });
      // Written by transport.settle itself, past the bound toJobError applies.
      const lines = Array.from({ length: 1_000 }, (_, index) => `line ${index} ${C1_CSI}`);
      const message = `start ${'a'.repeat(1_000_000)}\n${lines.join('\n')}`;
      const error = {
        name: 'Error',
        message,
        stack: `Error: ${message}\n    at run (${'f'.repeat(50_000)}:1:1)`,
        issues: Array.from({ length: 100 }, (_, index) => ({
          message: `issue ${index} ${'m'.repeat(5_000)}`,
          path: ['items', index],
        })),
      };
      await bury(env, queue, error);

      const human = await cli(['inspect', job.id, ...env.args]);
      expect(human.code).toBe(0);
      expect(human.stdout.length).toBeLessThan(100_000);
      expect(human.stdout).not.toMatch(RAW_CONTROL);
      const cut = (count: string) => `… \\(${count} more characters; use --json for all of it\\)`;
      expect(human.stdout).toMatch(new RegExp(`^Error {5}start a{1994}${cut('998,006')}$`, 'm'));
      expect(human.stdout).toMatch(/^ {10}line 18 \\x9b2J$/m);
      expect(human.stdout).not.toContain('line 19 ');
      expect(human.stdout).toMatch(/^ {10}… \(981 more lines; use --json for all of it\)$/m);
      expect(human.stdout).toMatch(
        new RegExp(`^ {10}- items\\.24: issue 24 m{1981}${cut('3,019')}$`, 'm'),
      );
      expect(human.stdout).not.toContain('issue 25 ');
      expect(human.stdout).toMatch(/^ {10}… \(75 more issues; use --json for all of it\)$/m);
      expect(human.stdout).toMatch(new RegExp(`^ {10}at run \\(f{1992}${cut('48,013')}$`, 'm'));

      const machine = await cli(['inspect', job.id, '--json', ...env.args]);
      expect(machine.code).toBe(0);
      expect(json<JobRecord>(machine).error).toEqual(error);
    } finally {
      await env.close();
    }
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
