import { type ChildProcess, fork } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildInfo } from './build-info.js';
import { now } from './payload.js';
import type { ConsumerOptions, SystemName } from './systems/types.js';
import type { HostCommand, HostCounts, HostReply } from './worker-protocol.js';

/**
 * Beside this module: `dist/worker-host.js` when the harness runs built (`pnpm bench`),
 * `src/worker-host.ts` when it runs from source (`pnpm bench:dev`). `fork` passes on this
 * process's `execArgv`, so a source run's workers get tsx and the source condition too.
 */
const hostEntry = fileURLToPath(
  new URL(`./worker-host${extname(fileURLToPath(import.meta.url))}`, import.meta.url),
);
const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** What a group of worker processes did between `go` and `finish`. */
export interface GroupResult extends HostCounts {
  /** Epoch ms at which `go` was sent. */
  startedAt: number;
  /** Whether `until` was met before the timeout. */
  reached: boolean;
  /** CPU time of all the worker processes, user + system, in µs (from `go`, or from `markAt`). */
  cpuMicros: number;
}

interface Host {
  child: ChildProcess;
  counts: HostCounts;
  request(command: HostCommand, expect: HostReply['type']): Promise<HostReply>;
}

/**
 * Long-lived worker processes (started once, so that start-up is never timed), each
 * started as `node dist/worker-host.js` (or from source, as the harness itself was).
 */
export interface WorkerPool {
  readonly size: number;
  /**
   * Prepares `processes` consumers, starts them together, and waits until the summed
   * counts satisfy `until` or `timeoutMs` passes; then stops them and reports.
   */
  run(options: {
    system: SystemName;
    processes: number;
    consumer: ConsumerOptions;
    until: (counts: HostCounts) => boolean;
    timeoutMs: number;
    /** Runs after the consumers are ready and before `go` (e.g. to note Redis CPU). */
    beforeGo?: () => Promise<void>;
    /** Runs as soon as `until` is met, before the consumers are stopped. */
    onReached?: () => Promise<void>;
    /**
     * Runs once every consumer's `start` has resolved (the flow case adds its flow then);
     * awaited before the run reports. A failure ends the wait at once and is thrown.
     */
    afterStart?: () => Promise<void>;
    /**
     * Epoch ms after `go` at which the worker processes restart their CPU measurement, and
     * `onMark` runs (e.g. to note Redis CPU): the schedules case measures from its slot.
     */
    markAt?: number;
    onMark?: () => Promise<void>;
  }): Promise<GroupResult>;
  /** Which build the worker processes run (asked of the first). */
  build(): Promise<BuildInfo>;
  close(): Promise<void>;
}

function startHost(): Host {
  const child = fork(hostEntry, [], {
    cwd: packageDir,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const host: Host = {
    child,
    counts: { ...NO_COUNTS },
    request(command, expect) {
      return new Promise((resolve, reject) => {
        const onMessage = (reply: HostReply) => {
          if (reply.type === 'progress') return;
          child.off('message', onMessage);
          child.off('exit', onExit);
          if (reply.type === 'error') reject(new Error(`[bench] worker process: ${reply.message}`));
          else if (reply.type !== expect)
            reject(new Error(`[bench] expected ${expect}, got ${reply.type}`));
          else resolve(reply);
        };
        const onExit = (code: number | null) => {
          child.off('message', onMessage);
          reject(
            new Error(`[bench] worker process exited (code ${code}) during "${command.type}"`),
          );
        };
        child.on('message', onMessage);
        child.once('exit', onExit);
        child.send(command);
      });
    },
  };
  child.on('message', (reply: HostReply) => {
    if (reply.type === 'progress' || reply.type === 'finished') {
      const { completed, retried, lastAt, firstAt, readyAt, parentAt } = reply;
      host.counts = { completed, retried, lastAt, firstAt, readyAt, parentAt };
    }
  });
  return host;
}

const NO_COUNTS: HostCounts = {
  completed: 0,
  retried: 0,
  lastAt: 0,
  firstAt: 0,
  readyAt: 0,
  parentAt: 0,
};

/** The group's counts: sums, the last `lastAt`, the first `firstAt`, `readyAt` once all are. */
function sum(hosts: readonly Host[]): HostCounts {
  const started = hosts.map(({ counts }) => counts.readyAt);
  const firsts = hosts.map(({ counts }) => counts.firstAt).filter((at) => at > 0);
  return {
    completed: hosts.reduce((total, { counts }) => total + counts.completed, 0),
    retried: hosts.reduce((total, { counts }) => total + counts.retried, 0),
    lastAt: Math.max(0, ...hosts.map(({ counts }) => counts.lastAt)),
    firstAt: firsts.length > 0 ? Math.min(...firsts) : 0,
    readyAt: started.includes(0) ? 0 : Math.max(0, ...started),
    parentAt: Math.max(0, ...hosts.map(({ counts }) => counts.parentAt)),
  };
}

/** Starts `size` worker processes. */
export function createWorkerPool(size: number): WorkerPool {
  const hosts = Array.from({ length: size }, startHost);
  return {
    size,
    async run(options) {
      const { system, processes, consumer, until, timeoutMs, beforeGo, onReached } = options;
      if (processes > hosts.length) {
        throw new Error(
          `[bench] asked for ${processes} worker processes; the pool has ${hosts.length}`,
        );
      }
      const group = hosts.slice(0, processes);
      for (const host of group) host.counts = { ...NO_COUNTS };
      await Promise.all(
        group.map((host) => host.request({ type: 'prepare', system, options: consumer }, 'ready')),
      );
      await beforeGo?.();
      const startedAt = now();
      for (const host of group) host.child.send({ type: 'go' } satisfies HostCommand);
      let marked: Promise<void> | undefined;
      const markTimer =
        options.markAt === undefined
          ? undefined
          : setTimeout(
              () => {
                for (const host of group) host.child.send({ type: 'mark' } satisfies HostCommand);
                marked = options.onMark?.();
              },
              Math.max(0, options.markAt - now()),
            );
      const deadline = startedAt + timeoutMs;
      let reached = false;
      let started: Promise<void> | undefined;
      let startFailed = false;
      while (now() < deadline && !startFailed) {
        if (options.afterStart && !started && sum(group).readyAt > 0) {
          started = options.afterStart().catch((error: unknown) => {
            startFailed = true;
            throw error;
          });
          started.catch(() => {});
        }
        if (until(sum(group))) {
          reached = true;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      clearTimeout(markTimer);
      await marked;
      await onReached?.();
      const replies = await Promise.all(
        group.map((host) => host.request({ type: 'finish' }, 'finished')),
      );
      await started;
      let cpuMicros = 0;
      for (const reply of replies) if (reply.type === 'finished') cpuMicros += reply.cpuMicros;
      return { ...sum(group), startedAt, reached, cpuMicros };
    },
    async build() {
      const host = hosts[0];
      if (!host) throw new Error('[bench] the worker pool has no process');
      const reply = await host.request({ type: 'describe' }, 'build');
      if (reply.type !== 'build') throw new Error(`[bench] expected build, got ${reply.type}`);
      return reply.build;
    },
    async close() {
      await Promise.all(
        hosts.map(
          (host) =>
            new Promise<void>((resolve) => {
              if (host.child.exitCode !== null) return resolve();
              host.child.once('exit', () => resolve());
              host.child.send({ type: 'exit' } satisfies HostCommand);
              setTimeout(() => host.child.kill('SIGKILL'), 5_000).unref();
            }),
        ),
      );
    },
  };
}
