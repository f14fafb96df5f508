import { type Logger, silentLogger, type TransportAdmin } from '@conveyor/core';
import { type RedisTransport, type RedisTransportOptions, redisTransport } from '@conveyor/redis';
import { Redis } from 'ioredis';
import { type ConnectionSettings, maskPassword } from './connection-settings.js';
import { CliError } from './errors.js';

export type { ConnectionSettings };

export interface Connection {
  transport: RedisTransport;
  admin: TransportAdmin;
  settings: ConnectionSettings;
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
  await probe(settings);
  const transport = redisTransport({
    ...options.retention,
    url: settings.url,
    prefix: settings.prefix,
    logger: options.logger ?? silentLogger,
    checkMaxmemoryPolicy: mode === 'worker',
    ...(mode === 'command'
      ? {
          redis: {
            connectTimeout: 3_000,
            maxRetriesPerRequest: 1,
            retryStrategy: (times: number) => (times > 2 ? null : 100 * times),
          },
        }
      : {}),
  });
  try {
    await transport.ready();
  } catch (error) {
    await transport.close().catch(() => {});
    throw unreachable(settings, error);
  }
  const { admin } = transport;
  if (!admin) {
    await transport.close();
    throw new CliError('FAILED', 'This transport has no admin operations (transport.admin).');
  }
  return { transport, admin, settings, close: () => transport.close() };
}

/**
 * One PING on a throwaway connection that never retries: an unreachable Redis fails in
 * one connect timeout, with the socket's own reason (ECONNREFUSED, ENOTFOUND, NOAUTH…).
 */
async function probe(settings: ConnectionSettings): Promise<void> {
  let reason: unknown;
  const client = new Redis(settings.url, {
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
    await client.ping();
  } catch (error) {
    throw unreachable(settings, reason ?? error);
  } finally {
    client.disconnect();
  }
}

function unreachable(settings: ConnectionSettings, error: unknown): CliError {
  const detail = rootCause(error);
  const how =
    settings.source === 'default'
      ? 'pass --redis <url> or set REDIS_URL'
      : `check the URL given by ${settings.source}`;
  return new CliError(
    'REDIS_UNREACHABLE',
    `Cannot reach Redis at ${maskPassword(settings.url)} (${detail}). Check that Redis is running and reachable there, or ${how}.`,
    { cause: error },
  );
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
