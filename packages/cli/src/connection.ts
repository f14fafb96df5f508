import { type Logger, silentLogger, type Transport, type TransportAdmin } from '@conveyor/core';
import {
  failureOf,
  isClusterNodeDown,
  maskRedisUrl,
  type RedisTransportOptions,
  redisTransport,
} from '@conveyor/redis';
import { Redis, type RedisOptions } from 'ioredis';
import { clusterDown, clusterDownFailure } from './cluster-down.js';
import { brokerFailure, describeTransport } from './config-failure.js';
import type { ConnectionSettings } from './connection-settings.js';
import { CliError } from './errors.js';
import { rootCause } from './failure-cause.js';
import type { ConfiguredTransport } from './transport-config.js';
import type { TransportSource } from './transport-source.js';

export type { ConnectionSettings };

/** Where a connection's transport came from: the Redis options, or a config file. */
export type TransportOrigin =
  | { kind: 'redis'; settings: ConnectionSettings }
  | { kind: 'config'; file: string; label: string };

export interface Connection {
  transport: Transport;
  /** `transport.admin`, when the transport has it ({@link requireAdmin}). */
  admin: TransportAdmin | undefined;
  origin: TransportOrigin;
  /**
   * The broker's clock minus this machine's, in ms (measured once, at connect): worker
   * records are stamped with the broker's clock (Redis TIME), so their age is read on it.
   * 0 for a configured transport: the CLI cannot ask its clock.
   */
  clockOffsetMs: number;
  close(): Promise<void>;
}

/** A connection whose transport has the admin operations. */
export interface AdminConnection extends Connection {
  admin: TransportAdmin;
}

export interface ConnectOptions {
  /** Gets the transport's warnings, such as an evicting maxmemory-policy. Default silent. */
  logger?: Logger;
  /** Finished-job retention (`conveyor worker --result-ttl-ms`, `--max-finished`). */
  retention?: Pick<RedisTransportOptions, 'defaultResultTtlMs' | 'maxFinishedPerQueue'>;
  /** Told, once, when a config's transport is still not open after {@link SLOW_OPEN_MS}. */
  onSlow?: (message: string) => void;
}

/** How long a config's transport may take to open before the command says what it waits on. */
export const SLOW_OPEN_MS = 3_000;

/** Opens the transport `source` names: the Redis options, or the config's `transport`. */
export function open(
  source: TransportSource,
  mode: ConnectionMode,
  options: ConnectOptions = {},
): Promise<Connection> {
  return source.kind === 'redis'
    ? connect(source.settings, mode, options)
    : openConfigured(source.config, options.logger ?? silentLogger, options.onSlow);
}

/**
 * How a command uses its connection: a one-shot `command` fails fast (a few hundred ms of
 * retries); a `worker` and a `server` (the dashboard) run for days and keep the transport's
 * patient defaults, so they ride out a Redis restart and reconnect after it.
 */
export type ConnectionMode = 'command' | 'worker' | 'server';

/** Opens the Redis transport and checks that Redis answers (see {@link ConnectionMode}). */
export async function connect(
  settings: ConnectionSettings,
  mode: ConnectionMode,
  options: ConnectOptions = {},
): Promise<Connection> {
  const clockOffsetMs = await probe(settings);
  const tls: RedisOptions = settings.tls ? { tls: settings.tls } : {};
  const transport = redisTransport({
    ...options.retention,
    url: settings.url,
    prefix: settings.prefix,
    logger: options.logger ?? silentLogger,
    checkMaxmemoryPolicy: mode === 'worker',
    redis:
      mode === 'command'
        ? {
            ...tls,
            connectTimeout: 3_000,
            maxRetriesPerRequest: 1,
            retryStrategy: (times: number) => (times > 2 ? null : 100 * times),
          }
        : tls,
  });
  try {
    await transport.ready();
  } catch (error) {
    await transport.close().catch(() => {});
    throw connectFailure(settings, error);
  }
  return {
    transport,
    admin: transport.admin,
    origin: { kind: 'redis', settings },
    clockOffsetMs,
    close: () => transport.close(),
  };
}

/**
 * Calls the config's `transport` and, when the transport has a `ready()` (the Redis one
 * does), waits for it, so that a broker it cannot reach fails here, as its own settings say.
 */
async function openConfigured(
  config: ConfiguredTransport,
  logger: Logger,
  onSlow?: (message: string) => void,
): Promise<Connection> {
  const transport = await waitingOn(
    config.make(logger),
    `its transport function has not returned a transport (${config.label}). Check that the function's promise settles`,
    onSlow,
  );
  const { ready } = transport as { ready?: unknown };
  if (typeof ready === 'function') {
    // A broker down is the usual cause here, not the config: name where it connects.
    const where = describeTransport(transport);
    try {
      await waitingOn(
        Promise.resolve(ready.call(transport)),
        `the ${transport.name} transport from ${config.label} has not connected${where ? ` to ${where}` : ''}. Check that its broker runs there and answers (it keeps trying for a while before it gives up)`,
        onSlow,
      );
    } catch (error) {
      await transport.close().catch(() => {});
      // A setting the broker refused (a database it does not have): a bad value, as with --redis.
      if ((error as { code?: unknown }).code === 'INVALID_OPTION') {
        throw new CliError(
          'USAGE',
          `The ${transport.name} transport from ${config.label} was refused: ${(error as Error).message} Fix the settings its transport function passes, or pass --redis <url>.`,
          { cause: error },
        );
      }
      const down = await clusterDown(error);
      if (down !== undefined) throw clusterDownFailure(transport.name, config.label, error, down);
      throw brokerFailure(transport, config.label, error);
    }
  }
  return {
    transport,
    admin: transport.admin,
    origin: { kind: 'config', file: config.file, label: config.label },
    clockOffsetMs: 0,
    close: () => transport.close(),
  };
}

/**
 * The connection, known to have `transport.admin`; else `CAPABILITY_MISSING`, naming the
 * command, the transport and where it came from.
 */
export function requireAdmin(connection: Connection, command: string): AdminConnection {
  if (connection.admin) return connection as AdminConnection;
  const { transport, origin } = connection;
  const from = origin.kind === 'config' ? ` (from ${origin.label})` : '';
  throw new CliError(
    'CAPABILITY_MISSING',
    `\`conveyor ${command}\` needs the transport's admin operations (transport.admin), which the ${JSON.stringify(transport.name)} transport${from} does not have. Configure a transport that has them (the Redis and memory transports do), or pass --redis <url>.`,
  );
}

/**
 * Awaits `promise` with a timer running: the wait keeps the process alive (a transport function
 * whose promise never settles, holding no socket, let Node exit at once with code 13 and no
 * word), and after {@link SLOW_OPEN_MS} `onSlow` hears what is still awaited.
 */
async function waitingOn<T>(
  promise: Promise<T>,
  what: string,
  onSlow: ((message: string) => void) | undefined,
): Promise<T> {
  const timer = setInterval(() => {
    onSlow?.(`Still waiting after ${SLOW_OPEN_MS / 1_000} s: ${what}; Ctrl-C stops.`);
    onSlow = undefined;
  }, SLOW_OPEN_MS);
  try {
    return await promise;
  } finally {
    clearInterval(timer);
  }
}

/** Where the transport is, for banners: the Redis URL and prefix, or the config file. */
export function describeOrigin(connection: Connection): string {
  const { origin, transport } = connection;
  if (origin.kind === 'redis') {
    return `${maskRedisUrl(origin.settings.url)} (prefix ${origin.settings.prefix})`;
  }
  // The Redis transport says where it connects: the banner named only the config file.
  const where = describeTransport(transport);
  const at = where ? ` (${where})` : '';
  return `${transport.name}, from ${origin.label}${at}`;
}

/**
 * One TIME on a throwaway connection that never retries: an unreachable Redis fails in
 * one connect timeout, with the socket's own reason (ECONNREFUSED, ENOTFOUND, WRONGPASS…).
 * Resolves with Redis' clock minus this machine's.
 */
async function probe(settings: ConnectionSettings): Promise<number> {
  let reason: unknown;
  const client = new Redis(settings.url, {
    ...(settings.tls ? { tls: settings.tls } : {}),
    lazyConnect: true,
    connectTimeout: 3_000,
    // A server that accepts the connection and never answers (not Redis, or stuck) fails
    // here, instead of leaving the command waiting for ever.
    commandTimeout: 3_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', (error: unknown) => {
    reason ??= error;
  });
  try {
    await client.connect();
    await checkDatabase(client, settings);
    const sentAt = Date.now();
    const [seconds, micros] = await client.time();
    const localMidpoint = (sentAt + Date.now()) / 2;
    return Math.round(Number(seconds) * 1_000 + Number(micros) / 1_000 - localMidpoint);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw connectFailure(settings, reason ?? error);
  } finally {
    client.disconnect();
  }
}

/**
 * SELECTs the URL's database again and fails when Redis refuses it: ioredis' own SELECT at
 * connect only emits an error and leaves the connection in database 0.
 */
async function checkDatabase(client: Redis, settings: ConnectionSettings): Promise<void> {
  const db = new URL(settings.url).pathname.slice(1);
  if (db === '' || Number(db) === 0) return;
  try {
    await client.select(Number(db));
  } catch (error) {
    if (!(error instanceof Error) || !/^ERR /.test(error.message)) throw error;
    throw new CliError(
      'USAGE',
      `Invalid ${settings.source === 'default' ? 'URL' : settings.source} ${JSON.stringify(maskRedisUrl(settings.url))}: Redis has no database ${db} (${error.message}). Use a database number it has: 0 to 15 unless its \`databases\` setting allows more.`,
      { cause: error },
    );
  }
}

/** Why connecting failed, as the CLI says it: refused credentials, TLS, or unreachable. */
function connectFailure(settings: ConnectionSettings, error: unknown): CliError {
  const at = maskRedisUrl(settings.url);
  const where =
    settings.source === 'default' ? 'the default URL' : `the URL given by ${settings.source}`;
  const detail = rootCause(error);
  if (failureOf(error) === 'AUTH') {
    // Never the password itself: the URL is masked, and Redis' reply does not quote it.
    const { username, password } = new URL(settings.url);
    const message = password
      ? `Redis at ${at} refused the credentials (${detail}): check the user${username ? ` "${decodeURIComponent(username)}"` : ''} and password in ${where}.`
      : `Redis at ${at} needs a password (${detail}): put it in ${where}, as redis://[user]:password@host:port.`;
    return new CliError('REDIS_AUTH', message, { cause: error });
  }
  if (failureOf(error) === 'CLUSTER') {
    // Reachable, but the wrong kind of server for one connection: not "cannot reach".
    return new CliError(
      'USAGE',
      `Redis at ${at} is not a server --redis can use (${detail}). --redis connects to one Redis server; for a Redis Cluster, run the command with a config whose transport connects to the Cluster (redisTransport({ client: new Cluster([{ host, port }]) }) in conveyor.config.ts, or --config <file>).`,
      { cause: error },
    );
  }
  // A TLS server that wants a client certificate drops a client without one; a plain
  // server never answers the handshake.
  const tlsSuspect =
    isTlsFailure(error) ||
    (settings.url.startsWith('rediss:') && (detail === 'ECONNRESET' || detail === 'ETIMEDOUT'));
  const tls = tlsSuspect
    ? ' For TLS, check that the server speaks TLS on that port, --tls-ca (the CA that signed its certificate), --tls-servername (the name in it), and --tls-cert with --tls-key if the server asks for a client certificate.'
    : '';
  const how =
    settings.source === 'default'
      ? 'pass --redis <url> or set REDIS_URL'
      : `check the URL given by ${settings.source}`;
  return new CliError(
    'REDIS_UNREACHABLE',
    `Cannot reach Redis at ${at} (${detail}). Check that Redis is running and reachable there, or ${how}.${tls}`,
    { cause: error },
  );
}

/**
 * A Redis that went away after the command connected (`status --watch`, a long purge), told
 * as a failed connect is: where (the URL masked, or the config's broker) and why, in the
 * user's terms, not the client's (ioredis' "max retries per request"). Undefined for any other
 * error. The transport's advice ("the client keeps reconnecting") is not true of a command
 * that ends here.
 */
export function lostConnection(connection: Connection, error: unknown): CliError | undefined {
  const failed = error as { code?: unknown; failure?: unknown } | null;
  if (isClusterNodeDown(error)) {
    // The transport's message names the node and says what to do; a script reads exit 3.
    return new CliError('REDIS_UNREACHABLE', (error as Error).message, { cause: error });
  }
  if (failed?.code !== 'TRANSPORT_ERROR' || failed.failure !== 'CONNECTION') return undefined;
  const code = rootCause(error);
  const why = `the connection was lost${/^E[A-Z]+$/.test(code) ? ` and reconnecting got ${code}` : ''}`;
  const { origin, transport } = connection;
  const endpoint = (error as { endpoint?: unknown }).endpoint;
  const at = typeof endpoint === 'string' ? ` at ${endpoint}` : '';
  const message =
    origin.kind === 'redis'
      ? `Cannot reach Redis at ${maskRedisUrl(origin.settings.url)} (${why}). Check that Redis is running and reachable there, then run the command again.`
      : `The ${transport.name} transport from ${origin.label} cannot reach its broker${at} (${why}). Check that the broker is running and reachable, then run the command again.`;
  return new CliError('REDIS_UNREACHABLE', message, { cause: error });
}

/** A TLS handshake or certificate failure (Node's codes), anywhere in the error chain. */
function isTlsFailure(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = String((current as NodeJS.ErrnoException).code ?? '');
    if (/^(ERR_SSL_|ERR_TLS_)|CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code)) return true;
    if (/\b(SSL|TLS)\b|certificate/i.test(current.message)) return true;
    current = current.cause;
  }
  return false;
}
