import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Clock, JsonValue, Logger, Reservation, TimerHandle } from '@conveyor/core';
import { toJobError } from '@conveyor/core/transport';
import type { JobOutcome } from '@conveyor/core/worker';
import { SandboxCrashedError, SandboxStartError, SandboxUnavailableError } from './errors.js';
import { type HeldJob, jobFields, jobSignal } from './held-job.js';
import {
  errorFromJob,
  type FromChild,
  type SandboxCaps,
  type ToChild,
} from './sandbox-protocol.js';

/** What a sandboxed run tells its caller while it goes on. */
export interface SandboxRunEvents {
  /**
   * The child is ready and is handed the job: its run begins now. Time limits count from
   * here, not from the fork, so a child's start-up (module load, tsx) is not the task's time.
   */
  onStart: () => void;
  onProgress: (value: JsonValue) => void;
}

export interface SandboxPool {
  /** Starts one child and checks that it loads every task in `expected`; rejects otherwise. */
  warm(expected: readonly string[]): Promise<void>;
  /**
   * Runs the job in an idle child (started on demand). Rejects if the child dies, or
   * (`SANDBOX_START_FAILED`) if it fails to start or is not ready within `startTimeoutMs`.
   * `reservation`: what the child runs, when not the job's own (a workflow step's resolved input).
   */
  run(job: HeldJob, events: SandboxRunEvents, reservation?: Reservation): Promise<JobOutcome>;
  /** Kills the child running this job at once (hard time limit); the next run gets a fresh one. */
  kill(job: HeldJob): void;
  /** Kills every child; resolves once they have exited. */
  close(): Promise<void>;
  /** Children alive now. */
  readonly size: number;
}

interface Child {
  readonly process: ChildProcess;
  readonly ready: Promise<string[]>;
  readonly exited: Promise<void>;
  job: HeldJob | undefined;
  onOutcome: ((outcome: JobOutcome) => void) | undefined;
  onProgress: ((value: JsonValue) => void) | undefined;
  onExit: ((error: Error) => void) | undefined;
}

/**
 * `dist/sandbox-child.js` next to the bundle, or `src/sandbox-child.ts` from source. A
 * bundle that inlines this package has neither beside it (and a CommonJS bundle has no
 * `import.meta.url`): that is a `SANDBOX_UNAVAILABLE` at `createWorker`, not a child
 * that dies at its first job.
 */
function childEntry(): string {
  const here: string | undefined = import.meta.url;
  if (typeof here !== 'string') throw new SandboxUnavailableError(undefined);
  const entry = fileURLToPath(
    new URL(here.endsWith('.ts') ? './sandbox-child.ts' : './sandbox-child.js', here),
  );
  if (!existsSync(entry)) throw new SandboxUnavailableError(entry);
  return entry;
}

/**
 * Child processes that run sandboxed tasks, one job each at a time. A child is forked
 * with `execArgv` (default: this process's, so `--import tsx` and `--conditions` carry
 * over), imports the task module, and stays for the next job. A hard time limit kills
 * it with SIGKILL, which stops even a busy loop, and the next job starts a fresh one.
 * Input, result, progress and errors cross the boundary as JSON; `ctx.signal` aborts in
 * the child when the worker aborts it (cancel, soft limit, shutdown).
 */
export function createSandboxPool(options: {
  module: string;
  execArgv: readonly string[];
  /** How long a child may take to load the module and say it is ready. */
  startTimeoutMs: number;
  clock: Clock;
  logger: Logger;
  /** The worker's input and result caps and its removeOnComplete, applied in the children too. */
  caps: SandboxCaps;
}): SandboxPool {
  const { logger, clock, startTimeoutMs } = options;
  const children = new Set<Child>();
  const entry = childEntry();
  let closed = false;

  function spawnChild(): Child {
    const proc = fork(entry, [options.module, JSON.stringify(options.caps)], {
      execArgv: [...options.execArgv],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
    });
    let resolveReady: (tasks: string[]) => void = () => {};
    let rejectReady: (error: Error) => void = () => {};
    const ready = new Promise<string[]>((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    // Awaited by whoever cares; never an unhandled rejection.
    ready.catch(() => {});
    // A job's time limits start only once its child is ready (see `onStart`), so a child
    // that hangs while loading (a top-level await that never settles) is ended here; else
    // its job would wait for it, holding a slot and renewing its lease, for good.
    let startTimer: TimerHandle | undefined = clock.setTimeout(() => {
      startTimer = undefined;
      rejectReady(
        new SandboxStartError(
          options.module,
          new Error(
            `the child was not ready within ${startTimeoutMs} ms and was killed (raise sandbox.startTimeoutMs if it only loads slowly)`,
          ),
        ),
      );
      proc.kill('SIGKILL');
    }, startTimeoutMs);
    const started = (): void => {
      if (startTimer !== undefined) clock.clearTimeout(startTimer);
      startTimer = undefined;
    };
    const child: Child = {
      process: proc,
      ready,
      exited: new Promise((resolve) => proc.once('exit', () => resolve())),
      job: undefined,
      onOutcome: undefined,
      onProgress: undefined,
      onExit: undefined,
    };
    proc.on('message', (message: FromChild) => {
      switch (message.type) {
        case 'ready':
          started();
          resolveReady(message.tasks);
          break;
        case 'start-failed':
          started();
          rejectReady(new SandboxStartError(options.module, errorFromJob(message.error)));
          break;
        case 'progress':
          if (child.job?.token === message.token) child.onProgress?.(message.value);
          break;
        case 'log':
          logger[message.level]({ sandboxPid: proc.pid, ...message.fields }, message.message);
          break;
        case 'outcome': {
          if (child.job?.token !== message.token) break;
          const done = child.onOutcome;
          free(child);
          done?.({
            kind: message.kind,
            settlement: message.settlement,
            ...(message.error !== undefined && { error: errorFromJob(message.error) }),
          });
          break;
        }
      }
    });
    proc.on('error', (error) => {
      logger.error({ err: error, sandboxPid: proc.pid }, 'sandbox child process error');
    });
    proc.once('exit', (code, signal) => {
      started();
      children.delete(child);
      const reason = signal ?? `exit code ${code}`;
      rejectReady(new SandboxStartError(options.module, new Error(`the child exited (${reason})`)));
      const onExit = child.onExit;
      const job = child.job;
      free(child);
      if (job && onExit) onExit(new SandboxCrashedError(job.id, reason));
    });
    children.add(child);
    return child;
  }

  function free(child: Child): void {
    child.job = undefined;
    child.onOutcome = undefined;
    child.onProgress = undefined;
    child.onExit = undefined;
  }

  function idleChild(): Child {
    for (const child of children) {
      if (!child.job && child.process.connected) return child;
    }
    return spawnChild();
  }

  return {
    async warm(expected) {
      const child = spawnChild();
      const tasks = await child.ready;
      const missing = expected.filter((name) => !tasks.includes(name));
      if (missing.length > 0) {
        child.process.kill('SIGKILL');
        throw new SandboxStartError(
          options.module,
          new Error(
            `it does not export the sandboxed task(s) ${missing.map((name) => JSON.stringify(name)).join(', ')} (it has: ${tasks.join(', ') || 'none'})`,
          ),
        );
      }
    },

    async run(job, events, reservation = job.reservation) {
      if (closed) throw new SandboxCrashedError(job.id, 'the sandbox pool is closed');
      // Claimed in the same tick it is picked, so a concurrent run picks another child.
      const child = idleChild();
      child.job = job;
      await child.ready;
      return new Promise<JobOutcome>((resolve, reject) => {
        child.onOutcome = resolve;
        child.onProgress = events.onProgress;
        child.onExit = reject;
        const signal = jobSignal(job);
        const sendAbort = (): void => {
          if (child.job !== job || !child.process.connected) return;
          const message: ToChild = {
            type: 'abort',
            token: job.token,
            reason: toJobError(signal.reason),
          };
          child.process.send(message);
        };
        const message: ToChild = { type: 'run', reservation };
        // An idle child runs the job as soon as this message arrives.
        events.onStart();
        child.process.send(message);
        if (signal.aborted) sendAbort();
        else signal.addEventListener('abort', sendAbort, { once: true });
      });
    },

    kill(job) {
      for (const child of children) {
        if (child.job !== job) continue;
        logger.warn(
          { ...jobFields(job), sandboxPid: child.process.pid },
          'killing the sandbox child that runs this job',
        );
        child.process.kill('SIGKILL');
      }
    },

    async close() {
      closed = true;
      const all = [...children];
      for (const child of all) child.process.kill('SIGKILL');
      await Promise.all(all.map((child) => child.exited));
    },

    get size() {
      return children.size;
    },
  };
}
