import type { Logger } from '@conveyor/core';
import { Cluster, Redis, type RedisOptions } from 'ioredis';

/** Where the transport connects. Exactly one of `url`, `redis` and `client` is used. */
export interface ConnectionOptions {
  /** `redis://`, `rediss://` (TLS) or `redis://user:password@host:port/db`. */
  url?: string;
  /** ioredis options (host, port, tls, username, password, sentinels, …). */
  redis?: RedisOptions;
  /**
   * An ioredis client or Cluster the caller owns: used for commands, and duplicated for
   * the blocking and pub/sub connections. `close()` leaves it open.
   */
  client?: Redis | Cluster;
}

/**
 * Commands wait through a short outage (a restart takes about a second) and then fail
 * with a `CONNECTION` error instead of queueing forever: about 5 s of reconnect
 * attempts. Auto-pipelining is off: the transport batches on its own (one script call
 * per queue per batch), and measured slower with it on (see README).
 */
const COMMAND_DEFAULTS: RedisOptions = {
  lazyConnect: true,
  maxRetriesPerRequest: 10,
  enableAutoPipelining: false,
  retryStrategy: (times) => Math.min(times * 100, 1_000),
};

/**
 * Blocking reads (BLPOP on markers) fail at once while disconnected and are never
 * re-sent after a reconnect; the reserve loop retries them itself. The transport also
 * drops a blocking connection that overstays its timeout (paused or half-open server).
 */
const BLOCKING_OVERRIDES: RedisOptions = {
  lazyConnect: true,
  maxRetriesPerRequest: 1,
  autoResendUnfulfilledCommands: false,
  enableAutoPipelining: false,
  connectionName: 'conveyor:blocking',
};

/** The subscriber re-subscribes after a reconnect and waits however long that takes. */
const SUBSCRIBER_OVERRIDES: RedisOptions = {
  lazyConnect: true,
  maxRetriesPerRequest: null,
  autoResubscribe: true,
  connectionName: 'conveyor:subscriber',
};

export interface Connections {
  readonly commands: Redis | Cluster;
  readonly owned: boolean;
  readonly isCluster: boolean;
  /** A new connection for blocking reads. */
  blocking(): Redis | Cluster;
  /** A new connection for pub/sub. */
  subscriber(): Redis | Cluster;
}

export function openConnections(options: ConnectionOptions): Connections {
  let commands: Redis | Cluster;
  let owned = true;
  if (options.client) {
    commands = options.client;
    owned = false;
  } else if (options.url !== undefined) {
    commands = new Redis(options.url, { ...COMMAND_DEFAULTS, ...options.redis });
  } else {
    commands = new Redis({ ...COMMAND_DEFAULTS, ...options.redis });
  }
  const isCluster = commands instanceof Cluster;
  const duplicate = (overrides: RedisOptions): Redis | Cluster => {
    if (commands instanceof Cluster) {
      return commands.duplicate(undefined, {
        lazyConnect: true,
        enableOfflineQueue: true,
        redisOptions: { ...commands.options.redisOptions, ...overrides },
      });
    }
    return commands.duplicate(overrides);
  };
  return {
    commands,
    owned,
    isCluster,
    blocking: () => duplicate(BLOCKING_OVERRIDES),
    subscriber: () => duplicate(SUBSCRIBER_OVERRIDES),
  };
}

/**
 * Warns loudly unless `maxmemory-policy` is `noeviction`: any eviction policy lets
 * Redis silently delete queued jobs under memory pressure. Managed Redis services often
 * disable CONFIG; then it says so at debug level and moves on.
 */
export async function checkMaxmemoryPolicy(client: Redis | Cluster, logger: Logger): Promise<void> {
  let policy: string | undefined;
  try {
    const nodes = client instanceof Cluster ? client.nodes('master') : [client];
    for (const node of nodes) {
      const reply = (await node.config('GET', 'maxmemory-policy')) as unknown;
      const value = Array.isArray(reply) ? reply[1] : undefined;
      if (typeof value === 'string' && value !== 'noeviction') {
        policy = value;
        break;
      }
    }
  } catch (error) {
    logger.debug(
      { error: error instanceof Error ? error.message : String(error) },
      '[conveyor] [redis] could not read maxmemory-policy (CONFIG is disabled?); make sure it is noeviction',
    );
    return;
  }
  if (policy !== undefined) {
    logger.warn(
      { maxmemoryPolicy: policy },
      `[conveyor] [redis] WARNING: Redis maxmemory-policy is "${policy}", not "noeviction". Under memory pressure Redis will silently DELETE queued jobs. Set "maxmemory-policy noeviction" in redis.conf (or CONFIG SET maxmemory-policy noeviction).`,
    );
  }
}
