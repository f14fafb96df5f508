/**
 * The parent side of the service protocol: spawn a TypeScript entry point as its own
 * Node process (through tsx), send its output to a log file, and wait until it
 * announces itself ready over IPC.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, readFileSync, writeSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReadyMessage } from './service-process.js';

const APP_DIR = fileURLToPath(new URL('../..', import.meta.url));

export interface ServiceProcess {
  readonly name: string;
  readonly pid: number | undefined;
  /** What the service announced: its URLs and the like. */
  readonly info: ReadyMessage;
  readonly logFile: string;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  /** Entry module, relative to `src/` (e.g. `api/main.ts`), or an absolute path to a Node script. */
  entry: string;
  /**
   * Ready when a line of the process's stderr matches (for programs that do not speak
   * the IPC protocol, such as `conveyor worker`). Without it, ready is the IPC message.
   */
  readyLine?: RegExp;
  args?: readonly string[];
  env: NodeJS.ProcessEnv;
  logDir: string;
  /**
   * How long to wait for the ready message (default 180 s). The wait ends as soon as the
   * service is ready or exits, so it is generous: on a busy 2-core machine, Node and tsx
   * start-up of a few services at once can take tens of seconds.
   */
  readyTimeoutMs?: number;
}

/**
 * Starts one service process and resolves once it is ready.
 *
 * @example
 * const api = await spawnService({ name: 'api', entry: 'api/main.ts', env, logDir });
 * console.log(api.info.url);
 */
export async function spawnService(options: SpawnOptions): Promise<ServiceProcess> {
  const logFile = join(options.logDir, `${options.name}.log`);
  const log = openSync(logFile, 'a');
  const script = isAbsolute(options.entry) ? options.entry : join(APP_DIR, 'src', options.entry);
  const child = spawn(
    process.execPath,
    ['--conditions=@conveyor/source', '--import', 'tsx', script, ...(options.args ?? [])],
    {
      cwd: APP_DIR,
      env: options.env,
      stdio: ['ignore', log, options.readyLine ? 'pipe' : log, 'ipc'],
    },
  );
  if (options.readyLine) {
    child.stderr?.on('data', (chunk: Buffer) => writeSync(log, chunk));
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const info = await waitReady(child, options, logFile).catch(async (error: unknown) => {
    await kill(child, exited, 0);
    throw error;
  });
  let stopping: Promise<void> | undefined;
  return {
    name: options.name,
    pid: child.pid,
    info,
    logFile,
    stop(graceMs = 10_000) {
      stopping ??= kill(child, exited, graceMs);
      return stopping;
    },
  };
}

function waitReady(
  child: ChildProcess,
  options: SpawnOptions,
  logFile: string,
): Promise<ReadyMessage> {
  const timeoutMs = options.readyTimeoutMs ?? 180_000;
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} ${why}. Its log (${logFile}) ends:\n${tail(logFile)}`));
    };
    const timer = setTimeout(() => fail(`was not ready within ${timeoutMs} ms`), timeoutMs);
    const onExit = (code: number | null, signal: string | null) =>
      fail(`exited during start-up (code ${code}, ${signal})`);
    child.once('error', (error) => fail(`could not start: ${error.message}`));
    child.once('exit', onExit);
    const { readyLine } = options;
    if (readyLine) {
      let seen = '';
      const onData = (chunk: Buffer) => {
        seen += chunk.toString('utf8');
        if (!readyLine.test(seen)) return;
        child.stderr?.off('data', onData);
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve({ type: 'ready', pid: child.pid });
      };
      child.stderr?.on('data', onData);
    }
    child.on('message', (message: ReadyMessage) => {
      if (message?.type !== 'ready') return;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve(message);
    });
  });
}

async function kill(child: ChildProcess, exited: Promise<void>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  if (child.connected) child.disconnect();
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}
