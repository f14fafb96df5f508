import {
  assertByteLimit,
  type CancelResult,
  DEFAULT_MAX_PAYLOAD_BYTES,
  FINAL_STATES,
  type JobRecord,
  type Logger,
  silentLogger,
  type Transport,
  TransportClosedError,
} from '@conveyor/core';
import { createRedisAdmin } from './admin.js';
import { byJobQueue, chunks, queueOfId } from './batches.js';
import { type ConnectionOptions, checkMaxmemoryPolicy, openConnections } from './connections.js';
import { createEnqueuer } from './enqueue.js';
import { redisCall } from './errors.js';
import { cancelChannel, markerKey, queueKeys } from './keys.js';
import { redisLimits } from './limits.js';
import { createNotifications } from './notifications.js';
import { createPickup } from './pickup.js';
import { createReserver } from './reserve.js';
import { defineScripts, type QueueScriptName, runScript } from './scripts.js';
import { createSweeper } from './sweeper.js';
import {
  readDeadPage,
  readJobReply,
  renewArgs,
  renewStatusAt,
  settleArgs,
  settleStatusAt,
  uniqueOf,
} from './wire/script-calls.js';

export interface RedisTransportOptions extends ConnectionOptions {
  /** First part of every key (`<prefix>:{<queue>}:…`). Default `conveyor`. */
  prefix?: string;
  /** How long final records are kept when a settlement names no TTL. Default 24 h. */
  defaultResultTtlMs?: number;
  /** How long an idempotency key stays claimed when an enqueue names no window. Default 24 h. */
  defaultDedupeWindowMs?: number;
  /**
   * Completed, failed, cancelled and expired jobs kept per queue, on top of their TTL:
   * the oldest beyond this are deleted. 0 turns the count bound off. Default 10,000.
   */
  maxFinishedPerQueue?: number;
  /**
   * Largest serialized job `enqueue` accepts, in UTF-8 bytes; a larger one fails the call
   * with `PAYLOAD_TOO_LARGE` before anything is written. Default 512 KiB, as for the client.
   */
  maxPayloadBytes?: number;
  /** Receives the start-up warnings. Default: silent, except the maxmemory warning goes to console. */
  logger?: Logger;
  /** Check `maxmemory-policy` on first use and warn unless `noeviction`. Default true. */
  checkMaxmemoryPolicy?: boolean;
}

/** A {@link Transport} on Redis, plus what only a Redis transport can offer. */
export interface RedisTransport extends Transport {
  /**
   * Resolves once Redis answers and the cancel channel is subscribed, so that this
   * instance hears every cancel published from then on. Rejects with a
   * `RedisTransportError` when Redis cannot be reached.
   */
  ready(): Promise<void>;
}

const DAY_MS = 86_400_000;
/** Jobs per script call: bounds how long one call holds Redis. */
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
  const maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  assertByteLimit(maxPayloadBytes, 'maxPayloadBytes');
  const logger = options.logger ?? consoleWarnLogger;
  const connections = openConnections(options);
  const { commands } = connections;
  defineScripts(commands);
  commands.on('error', () => {
    // ioredis reconnects by itself; failed commands reject with typed errors.
  });
  if (options.checkMaxmemoryPolicy !== false) void checkMaxmemoryPolicy(commands, logger);

  const keysOf = new Map<string, string[]>();
  const keys = (queue: string): string[] => {
    let list = keysOf.get(queue);
    if (!list) {
      list = queueKeys(prefix, queue);
      keysOf.set(queue, list);
    }
    return list;
  };
  const script = (name: QueueScriptName, queue: string, args: ReadonlyArray<string | number>) =>
    redisCall(name, () =>
      runScript(commands, name, keys(queue), [defaultTtl, keep], args),
    ) as Promise<unknown[]>;

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
  const pickup = createPickup(connections.blocking, (key) => {
    commands
      .lpush(key, '1')
      .then(() => commands.ltrim(key, 0, 0))
      .catch(() => {});
  });
  const assertOpen = (): void => {
    if (closed) throw new TransportClosedError('redis');
  };

  const admin = createRedisAdmin({
    commands,
    prefix,
    queueScript: (name, queue, args) => script(name, queue, args),
    assertOpen,
  });

  async function getRecord(id: string, watch: boolean): Promise<JobRecord | null> {
    const queue = queueOfId(id);
    if (!queue) return null;
    const reply = await script('get-job', queue, [uniqueOf(id, queue), watch ? '1' : '0']);
    return readJobReply(reply, id, queue);
  }

  const reserve = createReserver({
    reserveScript: (queue, args) => script('reserve', queue, args),
    deadLetter: (items) =>
      transport.settle(
        items.map(({ id, token, error }) => ({ type: 'fail', id, token, error, deadLetter: true })),
      ),
    waitForMarker: (queues, timeoutMs, signal) => {
      const markers = queues.map((queue) => markerKey(prefix, queue));
      // Cluster: one BLPOP per queue (its slot); standalone: one BLPOP on all markers.
      const groups = connections.isCluster ? markers.map((marker) => [marker]) : [markers];
      return pickup.wait(groups, timeoutMs, signal);
    },
    isClosed: () => closed,
  });

  async function waitUntilFinal(
    id: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<JobRecord | null> {
    const queue = queueOfId(id);
    if (!queue) return null;
    // The finish can be published while a read is still in flight, before anyone waits
    // on `wake`: remember it, or the wait would last until the lease deadline.
    let published = false;
    const markPublished = (): void => {
      published = true;
    };
    let wake: () => void = markPublished;
    const unwatch = await notifications.watchFinish(queue, uniqueOf(id, queue), () => wake());
    try {
      // Subscribed first, then read: a finish between the two cannot be missed [R21].
      let record = await getRecord(id, true);
      const deadline = Date.now() + timeoutMs;
      while (record && !FINAL_STATES.has(record.state) && !closed && !signal?.aborted) {
        const remaining = deadline - Date.now();
        if (remaining <= 0) break;
        // An active job can also end by lease expiry, which no script publishes until
        // someone looks: look when the lease runs out.
        const leaseIn =
          record.state === 'active' && record.leaseExpiresAt !== undefined
            ? Math.max(1, record.leaseExpiresAt - Date.now() + 5)
            : remaining;
        if (!published) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(done, Math.min(remaining, leaseIn));
            const onAbort = (): void => done();
            function done(): void {
              clearTimeout(timer);
              signal?.removeEventListener('abort', onAbort);
              wake = markPublished;
              resolve();
            }
            wake = done;
            signal?.addEventListener('abort', onAbort, { once: true });
            void closed$.then(done);
          });
        }
        published = false;
        record = await getRecord(id, false);
      }
      return record;
    } finally {
      unwatch();
    }
  }

  const enqueue = createEnqueuer({
    enqueueScript: (queue, args) => script('enqueue', queue, args),
    registerQueues: (queues) => admin.registerQueues(queues),
    chunkSize: CHUNK,
    defaultDedupeWindowMs: defaultWindow,
    maxPayloadBytes,
  });

  const transport: RedisTransport = {
    async ready() {
      assertOpen();
      await redisCall('ping', () => commands.ping());
      await notifications.cancelsReady;
    },

    name: 'redis',

    limits: redisLimits({ commands, prefix, assertOpen }),

    admin,

    enqueue(requests) {
      if (closed) return Promise.reject(new TransportClosedError('redis'));
      return enqueue(requests);
    },

    async reserve(request) {
      assertOpen();
      // From the first reserve on, the transport sweeps the queues (a worker runs).
      sweeper.add(request.queues);
      return reserve(request);
    },

    async renew(renewals, leaseMs) {
      assertOpen();
      const statuses = renewals.map(() => 'lost' as const) as Array<
        'held' | 'cancel-requested' | 'lost'
      >;
      await Promise.all(
        byJobQueue(renewals).flatMap((batch) =>
          chunks(batch.entries, CHUNK).map(async (entries) => {
            const args: Array<string | number> = [leaseMs];
            for (const { item } of entries) args.push(...renewArgs(item, batch.queue));
            const reply = await script('renew', batch.queue, args);
            entries.forEach(({ index }, position) => {
              statuses[index] = renewStatusAt(reply, position);
            });
          }),
        ),
      );
      return statuses;
    },

    async settle(settlements) {
      assertOpen();
      const statuses = settlements.map(() => 'stale') as Array<'ok' | 'stale'>;
      await Promise.all(
        byJobQueue(settlements).flatMap((batch) =>
          chunks(batch.entries, CHUNK).map(async (entries) => {
            const args = settleArgs(
              entries.map(({ item }) => item),
              batch.queue,
            );
            const reply = String(await script('settle', batch.queue, args));
            entries.forEach(({ index }, position) => {
              statuses[index] = settleStatusAt(reply, position);
            });
          }),
        ),
      );
      return statuses;
    },

    async getJob(id) {
      assertOpen();
      return getRecord(id, false);
    },

    async waitFor(id, { timeoutMs, signal }) {
      assertOpen();
      if (!(timeoutMs > 0) || signal?.aborted) return getRecord(id, false);
      const waiting = waitUntilFinal(id, timeoutMs, signal);
      pendingWaits.add(waiting);
      try {
        return await waiting;
      } finally {
        pendingWaits.delete(waiting);
      }
    },

    async cancel(id) {
      assertOpen();
      const queue = queueOfId(id);
      if (!queue) return 'not-found';
      await notifications.cancelsReady;
      const reply = await script('cancel', queue, [uniqueOf(id, queue), cancelChannel(prefix), id]);
      return reply as unknown as CancelResult;
    },

    onCancel(listener) {
      assertOpen();
      return notifications.onCancel(listener);
    },

    async listDead(queue, listOptions = {}) {
      assertOpen();
      const offset = Math.max(0, listOptions.offset ?? 0);
      const limit = listOptions.limit === undefined ? -1 : Math.max(0, listOptions.limit);
      return readDeadPage(await script('list-dead', queue, [offset, limit]), queue);
    },

    retryDead: (queue, ids) => moveDead('retry-dead', queue, ids),
    purgeDead: (queue, ids) => moveDead('purge-dead', queue, ids),

    async close() {
      if (closed) return;
      closed = true;
      closing?.();
      pickup.close();
      await sweeper.close();
      await Promise.allSettled([...pendingWaits]);
      notifications.close();
      if (connections.owned) commands.disconnect();
    },
  };

  async function moveDead(
    name: 'retry-dead' | 'purge-dead',
    queue: string,
    ids?: readonly string[],
  ): Promise<number> {
    assertOpen();
    let total = 0;
    if (ids) {
      const uniques = ids.filter((id) => queueOfId(id) === queue).map((id) => uniqueOf(id, queue));
      for (const chunk of chunks(uniques, CHUNK)) {
        const reply = await script(name, queue, ['ids', CHUNK, ...chunk]);
        total += Number(reply[0]);
      }
      return total;
    }
    for (;;) {
      const reply = await script(name, queue, ['all', CHUNK]);
      total += Number(reply[0]);
      if (Number(reply[0]) === 0 || Number(reply[1]) === 0) return total;
    }
  }

  return transport;
}
