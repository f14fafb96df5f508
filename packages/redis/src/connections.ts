import { InvalidOptionError, type Logger } from '@conveyor/core';
import { Cluster, Redis, type RedisOptions } from 'ioredis';

/** Where the transport connects. Exactly one of `url`, `redis` and `client` is used. */
export interface ConnectionOptions {
  /** `redis://`, `rediss://` (TLS) or `redis://user:password@host:port/db`. */
  url?: string | undefined;
  /** ioredis options (host, port, tls, username, password, sentinels, …). */
  redis?: RedisOptions | undefined;
  /**
   * An ioredis client or Cluster the caller owns: used for commands, and duplicated for
   * the blocking and pub/sub connections. `close()` leaves it open.
   */
  client?: Redis | Cluster | undefined;
}

/**
 * How long a command on the command connection waits for its reply: a server that accepts
 * the connection but stops answering (paused, half-open, behind a dead proxy) fails calls
 * with a `CONNECTION` error instead of hanging them (and a worker's shutdown) forever.
 * Every script is bounded in its batch and answers in milliseconds.
 */
export const COMMAND_TIMEOUT_MS = 10_000;

/**
 * Commands wait through a short outage (a restart takes about a second) and then fail
 * with a `CONNECTION` error instead of queueing forever: about 5 s of reconnect
 * attempts. Auto-pipelining is off: the transport batches on its own (one script call
 * per queue per batch), and measured slower with it on (see README).
 */
const COMMAND_DEFAULTS: RedisOptions = {
  lazyConnect: true,
  maxRetriesPerRequest: 10,
  commandTimeout: COMMAND_TIMEOUT_MS,
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
    urlDatabase(options.url);
    commands = refuseOtherDatabase(
      new Redis(options.url, { ...COMMAND_DEFAULTS, ...options.redis }),
      options.url,
    );
  } else {
    commands = refuseOtherDatabase(new Redis({ ...COMMAND_DEFAULTS, ...options.redis }));
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
    return refuseOtherDatabase(commands.duplicate(overrides), options.url);
  };
  return {
    commands,
    owned,
    isCluster,
    blocking: () => duplicate(BLOCKING_OVERRIDES),
    subscriber: () => handleOwnResubscribes(duplicate(SUBSCRIBER_OVERRIDES)),
  };
}

/**
 * After a reconnect, ioredis sends SUBSCRIBE (PSUBSCRIBE, SSUBSCRIBE) again by itself and
 * leaves its promise without a handler: a transport closed before that call was answered
 * left an unhandled "Connection is closed." rejection (two CI runs failed on one). Each such
 * call on this connection now has a no-op handler attached as well; a caller that awaits one
 * still gets its rejection. A Cluster resubscribes through connections of its own.
 */
export function handleOwnResubscribes<T extends Redis | Cluster>(connection: T): T {
  if (connection instanceof Cluster) return connection;
  const target = connection as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of ['subscribe', 'psubscribe', 'ssubscribe']) {
    const original = target[name];
    if (typeof original !== 'function') continue;
    target[name] = (...args: unknown[]) => {
      const result = original.apply(connection, args);
      if (result instanceof Promise) result.catch(() => {});
      return result;
    };
  }
  return connection;
}

/**
 * Warns once unless `maxmemory-policy` is `noeviction` on every node (each master of a
 * cluster): an eviction policy lets Redis silently delete Conveyor's keys under memory
 * pressure. Managed Redis services often disable CONFIG; then it says so at debug level
 * and moves on.
 */
export async function checkMaxmemoryPolicy(client: Redis | Cluster, logger: Logger): Promise<void> {
  const evicting: Array<{ node: string; policy: string }> = [];
  try {
    const nodes = client instanceof Cluster ? await mastersOf(client) : [client];
    for (const node of nodes) {
      const reply = (await node.config('GET', 'maxmemory-policy')) as unknown;
      const policy = Array.isArray(reply) ? reply[1] : undefined;
      if (typeof policy === 'string' && policy !== 'noeviction') {
        evicting.push({ node: `${node.options.host}:${node.options.port}`, policy });
      }
    }
  } catch (error) {
    logger.debug(
      { error: error instanceof Error ? error.message : String(error) },
      '[conveyor] [redis] could not read maxmemory-policy (CONFIG is disabled?); make sure it is noeviction',
    );
    return;
  }
  if (evicting.length === 0) return;
  const policies = [...new Set(evicting.map(({ policy }) => policy))];
  const where =
    client instanceof Cluster ? ` on ${evicting.map(({ node }) => node).join(', ')}` : '';
  logger.warn(
    { maxmemoryPolicy: policies.join(','), nodes: evicting.map(({ node }) => node) },
    `[conveyor] [redis] WARNING: Redis maxmemory-policy is ${policies.map((policy) => `"${policy}"`).join(', ')}${where}, not "noeviction". ${atRisk(policies)} Set "maxmemory-policy noeviction" in redis.conf (or CONFIG SET maxmemory-policy noeviction).`,
  );
}

/** What an eviction policy can delete of Conveyor's keys. */
function atRisk(policies: readonly string[]): string {
  // volatile-* policies evict only keys with a TTL (and refuse writes like noeviction once none is left).
  if (policies.every((policy) => policy.startsWith('volatile-'))) {
    return 'Under memory pressure Redis will silently DELETE keys with a TTL: idempotency keys (a duplicate enqueue then gets through), concurrency and rate limit state (a limit is then exceeded), and finished jobs kept by a key TTL (maxFinishedPerQueue: 0).';
  }
  return "Under memory pressure Redis will silently DELETE any of Conveyor's keys: waiting and delayed jobs, the leases of running jobs (they run again), results, dead-letter jobs, idempotency keys and limit state.";
}

/**
 * A cluster's masters. ioredis knows them only once the cluster is ready (before, the list
 * is empty); this waits for that without starting a connection itself.
 */
function mastersOf(cluster: Cluster): Promise<Redis[]> {
  if (cluster.status === 'ready') return Promise.resolve(cluster.nodes('master'));
  return new Promise((resolve) => {
    const ready = (): void => {
      cluster.off('end', end);
      resolve(cluster.nodes('master'));
    };
    // Closed before it was ever ready: nothing to check.
    const end = (): void => {
      cluster.off('ready', ready);
      resolve([]);
    };
    cluster.once('ready', ready);
    cluster.once('end', end);
  });
}

/** Query parameters ioredis takes a secret from (`?password=`, `?sentinelPassword=`). */
const SECRET_PARAM = /pass/i;

/**
 * A Redis URL with its secrets replaced by `****`, for messages and logs: the password
 * of `redis://user:password@host`, and the value of every query parameter that ioredis
 * would read a password from (`?password=…`, `?sentinelPassword=…`).
 *
 * @example
 * maskRedisUrl('redis://:s3cret@10.0.0.5:6379/2'); // 'redis://:****@10.0.0.5:6379/2'
 */
export function maskRedisUrl(url: string): string {
  const userinfo = url.replace(/^(\w+:\/\/[^:@/]*:)[^@/]*@/, '$1****@');
  const query = userinfo.indexOf('?');
  if (query === -1) return userinfo;
  const [path, rest] = [userinfo.slice(0, query + 1), userinfo.slice(query + 1)];
  const [params = '', fragment] = rest.split('#', 2);
  const shown = params
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const key = equals === -1 ? pair : pair.slice(0, equals);
      return equals !== -1 && SECRET_PARAM.test(safeDecode(key)) ? `${key}=****` : pair;
    })
    .join('&');
  return `${path}${shown}${fragment === undefined ? '' : `#${fragment}`}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The database a `redis://…/<db>` URL names (undefined: none, database 0). ioredis sends
 * whatever the path holds as SELECT's argument and, when Redis refuses it, stays in database
 * 0: a path that is not a number is refused here, before any connection opens.
 */
export function urlDatabase(url: string): number | undefined {
  let pathname: string;
  try {
    pathname = new URL(url).pathname;
  } catch {
    return undefined; // ioredis reads it, or says what is wrong with it
  }
  if (!/^\/?\d*$/.test(pathname)) {
    throw new InvalidOptionError(
      'url',
      maskRedisUrl(url),
      'redis://[user:password@]host:port[/db] with a database number, or none (database 0)',
    );
  }
  const db = pathname.slice(1);
  return db === '' ? undefined : Number(db);
}

/**
 * Makes `client` refuse every command, with `INVALID_OPTION`, once Redis has refused the
 * database it SELECTs at connect. ioredis only emits that refusal as an `error` event and
 * goes on in database 0, where the commands queued meanwhile would run against another
 * database's keys (a worker would take its jobs, a purge would delete them). The event
 * arrives during the handshake, before ioredis sends the queued commands: they are
 * rejected here instead, and the connection is closed for good.
 */
function refuseOtherDatabase(client: Redis, url?: string): Redis {
  const db = client.options.db;
  if (!db) return client;
  client.on('error', (error: Error & { command?: { name?: string } }) => {
    if (error.command?.name !== 'select') return;
    const refusal = new InvalidOptionError(
      url === undefined ? 'redis.db' : 'url',
      url === undefined ? db : maskRedisUrl(url),
      `a database this Redis has (${error.message}): 0 to 15 unless its \`databases\` setting allows more`,
    );
    client.sendCommand = (command) => {
      command.reject(refusal);
      return command.promise;
    };
    // Not in ioredis' types: rejects what waits for the connection with the refusal rather
    // than the "Connection is closed." that disconnect() would give it.
    (client as unknown as { flushQueue?(error: Error, options: object): void }).flushQueue?.(
      refusal,
      { commandQueue: false },
    );
    client.disconnect();
  });
  return client;
}

/** Where `client` connects, for messages: `host:port` (or its socket path), or the Cluster's startup nodes. */
export function endpointOf(client: Redis | Cluster): string {
  if ((client as Cluster).isCluster) {
    // Not in ioredis' public types.
    type Node = string | number | { host?: string; port?: number };
    const { startupNodes = [] } = client as unknown as { startupNodes?: Node[] };
    const nodes = startupNodes.map((node) =>
      typeof node === 'object' ? `${node.host ?? '127.0.0.1'}:${node.port ?? 6379}` : String(node),
    );
    return `the Cluster of ${nodes.join(', ')}`;
  }
  const { path, host, port } = (client as Redis).options;
  return path ? path : `${host ?? '127.0.0.1'}:${port ?? 6379}`;
}

/**
 * Disconnects `client`, its commands still pending rejected quietly: ioredis re-subscribes
 * by itself after a reconnect with a SUBSCRIBE whose promise nobody holds, and a disconnect
 * before its reply rejected it ("Connection is closed.") as an unhandled rejection, which
 * ends a Node process by default. Reads ioredis' queues (not in its types); each queue
 * item holds a command with its promise.
 */
export function disconnectQuietly(client: Redis | Cluster): void {
  type Queued = { command?: { promise?: Promise<unknown>; reject?(error: Error): void } };
  const queues = client as unknown as Record<string, { toArray?(): Queued[] } | Queued[] | null>;
  const itemsOf = (name: string): Queued[] => {
    const queue = queues[name];
    return Array.isArray(queue) ? queue : (queue?.toArray?.() ?? []);
  };
  for (const name of ['commandQueue', 'offlineQueue', 'prevCommandQueue']) {
    for (const item of itemsOf(name)) item.command?.promise?.catch(() => {});
  }
  client.disconnect();
  // A client that is reconnecting (the server down) keeps its unsent commands queued:
  // ioredis flushes its queues only when a live stream closes. Each holds its 10 s command
  // timer, which kept the process up that long after close(); they can never be sent now.
  for (const item of itemsOf('offlineQueue')) {
    item.command?.reject?.(new Error('Connection is closed.'));
  }
}
