import { InvalidOptionError } from '@conveyor/core';
import { assertKnownKeys, type KnownKeys } from '@conveyor/core/transport';
import { type ConnectionOptions, maskRedisUrl } from './connections.js';
import type { RedisTransportOptions } from './redis-transport.js';

/**
 * The keys `redisTransport` takes; `redis` holds ioredis' own options, passed through
 * unchecked. `satisfies` keeps the list equal to the interface.
 */
const TRANSPORT_OPTION_KEYS = {
  url: true,
  redis: true,
  client: true,
  prefix: true,
  defaultResultTtlMs: true,
  defaultDedupeWindowMs: true,
  maxFinishedPerQueue: true,
  maxPayloadBytes: true,
  logger: true,
  checkMaxmemoryPolicy: true,
  packWaitingJobs: true,
  packLeasedFrom: true,
} as const satisfies KnownKeys<RedisTransportOptions>;

/** The options `checkTransportOptions` reads (`RedisTransportOptions`' plain values). */
interface CheckedOptions extends ConnectionOptions {
  prefix?: unknown;
  defaultResultTtlMs?: unknown;
  defaultDedupeWindowMs?: unknown;
  maxFinishedPerQueue?: unknown;
  packLeasedFrom?: unknown;
}

/**
 * Refuses, before any connection opens, the options that would work against the user
 * silently: a result TTL of 0 or less (every result lost at once), a retention count or a
 * `packLeasedFrom` that is not a whole number, a prefix that is empty or holds a brace
 * (braces move each key's Cluster hash tag), a URL that is not `redis://` or `rediss://`, a
 * URL beside a client, and a key that is no option (`urll` would connect to the default).
 */
export function checkTransportOptions(options: CheckedOptions): void {
  assertKnownKeys(options, TRANSPORT_OPTION_KEYS, 'redisTransport option');
  const { prefix } = options;
  if (prefix !== undefined && (typeof prefix !== 'string' || !/^[^{}]+$/.test(prefix))) {
    throw new InvalidOptionError(
      'prefix',
      prefix,
      'a non-empty string without braces (braces would move every key\'s Cluster hash tag), e.g. "shop"',
    );
  }
  for (const name of ['defaultResultTtlMs', 'defaultDedupeWindowMs'] as const) {
    assertWholeFrom(name, options[name], 1, 'a whole number of milliseconds, more than 0');
  }
  assertWholeFrom(
    'maxFinishedPerQueue',
    options.maxFinishedPerQueue,
    0,
    'a whole number, 0 or more (0: finished jobs are kept by their TTL alone)',
  );
  assertWholeFrom(
    'packLeasedFrom',
    options.packLeasedFrom,
    1,
    'a whole number of jobs, 1 or more (1: every job a worker removes on completion stays packed)',
  );
  if (options.url !== undefined && options.client !== undefined) {
    throw new InvalidOptionError(
      'url',
      '(with client)',
      'either url or client, not both: a client brings its own connection',
    );
  }
  if (options.url !== undefined) checkUrl(options.url);
}

function checkUrl(url: unknown): void {
  const expected =
    'redis://[user:password@]host:port[/db] (rediss:// for TLS), e.g. redis://127.0.0.1:6379';
  if (typeof url !== 'string') throw new InvalidOptionError('url', url, expected);
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new InvalidOptionError('url', maskRedisUrl(url), expected);
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    throw new InvalidOptionError('url', maskRedisUrl(url), expected);
  }
}

/** Refuses `value`, when given, unless it is a whole number of at least `least` (`rule` says so). */
function assertWholeFrom(name: string, value: unknown, least: number, rule: string): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) >= least)) {
    throw new InvalidOptionError(name, value, rule);
  }
}
