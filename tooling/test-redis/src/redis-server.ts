import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from './free-port.js';
import { sendCommand } from './resp.js';

export interface RedisServerOptions {
  /** Extra `redis-server` arguments, e.g. `['--maxmemory-policy', 'allkeys-lru']`. */
  args?: readonly string[];
  /** Turns on the append-only file with this fsync policy. Off by default. */
  appendfsync?: 'always' | 'everysec' | 'no';
  /** Fixed port; a free one is chosen by default. */
  port?: number;
  /**
   * How long to wait for the server to answer INFO as itself (its process id), done loading
   * (default 60 s). A server that exits fails at once; the wait is long for a busy machine,
   * where a restart that loads an append-only file can take seconds.
   */
  startTimeoutMs?: number;
  /**
   * A Redis Cluster node (Redis 7+): cluster mode on, with its cluster bus on a second free
   * port. By default the bus listens on the port plus 10,000, which nothing checked was free:
   * it could be another test's server, or in the ephemeral range.
   */
  cluster?: boolean;
}

export interface RedisServer {
  readonly host: string;
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Working directory (AOF/RDB files live here); removed by `stop()`. */
  readonly dir: string;
  /** PID of the current process, or undefined while it is down. */
  readonly pid: number | undefined;
  /** Sends a signal (default SIGKILL) and waits until the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the server again on the same port and directory (after `kill`). */
  restart(): Promise<void>;
  /** Stops the server and removes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

const binary = process.env.REDIS_SERVER_BIN ?? 'redis-server';

/**
 * Starts a private `redis-server` on a free port with its own temporary directory.
 * Throws a clear error when the binary is missing.
 */
export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  // A port found free can be bound by another process before this server binds it (a busy
  // machine runs many test processes): then this server exits, and the next free port is
  // tried. A fixed port is the caller's, and is not changed.
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await findFreePort());
    try {
      return await startOn(port, options);
    } catch (error) {
      if (options.port !== undefined || attempt === 3 || !(error instanceof PortTakenError)) {
        throw error;
      }
    }
  }
}

/** The server could not bind its port: another process holds it. */
class PortTakenError extends Error {}

async function startOn(port: number, options: RedisServerOptions): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), `conveyor-redis-${port}-`));
  const host = '127.0.0.1';
  const args = [
    '--port',
    String(port),
    '--bind',
    host,
    '--dir',
    dir,
    '--save',
    '',
    '--daemonize',
    'no',
    '--logfile',
    join(dir, 'redis.log'),
    ...(options.appendfsync
      ? ['--appendonly', 'yes', '--appendfsync', options.appendfsync]
      : ['--appendonly', 'no']),
    ...(options.cluster
      ? [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          'nodes.conf',
          '--cluster-port',
          String(await findFreePort()),
        ]
      : []),
    ...(options.args ?? []),
  ];
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  let child: ChildProcess | undefined;
  let stopped = false;

  const launch = async () => {
    child = await spawnServer(args, port, dir, startTimeoutMs);
  };
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    const current = child;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
    current.kill(signal);
    await exited;
    child = undefined;
  };

  await launch().catch(async (error: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    host,
    port,
    url: `redis://${host}:${port}`,
    dir,
    get pid() {
      return child?.pid;
    },
    kill,
    async restart() {
      if (stopped)
        throw new Error(`[test-redis] server on port ${port} was stopped; start a new one`);
      await kill('SIGKILL');
      await launch();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// A server killed by a test is expected to die; keep none lingering after the test run.
// One `exit` listener for all of them: one per server trips Node's listener-leak warning.
const running = new Set<ChildProcess>();

function killOnExit(child: ChildProcess): void {
  if (running.size === 0) process.once('exit', killRunning);
  running.add(child);
  child.once('exit', () => {
    running.delete(child);
    if (running.size === 0) process.removeListener('exit', killRunning);
  });
}

function killRunning(): void {
  for (const child of running) child.kill('SIGKILL');
}

async function spawnServer(
  args: readonly string[],
  port: number,
  dir: string,
  timeoutMs: number,
): Promise<ChildProcess> {
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new Error(
              `[test-redis] "${binary}" was not found on PATH. Install Redis (apt-get install redis-server) or set REDIS_SERVER_BIN to its path.`,
            )
          : error,
      );
    });
    child.once('exit', (code, signal) => {
      // The server logs to its file, not to stderr: the reason is at the file's end.
      const log = readLog(dir);
      const Failure = /Address already in use/.test(log) ? PortTakenError : Error;
      reject(
        new Failure(
          `[test-redis] redis-server on port ${port} exited during start-up (code ${code}, signal ${signal}). ${stderr.trim()}${log.trim().split('\n').slice(-3).join('\n')}`,
        ),
      );
    });
  });
  failed.catch(() => {});
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    // Its own process id, not just an answer: another process's server on the port
    // answers a PING as well, while this one is failing to bind. And done loading its
    // append-only file after a restart, as a PING's -LOADING error used to say.
    const reply = await Promise.race([
      sendCommand(port, ['INFO'], { timeoutMs: 500 }).catch(() => ''),
      failed,
    ]);
    if (reply.includes(`\nprocess_id:${child.pid}\r`) && reply.includes('\nloading:0\r')) {
      child.removeAllListeners('exit');
      killOnExit(child);
      return child;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  child.kill('SIGKILL');
  throw new Error(
    `[test-redis] redis-server on port ${port} did not answer INFO as its own loaded server within ${timeoutMs} ms`,
  );
}

/** The server's log file, or '' when it wrote none. */
function readLog(dir: string): string {
  try {
    return readFileSync(join(dir, 'redis.log'), 'utf8');
  } catch {
    return '';
  }
}
