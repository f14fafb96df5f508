import type { Logger, QueueCounts } from '@conveyor/core';
import type { TransportAdminDriver } from '@conveyor/core/transport';
import type { Cluster, Redis } from 'ioredis';
import { createRedisAudit } from './audit.js';
import { redisCall } from './call.js';
import { indexedFieldsKey } from './keys.js';
import { runScript } from './scripts.js';
import {
  findByIndexArgs,
  listJobsArgs,
  readIndexedFields,
  readIndexPage,
  readJobPage,
} from './wire/pages.js';
import { readQueueNames, readWorkerRecords } from './wire/registries.js';
import { readDeadPage, uniqueOf } from './wire/script-calls.js';

/**
 * Keys outside any queue. The worker keys share the hash tag `{@workers}` (one Cluster
 * slot, so a script can touch both); `@` is not allowed in queue names, so no queue can
 * share it. The queue registry is a single plain key.
 */
export function adminKeys(prefix: string): { queues: string; workers: string; expiry: string } {
  return {
    queues: `${prefix}:queues`,
    workers: `${prefix}:{@workers}:records`,
    expiry: `${prefix}:{@workers}:expiry`,
  };
}

/** Jobs per purge or dead-letter script call: bounds how long one call holds Redis. */
const PURGE_BATCH = 1_000;

export interface RedisAdminOptions {
  commands: Redis | Cluster;
  prefix: string;
  /** Told, once per entry, of a queue name or worker record in Redis that is not one. */
  logger: Logger;
  /** Runs a queue script with the queue's keys. */
  queueScript(
    name:
      | 'queue-counts'
      | 'purge-queue'
      | 'pause-queue'
      | 'list-dead'
      | 'retry-dead'
      | 'purge-dead'
      | 'promote'
      | 'list-jobs'
      | 'find-by-index',
    queue: string,
    args: ReadonlyArray<string | number>,
  ): Promise<unknown[]>;
}

export interface RedisAdmin extends TransportAdminDriver {
  /**
   * Adds queues to the registry that `listQueues` reads, once per queue per process.
   * A plain SADD outside the queue's slot, so the enqueue script stays Cluster-safe.
   */
  registerQueues(queues: Iterable<string>): Promise<void>;
}

/**
 * `transport.admin` for Redis, as `createTransport` wraps it (arguments checked there).
 * Counts are LLEN/ZCARD inside one script per queue, never a scan of jobs. Worker records
 * live in a hash plus a ZSET of deadlines on Redis TIME.
 */
export function createRedisAdmin(options: RedisAdminOptions): RedisAdmin {
  const { commands, queueScript, prefix, logger } = options;
  const keys = adminKeys(prefix);
  const registered = new Set<string>();
  // Entries already warned about: a dashboard lists queues and workers every few seconds.
  const warned = new Set<string>();
  const skipped = (entry: string, note: string): void => {
    if (warned.has(entry)) return;
    warned.add(entry);
    logger.warn({ entry }, `[conveyor] [redis] ${note}`);
  };
  const audit = createRedisAudit({ commands, prefix });

  const workerScript = (
    name: 'put-worker' | 'list-workers' | 'remove-worker',
    args: ReadonlyArray<string | number>,
  ) =>
    redisCall(name, () => runScript(commands, name, [keys.workers, keys.expiry], args), commands);

  const admin: RedisAdmin = {
    async registerQueues(queues) {
      const fresh = [...queues].filter((queue) => !registered.has(queue));
      if (fresh.length === 0) return;
      for (const queue of fresh) registered.add(queue);
      try {
        await redisCall('register-queues', () => commands.sadd(keys.queues, ...fresh), commands);
      } catch (error) {
        // Try again on the next enqueue.
        for (const queue of fresh) registered.delete(queue);
        throw error;
      }
    },

    async listQueues() {
      const queues = await redisCall('list-queues', () => commands.smembers(keys.queues), commands);
      return readQueueNames(queues, keys.queues, skipped);
    },

    async queueCounts(queues) {
      return Promise.all(
        queues.map(async (queue): Promise<QueueCounts> => {
          const [waiting, delayed, active, dead, finished, paused] = (
            await queueScript('queue-counts', queue, [])
          ).map(Number);
          const counts: QueueCounts = {
            queue,
            waiting: waiting ?? 0,
            delayed: delayed ?? 0,
            active: active ?? 0,
            dead: dead ?? 0,
            finished: finished ?? 0,
          };
          if (paused === 1) counts.paused = true;
          return counts;
        }),
      );
    },

    async purgeQueue(queue) {
      let total = 0;
      for (;;) {
        const [purged, left] = (await queueScript('purge-queue', queue, [PURGE_BATCH])).map(Number);
        total += purged ?? 0;
        // Stop when nothing is left; a batch of only stale ids still made progress.
        if (!left) return total;
      }
    },

    async pauseQueue(queue) {
      // Listed, so that `conveyor status` shows a queue paused before its first job.
      await admin.registerQueues([queue]);
      return Number((await queueScript('pause-queue', queue, ['1'])) as unknown) === 1;
    },

    async resumeQueue(queue) {
      return Number((await queueScript('pause-queue', queue, ['0'])) as unknown) === 1;
    },

    async listDead(queue, { offset, limit }) {
      return readDeadPage(await queueScript('list-dead', queue, [offset, limit]), queue);
    },

    retryDead: (queue, ids) => moveDead('retry-dead', queue, ids),
    purgeDead: (queue, ids) => moveDead('purge-dead', queue, ids),

    async promoteDelayed(queue, ids) {
      if (ids) {
        const uniques = ids.map((id) => uniqueOf(id, queue));
        const [moved] = await queueScript('promote', queue, ['ids', PURGE_BATCH, ...uniques]);
        return Number(moved);
      }
      // The batch due first, until none is left: each call moves at most PURGE_BATCH.
      let total = 0;
      for (;;) {
        const reply = await queueScript('promote', queue, ['all', PURGE_BATCH]);
        const [moved, left, looked] = reply.map(Number);
        total += moved ?? 0;
        if (!looked || !left) return total;
      }
    },

    async listJobs(queue, listing) {
      const reply = await queueScript('list-jobs', queue, listJobsArgs(listing));
      return readJobPage(reply, queue, listing.state);
    },

    async findByIndex(queue, search) {
      return readIndexPage(
        await queueScript('find-by-index', queue, findByIndexArgs(search)),
        queue,
      );
    },

    async indexedFields(queue) {
      const members = await redisCall(
        'indexed-fields',
        () => commands.smembers(indexedFieldsKey(prefix, queue)),
        commands,
      );
      return readIndexedFields(members);
    },

    appendAudit: (entry) => audit.appendAudit(entry),
    listAudit: (query) => audit.listAudit(query),

    async putWorker(record, ttlMs) {
      const { heartbeatAt: _ignored, ...stored } = record;
      await workerScript('put-worker', [record.id, JSON.stringify(stored), Math.ceil(ttlMs)]);
    },

    async removeWorker(id) {
      await workerScript('remove-worker', [id]);
    },

    async listWorkers() {
      const reply = (await workerScript('list-workers', [])) as string[];
      return readWorkerRecords(reply, keys.workers, skipped);
    },
  };
  return admin;

  /** The given dead jobs (one call: the wrapper splits long lists), or all of them in batches. */
  async function moveDead(
    name: 'retry-dead' | 'purge-dead',
    queue: string,
    ids: readonly string[] | undefined,
  ): Promise<number> {
    if (ids) {
      const uniques = ids.map((id) => uniqueOf(id, queue));
      const [moved] = await queueScript(name, queue, ['ids', PURGE_BATCH, ...uniques]);
      return Number(moved);
    }
    if (name === 'retry-dead') return retryAllDead(queue);
    let total = 0;
    for (;;) {
      const [moved, left] = (await queueScript(name, queue, ['all', PURGE_BATCH])).map(Number);
      total += moved ?? 0;
      if (!moved || !left) return total;
    }
  }

  /**
   * Every dead job of the queue back to waiting, a batch at a time, oldest first. The
   * workflow step jobs stay dead [R23]; they stay at the front of what each call has
   * looked at, so the next call starts past them.
   */
  async function retryAllDead(queue: string): Promise<number> {
    let total = 0;
    let skipped = 0;
    for (;;) {
      const reply = await queueScript('retry-dead', queue, ['all', PURGE_BATCH, skipped]);
      const [moved = 0, left = 0, steps = 0, looked = 0] = reply.map(Number);
      total += moved;
      skipped += steps;
      if (looked < PURGE_BATCH || left <= skipped) return total;
    }
  }
}
