import { type ChildProcess, fork } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import { FORK_EXEC_ARGV, suiteModule } from './runtime.js';
import type { WorkerSettings } from './worker-settings.js';

const ENTRY = suiteModule('worker-process');

export interface WorkerProcess {
  readonly pid: number;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** True once the harness sent it a signal (its exit is not a crash). */
  signalled: boolean;
  /** True once it consumes (its signal handlers are installed). */
  ready: boolean;
}

export interface Fleet {
  readonly workers: readonly WorkerProcess[];
  /** Starts one more worker and waits until it is consuming. */
  spawn(): Promise<WorkerProcess>;
  /** Sends `signal` to a worker. With SIGKILL it waits for the exit. */
  signal(worker: WorkerProcess, signal: NodeJS.Signals): Promise<void>;
  /** Live workers that are consuming (a worker still starting up has no signal handlers yet). */
  alive(): WorkerProcess[];
  /** Exits the harness did not cause, with their codes. */
  crashes(): string[];
  /** SIGTERM to every worker, SIGKILL to any still alive after `graceMs`. */
  stopAll(graceMs?: number): Promise<void>;
}

/**
 * Real worker processes (`node dist/worker-process.js`, or through tsx from the sources: see
 * runtime.ts). Their output goes to `<ledgerDir>/<pid>.out`.
 */
export function createFleet(
  settings: WorkerSettings,
  options: { respawnCrashed?: boolean } = {},
): Fleet {
  const workers: WorkerProcess[] = [];
  const live = new Set<WorkerProcess>();
  const crashes: string[] = [];
  const children = new Map<WorkerProcess, ChildProcess>();
  let stopping = false;

  async function spawn(): Promise<WorkerProcess> {
    const out = openSync(
      join(settings.ledgerDir, `spawn-${Date.now()}-${workers.length}.out`),
      'a',
    );
    const child = fork(ENTRY, [], {
      execArgv: [...FORK_EXEC_ARGV],
      env: { ...process.env, CHAOS_WORKER: JSON.stringify(settings) },
      stdio: ['ignore', out, out, 'ipc'],
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const worker: WorkerProcess = { pid: child.pid ?? -1, exited, signalled: false, ready: false };
    workers.push(worker);
    live.add(worker);
    children.set(worker, child);
    void exited.then(({ code, signal }) => {
      live.delete(worker);
      if (worker.signalled || code === 0) return;
      crashes.push(`pid ${worker.pid}: code ${code} signal ${signal}`);
      // A supervisor (systemd, Kubernetes) restarts a crashed worker.
      if (options.respawnCrashed && !stopping) spawn().catch(() => {});
    });
    // Generous: the wait ends when the worker says it is consuming (or exits), and Node and
    // tsx start-up alone takes tens of seconds on a busy 2-core machine.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`[chaos] worker ${worker.pid} not ready in 120 s`)),
        120_000,
      );
      child.once('message', () => {
        worker.ready = true;
        clearTimeout(timer);
        resolve();
      });
      void exited.then(({ code }) => {
        clearTimeout(timer);
        reject(new Error(`[chaos] worker ${worker.pid} exited during start-up (code ${code})`));
      });
    });
    return worker;
  }

  async function signal(worker: WorkerProcess, sig: NodeJS.Signals): Promise<void> {
    if (!live.has(worker)) return;
    worker.signalled = true;
    children.get(worker)?.kill(sig);
    if (sig === 'SIGKILL') await worker.exited;
  }

  return {
    workers,
    spawn,
    signal,
    alive: () => [...live].filter((worker) => worker.ready),
    crashes: () => [...crashes],
    async stopAll(graceMs = 15_000) {
      stopping = true;
      const running = [...live];
      for (const worker of running) await signal(worker, 'SIGTERM');
      const timer = setTimeout(() => {
        for (const worker of live) children.get(worker)?.kill('SIGKILL');
      }, graceMs);
      await Promise.all(running.map((worker) => worker.exited));
      clearTimeout(timer);
    },
  };
}
