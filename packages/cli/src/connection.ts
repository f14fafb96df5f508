import { type Logger, silentLogger, type TransportAdmin } from '@conveyor/core';
import {
  failureOf,
  type RedisTransport,
  type RedisTransportOptions,
  redisTransport,
} from '@conveyor/redis';
import { Redis, type RedisOptions } from 'ioredis';
import { type ConnectionSettings, maskPassword } from './connection-settings.js';
import { CliError } from './errors.js';

export type { ConnectionSettings };

export interface Connection {
  transport: RedisTransport;
  admin: TransportAdmin;
  settings: ConnectionSettings;
  /**
   * Redis' clock minus this machine's, in ms (measured once, at connect): worker records
   * are stamped with Redis TIME, so their age is read on that clock.
   */
  redisClockOffsetMs: number;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Gets the transport's warnings, such as an evicting maxmemory-policy. Default silent. */
  logger?: Logger;
  /** Finished-job retention (`conveyor worker --result-ttl-ms`, `--max-finished`). */
  retention?: Pick<RedisTransportOptions, 'defaultResultTtlMs' | 'maxFinishedPerQueue'>;
}

/**
 * Opens the Redis transport and checks that Redis answers. One-shot commands fail fast
 * (a few hundred ms of retries); the worker keeps the transport's patient defaults.
 */
export async function connect(
  settings: ConnectionSettings,
  mode: 'command' | 'worker',
  options: ConnectOptions = {},
): Promise<Connection> {
  const redisClockOffsetMs = await probe(settings);
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
  const { admin } = transport;
  if (!admin) {
    await transport.close();
    throw new CliError('FAILED', 'This transport has no admin operations (transport.admin).');
  }
  return { transport, admin, settings, redisClockOffsetMs, close: () => transport.close() };
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
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', (error: unknown) => {
    reason ??= error;
  });
  try {
    await client.connect();
    const sentAt = Date.now();
    const [seconds, micros] = await client.time();
    const localMidpoint = (sentAt + Date.now()) / 2;
    return Math.round(Number(seconds) * 1_000 + Number(micros) / 1_000 - localMidpoint);
  } catch (error) {
    throw connectFailure(settings, reason ?? error);
  } finally {
    client.disconnect();
  }
}

/** Why connecting failed, as the CLI says it: refused credentials, TLS, or unreachable. */
function connectFailure(settings: ConnectionSettings, error: unknown): CliError {
  const at = maskPassword(settings.url);
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

/** The most specific message in an error chain, shortened to its first line. */
function rootCause(error: unknown): string {
  let current: unknown = error;
  let message = String(error);
  for (let depth = 0; depth < 5 && current; depth++) {
    if (current instanceof Error) {
      message = current.message;
      const code = (current as NodeJS.ErrnoException).code;
      if (code && /^E[A-Z]+$/.test(code)) return code;
      current = current.cause;
    } else {
      break;
    }
  }
  const match = /\b(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|EAI_AGAIN|NOAUTH|WRONGPASS)\b/.exec(
    message,
  );
  if (match) return match[1] as string;
  return message.split('\n')[0]?.slice(0, 200) ?? 'unknown error';
}
