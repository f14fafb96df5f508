import type { TransportAdminDriver } from '../driver/driver.js';
import type { QueueCounts, WorkerRecord } from '../transport-admin.js';
import type { AuditLog } from './audit-log.js';
import { listDead, purgeDead, retryDead } from './dead-letters.js';
import type { JobIndex } from './job-index.js';
import type { JobStore } from './job-store.js';
import { listJobs } from './listing.js';
import { promoteDelayed } from './promote.js';

export interface MemoryAdminOptions {
  store: JobStore;
  jobIndex: JobIndex;
  audit: AuditLog;
  /**
   * Runs `operation` as one transport operation: brings deadlines up to date before it,
   * and wakes the waiters its changes concern after.
   */
  operate<T>(operation: (now: number) => T): T;
  /** A job's record was deleted (purged): its `waitFor` callers resolve with null. */
  onGone(jobId: string): void;
  /** Paused queues, which the transport's reserve skips [A13]. */
  paused: Set<string>;
  /** A queue was resumed: blocked reserves on it look again. */
  onResumed(queue: string): void;
}

/**
 * The memory transport's operator operations. Counts and purge walk every stored job:
 * fine for the unit tests and demos this transport serves, and nothing to copy into a
 * real broker (the Redis transport counts with LLEN/ZCARD).
 */
export function createMemoryAdmin(options: MemoryAdminOptions): TransportAdminDriver {
  const { store, operate, jobIndex, audit, paused } = options;
  const workers = new Map<string, { record: WorkerRecord; expiresAt: number }>();
  // Queues named by a pause, listed from then on like queues that held a job [A13].
  const named = new Set<string>();

  function sweepWorkers(now: number): void {
    for (const [id, entry] of workers) if (entry.expiresAt <= now) workers.delete(id);
  }

  return {
    async listQueues() {
      return operate(() => [...new Set([...store.queues(), ...named])].sort());
    },

    async queueCounts(queues) {
      return operate(() => {
        const counts = new Map<string, QueueCounts>(
          queues.map((queue) => [
            queue,
            { queue, waiting: 0, delayed: 0, active: 0, dead: 0, finished: 0 },
          ]),
        );
        for (const { record } of store.jobs()) {
          const count = counts.get(record.envelope.queue);
          if (!count) continue;
          if (record.state === 'waiting') count.waiting++;
          else if (record.state === 'delayed') count.delayed++;
          else if (record.state === 'active') count.active++;
          else if (record.state === 'dead') count.dead++;
          else count.finished++;
        }
        return queues.map((queue) => {
          const count = { ...(counts.get(queue) as QueueCounts) };
          if (paused.has(queue)) count.paused = true;
          return count;
        });
      });
    },

    async purgeQueue(queue) {
      return operate(() => {
        const doomed = [];
        for (const job of store.jobs()) {
          const { state, envelope } = job.record;
          if (envelope.queue === queue && (state === 'waiting' || state === 'delayed')) {
            doomed.push(job);
          }
        }
        for (const job of doomed) {
          store.unqueue(job);
          store.forget(job.record.id);
          options.onGone(job.record.id);
        }
        return doomed.length;
      });
    },

    async pauseQueue(queue) {
      return operate(() => {
        named.add(queue);
        if (paused.has(queue)) return false;
        paused.add(queue);
        return true;
      });
    },

    async resumeQueue(queue) {
      return operate(() => {
        if (!paused.delete(queue)) return false;
        options.onResumed(queue);
        return true;
      });
    },

    async listDead(queue, page) {
      return operate(() => listDead(store, queue, page));
    },

    async retryDead(queue, ids) {
      return operate(() => retryDead(store, queue, ids));
    },

    async purgeDead(queue, ids) {
      return operate(() => purgeDead(store, queue, ids));
    },

    async promoteDelayed(queue, ids) {
      return operate((now) => promoteDelayed(store, queue, ids, now));
    },

    async putWorker(record, ttlMs) {
      operate((now) => {
        const stored = structuredClone(record);
        stored.heartbeatAt = now;
        workers.set(record.id, { record: stored, expiresAt: now + ttlMs });
      });
    },

    async removeWorker(id) {
      operate(() => workers.delete(id));
    },

    async listWorkers() {
      return operate((now) => {
        sweepWorkers(now);
        return [...workers.values()]
          .map((entry) => structuredClone(entry.record))
          .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      });
    },

    async listJobs(queue, listing) {
      return operate(() => listJobs(store, queue, listing));
    },

    async findByIndex(queue, search) {
      return operate(() => jobIndex.find(queue, search, (id) => store.get(id)?.record));
    },

    async indexedFields(queue) {
      return operate(() => jobIndex.fields(queue));
    },

    async appendAudit(entry) {
      return operate((now) => audit.append(entry, now));
    },

    async listAudit(query) {
      return operate(() => audit.list(query));
    },
  };
}
