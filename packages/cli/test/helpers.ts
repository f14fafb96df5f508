import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createClient, silentLogger, type Transport } from '@conveyor/core';
import { type RedisTransport, redisTransport } from '@conveyor/redis';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { type Io, runCli } from '../src/index.js';

export const packageDir = fileURLToPath(new URL('..', import.meta.url));

/**
 * How long a test waits for a condition (a line printed, a job run) before failing. Long:
 * a wait ends as soon as its condition holds, and a loaded machine can be slow.
 */
export const WAIT_MS = 45_000;
/** The fixture task module, relative to the package directory (the CLI's cwd in tests). */
export const TASKS = 'test/fixtures/tasks.ts';

/**
 * The built binary, as a user runs it: `dist/bin.js` on the packages' builds (see
 * global-build.ts, the global setup, which builds it when stale before any test file runs).
 */
const NODE_ARGS = [fileURLToPath(new URL('../dist/bin.js', import.meta.url))];

export interface CliOptions {
  /** The whole environment the command sees (none of this process's). */
  env?: NodeJS.ProcessEnv;
  /** Stdin is a terminal, and every purge question is answered with this. */
  answer?: boolean;
  signal?: AbortSignal;
  /** Default: the package directory. */
  cwd?: string;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A command running in-process; `stdout()`/`stderr()` read what it printed so far. */
export interface CliProcess {
  stdout(): string;
  stderr(): string;
  /** Questions the command asked (purge on a terminal). */
  questions: string[];
  done: Promise<CliRun>;
}

/**
 * Runs `conveyor <argv>` in this process (the program as a function, `runCli`), with
 * captured output: no process start-up, so most CLI tests take milliseconds.
 */
export function startCli(argv: readonly string[], options: CliOptions = {}): CliProcess {
  const out: string[] = [];
  const err: string[] = [];
  const questions: string[] = [];
  const io: Io = {
    stdout: (line) => out.push(line),
    stderr: (line) => err.push(line),
    interactive: options.answer !== undefined,
    async confirm(question) {
      questions.push(question);
      return options.answer ?? false;
    },
    env: { ...options.env },
    cwd: options.cwd ?? packageDir,
  };
  const text = (lines: string[]) => (lines.length === 0 ? '' : `${lines.join('\n')}\n`);
  const done = runCli(argv, io, options.signal).then((code) => ({
    code,
    stdout: text(out),
    stderr: text(err),
  }));
  return { stdout: () => text(out), stderr: () => text(err), questions, done };
}

/** Runs `conveyor <argv>` in-process to completion. */
export function cli(argv: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  return startCli(argv, options).done;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Spawned {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process exits. */
  exited: Promise<RunResult>;
  /** Resolves once stderr (or stdout) contains `text`. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
}

/** Starts the built `conveyor <args>`; REDIS_URL is removed from the environment unless given. */
export function spawnConveyor(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {},
): Spawned {
  const env = { ...process.env, REDIS_URL: undefined, ...options.env };
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], {
    cwd: options.cwd ?? packageDir,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const listener of listeners) listener();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const listener of listeners) listener();
  });
  if (options.input !== undefined) child.stdin?.end(options.input);
  else child.stdin?.end();
  const exited = new Promise<RunResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitFor(text, timeoutMs = WAIT_MS) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (stdout.includes(text) || stderr.includes(text)) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(
            new Error(
              `"${text}" not printed within ${timeoutMs} ms.\nstderr: ${stderr}\nstdout: ${stdout}`,
            ),
          );
        }, timeoutMs);
        listeners.add(check);
        void exited.then(() => {
          if (listeners.has(check)) {
            listeners.delete(check);
            clearTimeout(timer);
            reject(
              new Error(`exited before printing "${text}".\nstderr: ${stderr}\nstdout: ${stdout}`),
            );
          }
        });
        check();
      });
    },
  };
}

/**
 * A private redis-server for the calling test file, and a raw client on it for what no
 * Conveyor API writes (hostile data, a record a killed worker left behind).
 */
export function usePrivateRedis(): { readonly url: string; readonly raw: Redis } {
  let server: RedisServer | undefined;
  let raw: Redis | undefined;
  beforeAll(async () => {
    server = await startRedis();
    raw = new Redis(server.url);
  });
  afterAll(async () => {
    raw?.disconnect();
    await server?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('usePrivateRedis: used before beforeAll ran');
    return value;
  };
  return {
    get url() {
      return started(server).url;
    },
    get raw() {
      return started(raw);
    },
  };
}

/** A key prefix no other test uses, so tests can share one private Redis. */
export function uniquePrefix(): string {
  return `cli-${randomBytes(4).toString('hex')}`;
}

/** A producer on the same Redis and prefix as the CLI under test. */
export function producer(url: string, prefix: string) {
  const transport: RedisTransport = redisTransport({ url, prefix, logger: silentLogger });
  const client = createClient({ transport });
  return { transport, client, close: () => transport.close() };
}

/**
 * A fresh prefix on the test's Redis, a producer on it, and the CLI arguments that point at
 * the same place.
 */
export function producerSetup(url: string) {
  const prefix = uniquePrefix();
  return { prefix, args: ['--redis', url, '--prefix', prefix], ...producer(url, prefix) };
}

/** Parses the JSON a `--json` command printed. */
export function json<T = unknown>(result: Pick<RunResult, 'stdout' | 'stderr'>): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON:\n${result.stdout}\nstderr: ${result.stderr}`);
  }
}

/**
 * One delivery of the next job of `queue`, failed straight into the dead-letter set with
 * `error`; resolves with the job's id.
 */
export async function buryNext(
  transport: Transport,
  queue: string,
  error = { name: 'Error', message: 'broke', code: 'BROKE' },
): Promise<string> {
  const [held] = await transport.reserve({
    queues: [queue],
    max: 1,
    leaseMs: 60_000,
    consumer: 'cli-test',
  });
  if (!held) throw new Error(`nothing to reserve in ${queue}`);
  await transport.settle([
    { type: 'fail', id: held.envelope.id, token: held.token, deadLetter: true, error },
  ]);
  return held.envelope.id;
}
