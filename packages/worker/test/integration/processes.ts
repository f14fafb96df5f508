import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WorkerStats } from '../../src/index.js';

const entry = fileURLToPath(new URL('./worker-entry.ts', import.meta.url));

export interface WorkerProcess {
  readonly name: string;
  readonly process: ChildProcess;
  /** Resolves once the worker logged `worker started`. */
  readonly started: Promise<void>;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** The stats it printed on a clean stop, or undefined. */
  stats(): WorkerStats | undefined;
  /** Everything it printed, for failure messages. */
  output(): string;
  signal(signal: NodeJS.Signals): void;
}

/** Spawns `worker-entry.ts` in a real node process. */
export function spawnWorker(name: string, env: Record<string, string | number>): WorkerProcess {
  const child = spawn(
    process.execPath,
    ['--conditions=@conveyor/source', '--import', 'tsx', entry],
    {
      env: {
        ...process.env,
        CONVEYOR_TEST_WORKER: name,
        ...Object.fromEntries(Object.entries(env).map(([key, value]) => [key, String(value)])),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  let stats: WorkerStats | undefined;
  let onStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    onStarted = resolve;
  });
  let pending = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line.includes('"msg":"worker started"')) onStarted();
      if (line.startsWith('CONVEYOR_STATS ')) {
        stats = JSON.parse(line.slice('CONVEYOR_STATS '.length)) as WorkerStats;
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
  });
  // A worker that dies before starting must fail the test, not hang it.
  const startedOrDead = Promise.race([
    started,
    exited.then((code) => {
      throw new Error(`worker ${name} exited (${code}) before starting:\n${output}`);
    }),
  ]);
  startedOrDead.catch(() => {});
  return {
    name,
    process: child,
    started: startedOrDead,
    exited,
    stats: () => stats,
    output: () => output,
    signal(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}
