import type { Transport } from '@conveyor/core';
import { failureOf } from '@conveyor/redis';
import { CliError } from './errors.js';
import { nodeCause, rootCause } from './failure-cause.js';

const SETTINGS =
  'the settings its transport function passes (an environment variable it reads, such as REDIS_URL)';

/**
 * Why the config's transport did not open, as `--redis` says it: refused credentials (exit 8)
 * name the Redis and say to check the user and password; anything else is an unreachable
 * broker (exit 3). Where: the endpoint the transport's error names, else its `describe()`.
 */
export function brokerFailure(transport: Transport, label: string, error: unknown): CliError {
  const endpoint = (error as { endpoint?: unknown }).endpoint;
  const from = `the ${transport.name} transport from ${label}`;
  if (failureOf(error) === 'AUTH') {
    // Never the password: Redis' reply does not quote it, nor do host:port and describe().
    const where = typeof endpoint === 'string' ? endpoint : describeTransport(transport);
    const transportAt = where ? `${from} (${where})` : from;
    const detail = rootCause(error);
    return new CliError(
      'REDIS_AUTH',
      detail === 'NOAUTH'
        ? `Redis needs a password (NOAUTH), which ${transportAt} did not give: put it in ${SETTINGS}, or pass --redis <url>.`
        : `Redis refused the credentials (${detail}) of ${transportAt}: check the user and password in ${SETTINGS}, or pass --redis <url>.`,
      { cause: error },
    );
  }
  const at = typeof endpoint === 'string' ? ` at ${endpoint}` : '';
  return new CliError(
    'REDIS_UNREACHABLE',
    `The ${transport.name} transport from ${label} cannot reach its broker${at} (${nodeCause(error, endpoint) ?? rootCause(error)}). Check that the broker is running and reachable there, and ${SETTINGS}, or pass --redis <url>.`,
    { cause: error },
  );
}

/** Where the transport says it connects (`127.0.0.1:6379, prefix shop`), if it says. */
export function describeTransport(transport: Transport): string | undefined {
  let where: unknown;
  try {
    where = (transport as { describe?: () => unknown }).describe?.();
  } catch {}
  return typeof where === 'string' && where !== '' ? where : undefined;
}
