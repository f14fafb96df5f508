import {
  type CancelResult,
  type JobRecord,
  type Logger,
  silentLogger,
  type TransportWith,
} from '@conveyor/core';
import {
  assertByteLimit,
  createTransport,
  DEFAULT_MAX_PAYLOAD_BYTES,
  queueOfJobId,
  type TransportDriver,
} from '@conveyor/core/transport';
import type { Cluster, Redis } from 'ioredis';
import { createRedisAdmin } from './admin.js';
import { redisCall } from './call.js';
import { refuseClusterNode, watchClusterStart } from './cluster-start.js';
import {
  type ConnectionOptions,
  checkMaxmemoryPolicy,
  disconnectQuietly,
  endpointOf,
  openConnections,
} from './connections.js';
import { deadLetterBroken } from './dead-letter.js';
import { createEnqueuer } from './enqueue.js';
import { namingQueue } from './errors.js';
import { failingQueuesLog } from './failing-queues.js';
import { cancelChannel, markerKey, queueKeys } from './keys.js';
import { redisLimits } from './limits.js';
import { redisMetrics } from './metrics.js';
import { createNotifications } from './notifications.js';
import { checkTransportOptions } from './options-check.js';
import { createPickup } from './pickup.js';
import { reconnectsOf } from './reconnects.js';
import { createReserver } from './reserve.js';
import { redisSchedules } from './schedules.js';
import { type QueueScriptName, runScript } from './scripts.js';
import { queueSlot } from './slots.js';
import { watchSocket } from './socket-state.js';
import { createSweeper } from './sweeper.js';
import { createFinalWait } from './wait-final.js';
import { enqueueOneKeys } from './wire/enqueue-one.js';
import {
  readJobReply,
  releaseOf,
  renewArgs,
  renewStatusAt,
  settleArgs,
  settleStatusAt,
  uniqueOf,
} from './wire/script-calls.js';
import { redisWorkflows } from './workflows.js';
import { namingWrongKey } from './wrong-type.js';

export interface RedisTransportOptions extends ConnectionOptions {
  /** First part of every key (`<prefix>:{<queue>}:…`). Default `conveyor`. */
  prefix?: string | undefined;
  /** How long final records are kept when a settlement names no TTL. Default 24 h. */
  defaultResultTtlMs?: number | undefined;
  /** How long an idempotency key stays claimed when an enqueue names no window. Default 24 h. */
  defaultDedupeWindowMs?: number | undefined;
  /**
   * Completed, failed, cancelled and expired jobs kept per queue, on top of their TTL:
   * the oldest beyond this are deleted. 0 turns the count bound off. Default 10,000.
   */
  maxFinishedPerQueue?: number | undefined;
  /**
   * Largest serialized job `enqueue` accepts, in UTF-8 bytes; a larger one fails the call
   * with `PAYLOAD_TOO_LARGE` before anything is written. Default 512 KiB, as for the client.
   */
  maxPayloadBytes?: number | undefined;
  /** Receives the start-up warnings. Default: silent, except the maxmemory warning goes to console. */
  logger?: Logger | undefined;
  /** Check `maxmemory-policy` on first use and warn unless `noeviction`. Default true. */
  checkMaxmemoryPolicy?: boolean | undefined;
  /**
   * Store a waiting job without an idempotency key, workflow or expiry as one field of its
   * queue's hash of packed jobs instead of a hash of its own (less Redis memory per job), and
   * leave it packed while a worker that removes it on completion runs it. Set false on the
   * new release's transports during a rolling upgrade from a release whose workers cannot
   * read those jobs (before packing, or before jobs stayed packed while leased); see the
   * README's "Packed jobs". Default true.
   *
   * @example
   * const transport = redisTransport({ url, packWaitingJobs: false }); // until old workers are gone
   */
  packWaitingJobs?: boolean | undefined;
  /**
   * Fewest jobs one reserve must take from a queue at once to leave them packed while a
   * worker that removes them on completion runs them (README, "Packed jobs"): fewer get
   * their own hash, which then costs less than the reserve call's own keys (an idle queue's
   * pickup). Default 8; 1 leaves every such job packed.
   */
  packLeasedFrom?: number | undefined;
}

/**
 * A {@link Transport} on Redis, with `admin`, `limits`, `metrics`, `schedules` and
 * `workflows`, plus what only Redis offers.
 */
export interface RedisTransport
  extends TransportWith<'admin' | 'limits' | 'metrics' | 'schedules' | 'workflows'> {
  /**
   * Resolves once Redis answers and the cancel channel is subscribed, so that this
   * instance hears every cancel published from then on. Rejects with a `RedisTransportError`
   * when Redis cannot be reached (a Cluster not ready within its connectTimeout), or is the
   * wrong kind (`CLUSTER`: a plain connection to a cluster node, or a Cluster on a plain
   * Redis), and with `INVALID_OPTION` when Redis does not have the URL's database.
   */
  ready(): Promise<void>;
  /** Where it connects and its key prefix, for banners: `127.0.0.1:6379, prefix shop`. */
  describe(): string;
}

const DAY_MS = 86_400_000;
/** Jobs per script call (the wrapper splits longer batches): bounds how long one call holds Redis. */
const CHUNK = 1_000;

const consoleWarnLogger: Logger = {
  ...silentLogger,
  warn: (first: string | Record<string, unknown>, message?: string) =>
    console.warn(
      typeof first === 'string' ? first : (message ?? ''),
      typeof first === 'string' ? '' : first,
    ),
};

/**
 * A transport on Redis 6.2+ (standalone, Sentinel or Cluster) through ioredis. Every
 * state change is one Lua script; every key of a queue shares the hash tag `{queue}`.
 *
 * @example
 * const transport = redisTransport({ url: process.env.REDIS_URL, prefix: 'shop' });
 */
export function redisTransport(options: RedisTransportOptions = {}): RedisTransport {
  const prefix = options.prefix ?? 'conveyor';
  const defaultTtl = options.defaultResultTtlMs ?? DAY_MS;
  const defaultWindow = options.defaultDedupeWindowMs ?? DAY_MS;
  const keep = options.maxFinishedPerQueue ?? 10_000;
  const packWaitingJobs = options.packWaitingJobs !== false;
  checkTransportOptions(options);
  // createTransport checks it too; here it is checked before any connection opens.
  assertByteLimit(options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES, 'maxPayloadBytes');
  const logger = options.logger ?? consoleWarnLogger;
  const connections = openConnections(options);
  const { commands } = connections;
  // ioredis reconnects by itself; the last socket error says why a connection is down.
  watchSocket(commands);
  if (options.checkMaxmemoryPolicy !== false) void checkMaxmemoryPolicy(commands, logger);
  // A caller's Cluster that never gets ready must not hold calls forever (cluster-start.ts).
  const start = connections.isCluster ? watchClusterStart(commands as Cluster) : undefined;

  const keysOf = new Map<string, string[]>();
  const keys = (queue: string): string[] => {
    let list = keysOf.get(queue);
    if (!list) {
      list = queueKeys(prefix, queue);
      keysOf.set(queue, list);
    }
    return list;
  };
  const call = <T = unknown[]>(operation: string, run: () => Promise<unknown>) =>
    redisCall(operation, run, commands) as Promise<T>;
  const queueCall = (name: string, queue: string, run: () => Promise<unknown>) =>
    call(name, run)
      .catch((error: unknown) => namingWrongKey(error, commands, prefix, queue))
      .catch((error: unknown) => {
        throw connections.isCluster ? namingQueue(error, queue, queueSlot(queue)) : error;
      });
  const script = (name: QueueScriptName, queue: string, args: ReadonlyArray<string | number>) =>
    queueCall(name, queue, () => runScript(commands, name, keys(queue), [defaultTtl, keep], args));

  // Deletes expired finished jobs of the queues this transport reserves from.
  const sweeper = createSweeper({
    async sweep(queue, limit) {
      const [deleted, more] = (await script('sweep', queue, [limit])).map(Number);
      return { deleted: deleted ?? 0, more: more === 1 };
    },
    logger,
  });

  let closed = false;
  let closing: (() => void) | undefined;
  const closed$ = new Promise<void>((resolve) => {
    closing = resolve;
  });
  const pendingWaits = new Set<Promise<unknown>>();
  const notifications = createNotifications(prefix, connections.subscriber);
  const pickup = createPickup({
    connect() {
      // The reserve script rides behind a BLPOP on this connection (waitThen); runScript
      // defines it there on first use.
      return connections.blocking();
    },
    restoreMarker(key) {
      commands
        .lpush(key, '1')
        .then(() => commands.ltrim(key, 0, 0))
        .catch(() => {});
    },
    // A cluster's blocking connection spans nodes: its waits are dropped, not unblocked.
    unblock: connections.isCluster
      ? undefined
      : (clientId) => (commands as Redis).client('UNBLOCK', clientId),
  });
  const admin = createRedisAdmin({
    commands,
    prefix,
    logger,
    queueScript: (name, queue, args) => script(name, queue, args),
  });

  async function getRecord(id: string, queue: string, watch: boolean): Promise<JobRecord | null> {
    const reply = await script('get-job', queue, [uniqueOf(id, queue), watch ? '1' : '0']);
    return readJobReply(reply, id, queue);
  }

  const reserve = createReserver({
    reserveScript: (queue, args) => script('reserve', queue, args),
    probe: (queue) => commands.exists(markerKey(prefix, queue)),
    // A cluster master's address, from the client's slot map.
    serverOf: (queue) => (commands as Cluster).slots?.[queueSlot(queue)]?.[0],
    failApart: connections.isCluster,
    // Without packing, jobs leased for removal get their own hash too: a worker of an
    // older release (a rolling upgrade) reclaims only those (README, "Packed jobs").
    packLeasedFrom: packWaitingJobs ? (options.packLeasedFrom ?? 8) : undefined,
    deadLetter: deadLetterBroken((settlements) => transport.settle(settlements), logger),
    async waitForMarker(queues, timeoutMs, signal) {
      const markers = queues.map((queue) => markerKey(prefix, queue));
      // Cluster: one BLPOP per queue (its slot); standalone: one BLPOP on all markers.
      const groups = connections.isCluster ? markers.map((marker) => [marker]) : [markers];
      const popped = await pickup.wait(groups, timeoutMs, signal);
      return popped === undefined ? undefined : queues[markers.indexOf(popped)];
    },
    waitThenReserve: pickup.canFollow
      ? (queue, timeoutMs, args, abandon, signal) =>
          pickup.waitThen(
            markerKey(prefix, queue),
            timeoutMs,
            {
              send: (connection) =>
                redisCall(
                  'reserve',
                  () => runScript(connection, 'reserve', keys(queue), [defaultTtl, keep], args),
                  connection,
                ) as Promise<unknown[]>,
              abandon,
            },
            signal,
          )
      : undefined,
    release: (queue, jobs) => script('settle', queue, settleArgs(jobs.map(releaseOf), queue)),
    releaseCall: (queue, callToken, held) => script('release-call', queue, [callToken, ...held]),
    reconnects: () => reconnectsOf(commands),
    isClosed: () => closed,
    failingQueues: failingQueuesLog(logger),
  });

  let registrationWarnedAt = Number.NEGATIVE_INFINITY;
  const waitUntilFinal = createFinalWait({
    notifications,
    getRecord,
    isClosed: () => closed,
    closed: closed$,
  });

  // Arguments, the closed state and batches by queue are createTransport's: every call
  // here is checked, on an open transport, for one queue and at most CHUNK jobs.
  async function cancelOne(id: string, queue: string): Promise<CancelResult> {
    await notifications.cancelsReady;
    const reply = await script('cancel', queue, [uniqueOf(id, queue), cancelChannel(prefix), id]);
    return reply as unknown as CancelResult;
  }

  const driver = {
    name: 'redis',
    maxBatch: CHUNK,
    admin,
    limits: redisLimits({ commands, prefix }),
    metrics: redisMetrics({ commands, prefix }),
    schedules: redisSchedules({
      commands,
      prefix,
      queueKeys: keys,
      commonArgs: [defaultTtl, keep],
      defaultDedupeWindowMs: defaultWindow,
      packWaitingJobs,
      registerQueues: (queues) => admin.registerQueues(queues),
    }),
    workflows: redisWorkflows({
      commands,
      prefix,
      resultTtlMs: defaultTtl,
      cancelJobs: (ids) => Promise.all(ids.map((id) => cancelOne(id, queueOfJobId(id) ?? ''))),
    }),

    enqueue: createEnqueuer({
      enqueueScript: (queue, args) => script('enqueue', queue, args),
      enqueueOneScript: (queue, priority, args) =>
        queueCall('enqueue-one', queue, () =>
          runScript(commands, 'enqueue-one', enqueueOneKeys(keys(queue), priority), args),
        ),
      registerQueues: (queues) => admin.registerQueues(queues),
      registrationFailed: (queues, error) => {
        // At most once a minute: every enqueue of the queue tries again while it fails.
        if (Date.now() - registrationWarnedAt < 60_000) return;
        registrationWarnedAt = Date.now();
        logger.warn(
          { queues, err: error },
          `[conveyor] [redis] could not add queue ${queues.join(', ')} to the registry of queues (${(error as Error).message}), though the enqueue stored its jobs. conveyor status and the dashboard list the queue once a later enqueue or a worker of it adds it.`,
        );
      },
      reconnects: () => reconnectsOf(commands),
      chunkSize: CHUNK,
      defaultDedupeWindowMs: defaultWindow,
      packWaitingJobs,
    }),

    reserve(request) {
      // From the first reserve on, the transport sweeps the queues (a worker runs).
      sweeper.add(request.queues);
      return reserve(request);
    },

    async renew(renewals, leaseMs, queue) {
      const args: Array<string | number> = [leaseMs];
      for (const renewal of renewals) args.push(...renewArgs(renewal, queue));
      const reply = await script('renew', queue, args);
      return renewals.map((_, position) => renewStatusAt(reply, position));
    },

    async settle(settlements, queue) {
      const reply = String(await script('settle', queue, settleArgs(settlements, queue)));
      return settlements.map((_, position) => settleStatusAt(reply, position));
    },

    getJob: (id, queue) => getRecord(id, queue, false),

    async waitFor(id, { timeoutMs, signal }, queue) {
      const waiting = waitUntilFinal(id, queue, timeoutMs, signal);
      pendingWaits.add(waiting);
      try {
        return await waiting;
      } finally {
        pendingWaits.delete(waiting);
      }
    },

    cancel: cancelOne,

    onCancel: (listener) => notifications.onCancel(listener),

    async close() {
      closed = true;
      closing?.();
      await pickup.close();
      await sweeper.close();
      await Promise.allSettled([...pendingWaits]);
      notifications.close();
      start?.close();
      if (connections.owned) disconnectQuietly(commands);
    },
  } satisfies TransportDriver;

  const transport = createTransport(driver, {
    maxPayloadBytes: options.maxPayloadBytes,
    methods: {
      async ready(): Promise<void> {
        // A database Redis refuses rejects this (and every command) with INVALID_OPTION.
        // redisCall names the endpoint with what the socket last said (socket-state.ts).
        await redisCall('ping', () => commands.ping(), commands);
        if (!start) await refuseClusterNode(commands as Redis, endpointOf(commands));
        await notifications.cancelsReady;
      },
    },
  });
  // Not a gated method: it answers after close too, and synchronously.
  const describe = () => `${endpointOf(commands)}, prefix ${prefix}`;
  return Object.assign(transport, { describe }) satisfies RedisTransport;
}
